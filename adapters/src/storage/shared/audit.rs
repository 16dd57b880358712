//! The audit log: listing, reading in chain order, and appending to the chain.

/// Implements `AuditLog` for `$store`; `append` chains a unit of work's events.
macro_rules! audit {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{AuditLog, AuditQuery, StoreError};
        use gatehouse_domain::{AuditEvent, AuditKind, AuditRecord};
        use sqlx::QueryBuilder;

        use $crate::storage::filters;
        use $crate::storage::rows::{AuditRow, AuditValues, backend, columns};

        #[async_trait]
        impl AuditLog for $store {
            async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new("");
                filters::audit(&mut qb, columns::AUDIT, query);
                let rows: Vec<AuditRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                rows.into_iter().map(AuditRecord::try_from).collect()
            }

            async fn recent(&self, kinds: &[AuditKind], limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
                let query = AuditQuery { kinds: kinds.to_vec(), limit, ..AuditQuery::default() };
                self.cache.events((kinds.to_vec(), limit), self.list(&query)).await
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

        /// Records in one `INSERT`: 16 parameters each, well under either database's limit.
        const APPEND_CHUNK: usize = 500;

        /// Chains `events` after the current head, read under the chain's lock (held until the
        /// caller's transaction ends): appends wait for each other, so no two read the same head.
        pub(super) async fn append(conn: &mut $conn, events: Vec<AuditEvent>) -> Result<(), StoreError> {
            if events.is_empty() {
                return Ok(());
            }
            let mut head = <$store>::chain_head(conn).await?;
            let mut records = Vec::with_capacity(events.len());
            for event in events {
                let record = AuditRecord::chain(head.as_ref().map(|(s, h)| (*s, h.as_str())), event);
                head = Some((record.seq, record.hash.clone()));
                records.push(AuditValues::of(record));
            }
            // One statement per chunk rather than per record: a batch of looks is one round trip.
            for chunk in records.chunks(APPEND_CHUNK) {
                let mut qb = QueryBuilder::<$db>::new(
                    "INSERT INTO audit_log (seq, id, at, kind, actor_type, actor_id, actor_label, tenant_id, \
                     outcome, reason, ip, user_agent, before_json, after_json, prev_hash, hash) ",
                );
                qb.push_values(chunk, |mut row, v| {
                    row.push_bind(v.seq)
                        .push_bind(v.id)
                        .push_bind(v.at)
                        .push_bind(v.kind)
                        .push_bind(v.actor_type.as_str())
                        .push_bind(v.actor_id.as_deref())
                        .push_bind(v.actor_label.as_str())
                        .push_bind(v.tenant_id)
                        .push_bind(v.outcome)
                        .push_bind(v.reason.as_deref())
                        .push_bind(v.ip.as_deref())
                        .push_bind(v.user_agent.as_deref())
                        .push_bind(v.before_json.as_deref())
                        .push_bind(v.after_json.as_deref())
                        .push_bind(v.prev_hash.as_str())
                        .push_bind(v.hash.as_str());
                });
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
        }
    };
}
pub(crate) use audit;
