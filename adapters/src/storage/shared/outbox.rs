//! The outbox: enqueueing (insert-or-ignore by dedupe key) and retrying in a unit of work,
//! claiming under a lease, recording outcomes, and the panel's listings.
//!
//! A claim is one `UPDATE … WHERE id IN (SELECT … LIMIT n <SKIP_LOCKED>) RETURNING …` in a
//! short write transaction. A claim is live while `claimed_until` is in the future; outcomes
//! clear it and leave `claimed_by`, so the panel can tell which instance delivered a message. On PostgreSQL the backend's `SKIP_LOCKED` is `FOR UPDATE SKIP
//! LOCKED`: concurrent claimers pass over each other's rows instead of waiting, and a row
//! another claimer committed meanwhile is re-checked against the lease condition, so no two
//! instances get one message. SQLite has no row locks and needs none: its write transaction
//! holds the database's single write lock, so claims run one after the other.

/// Implements `Outbox` for `$store`; `enqueue` and `retry` run in a unit of work.
macro_rules! outbox {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{Claim, Delivery, Outbox, OutboxDepth, OutboxEntry, OutboxMessage, OutboxQuery, StoreError};
        use gatehouse_domain::{MessageKind, MessageState};
        use sqlx::QueryBuilder;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use $crate::storage::filters;
        use $crate::storage::rows::{NewOutboxValues, OUTBOX, OutboxRow, Ts, backend};

        #[async_trait]
        impl Outbox for $store {
            async fn claim(&self, claim: &Claim) -> Result<Vec<OutboxEntry>, StoreError> {
                if claim.kinds.is_empty() || claim.limit == 0 {
                    return Ok(Vec::new());
                }
                let now = Ts::new(claim.now);
                let mut qb = QueryBuilder::<$db>::new("UPDATE outbox SET claimed_by = ");
                qb.push_bind(claim.worker.clone())
                    .push(", claimed_until = ")
                    .push_bind(Ts::new(claim.until))
                    .push(", updated_at = ")
                    .push_bind(now)
                    .push(" WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ")
                    .push_bind(now)
                    .push(" AND (claimed_until IS NULL OR claimed_until <= ")
                    .push_bind(now)
                    .push(") AND kind IN (");
                let mut kinds = qb.separated(", ");
                for kind in &claim.kinds {
                    kinds.push_bind(kind.as_str());
                }
                qb.push(") ORDER BY next_attempt_at, id LIMIT ")
                    .push_bind(i64::from(claim.limit))
                    .push(<$store>::SKIP_LOCKED)
                    .push(") RETURNING ")
                    .push(OUTBOX);
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                let rows: Vec<OutboxRow> = qb.build_query_as().fetch_all(&mut *tx).await.map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                let mut claimed = rows.into_iter().map(OutboxEntry::try_from).collect::<Result<Vec<_>, _>>()?;
                claimed.sort_by_key(|e| (e.next_attempt_at, e.message.id));
                Ok(claimed)
            }

            async fn finish(
                &self,
                id: Uuid,
                worker: &str,
                delivery: &Delivery,
                now: OffsetDateTime,
            ) -> Result<bool, StoreError> {
                // Every outcome ends the lease, and counts only while this worker holds the claim;
                // `claimed_by` stays, naming the worker that delivered (or last tried).
                let now = Ts::new(now);
                let update = |set: &str| {
                    let sql = format!(
                        "UPDATE outbox SET {set}, claimed_until = NULL, updated_at = $3 \
                         WHERE id = $1 AND claimed_by = $2 AND state = 'pending'"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(worker.to_owned()).bind(now)
                };
                let query = match delivery {
                    Delivery::Sent { note } => {
                        update("state = 'sent', attempts = attempts + 1, sent_at = $3, last_error = $4")
                            .bind(note.clone())
                    }
                    Delivery::Retry { at, error } => {
                        update("attempts = attempts + 1, next_attempt_at = $4, last_error = $5")
                            .bind(Ts::new(*at))
                            .bind(error.clone())
                    }
                    Delivery::Dead { error } => {
                        update("state = 'dead', attempts = attempts + 1, last_error = $4").bind(error.clone())
                    }
                    Delivery::Release { at } => update("next_attempt_at = $4").bind(Ts::new(*at)),
                };
                let done = query.execute(&self.pool).await.map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            async fn get(&self, id: Uuid) -> Result<Option<OutboxEntry>, StoreError> {
                let sql = format!("SELECT {OUTBOX} FROM outbox WHERE id = $1");
                let row: Option<OutboxRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(OutboxEntry::try_from).transpose()
            }

            async fn list(&self, query: &OutboxQuery) -> Result<Vec<OutboxEntry>, StoreError> {
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {OUTBOX} FROM outbox"));
                filters::outbox(&mut qb, query);
                let rows: Vec<OutboxRow> = qb.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                rows.into_iter().map(OutboxEntry::try_from).collect()
            }

            async fn depth(&self) -> Result<OutboxDepth, StoreError> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT kind, state, COUNT(*) FROM outbox WHERE state IN ('pending', 'dead') GROUP BY kind, state",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                let mut depth = OutboxDepth::default();
                for (kind, state, n) in rows {
                    let n = u64::try_from(n).unwrap_or(0);
                    match (kind.parse::<MessageKind>(), state.parse::<MessageState>()) {
                        (Ok(MessageKind::Email), Ok(MessageState::Pending)) => depth.pending_email = n,
                        (Ok(MessageKind::Email), Ok(MessageState::Dead)) => depth.dead_email = n,
                        (Ok(MessageKind::UpstreamPush), Ok(MessageState::Pending)) => depth.pending_push = n,
                        (Ok(MessageKind::UpstreamPush), Ok(MessageState::Dead)) => depth.dead_push = n,
                        _ => {}
                    }
                }
                Ok(depth)
            }
        }

        /// Puts `m` in the outbox, pending and due at its creation, unless a message with its
        /// dedupe key exists (then nothing happens: once per cause).
        pub(super) async fn enqueue(conn: &mut $conn, m: &OutboxMessage) -> Result<(), StoreError> {
            let v = NewOutboxValues::of(m);
            sqlx::query(
                "INSERT INTO outbox (id, kind, tenant_id, notification, dedupe_key, recipient, subject, \
                 body_text, body_html, state, attempts, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, $10, $10) \
                 ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(v.id)
            .bind(v.kind)
            .bind(v.tenant_id)
            .bind(v.notification)
            .bind(v.dedupe_key)
            .bind(v.recipient)
            .bind(v.subject)
            .bind(v.body_text)
            .bind(v.body_html)
            .bind(v.created_at)
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Makes the dead message `id` pending again, due `at`, attempts from zero; `NotFound`
        /// (failing the whole unit of work) unless it exists and is dead.
        pub(super) async fn retry(conn: &mut $conn, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
            let done = sqlx::query(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2, \
                 claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND state = 'dead'",
            )
            .bind(id)
            .bind(Ts::new(at))
            .execute(conn)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}
pub(crate) use outbox;
