//! The audit log: listing, reading in chain order, and appending to the chain.

/// Implements `AuditLog` for `$store`; `append` chains a unit of work's events.
macro_rules! audit {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{AuditLog, AuditQuery, StoreError};
        use gatehouse_domain::{AuditEvent, AuditRecord};
        use sqlx::QueryBuilder;

        use $crate::storage::filters;
        use $crate::storage::rows::{AuditRow, AuditValues, backend, columns};
        use $crate::storage::shared::Lock;

        #[async_trait]
        impl AuditLog for $store {
            async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("");
                filters::audit(&mut qb, columns::AUDIT, query);
                let rows: Vec<AuditRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                rows.into_iter().map(AuditRecord::try_from).collect()
            }

            async fn records_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM audit_log WHERE seq > $1 ORDER BY seq{}",
                    columns::AUDIT,
                    filters::limit(limit)
                );
                let rows: Vec<AuditRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(AuditRecord::try_from).collect()
            }
        }

        /// Chains `events` after the current head. The chain's lock (held until the caller's
        /// transaction ends) makes appends wait for each other, so no two read the same head.
        pub(super) async fn append(conn: &mut $conn, events: Vec<AuditEvent>) -> Result<(), StoreError> {
            if events.is_empty() {
                return Ok(());
            }
            <$store>::acquire(conn, Lock::AuditChain).await?;
            let mut head: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
            for event in events {
                let record = AuditRecord::chain(head.as_ref().map(|(s, h)| (*s, h.as_str())), event);
                head = Some((record.seq, record.hash.clone()));
                let v = AuditValues::of(record);
                sqlx::query(
                    "INSERT INTO audit_log (seq, id, at, kind, actor_type, actor_id, actor_label, tenant_id, \
                     outcome, reason, ip, user_agent, before_json, after_json, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(v.seq)
                .bind(v.id)
                .bind(v.at)
                .bind(v.kind)
                .bind(v.actor_type)
                .bind(v.actor_id)
                .bind(v.actor_label)
                .bind(v.tenant_id)
                .bind(v.outcome)
                .bind(v.reason)
                .bind(v.ip)
                .bind(v.user_agent)
                .bind(v.before_json)
                .bind(v.after_json)
                .bind(v.prev_hash)
                .bind(v.hash)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            }
            Ok(())
        }
    };
}
pub(crate) use audit;
