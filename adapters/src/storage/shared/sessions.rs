//! Server-side admin sessions: lookups, activity and wrong-code counting, and the statements a
//! unit of work uses to start and end them.

/// Implements `SessionStore` for `$store`; `insert`, `end` and `end_for_admin` run in a unit of
/// work.
macro_rules! sessions {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{SessionStore, StoreError};
        use gatehouse_domain::{AdminId, SuperAdmin};
        use gatehouse_domain::session::{EndReason, Session};
        use time::OffsetDateTime;
        use uuid::Uuid;
        use $crate::storage::cache::Reach;

        use $crate::storage::rows::{SessionAdminRow, SessionRow, Ts, backend, columns};

        #[async_trait]
        impl SessionStore for $store {
            async fn by_token_hash(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<(Session, SuperAdmin)>, StoreError> {
                let sql = format!(
                    "SELECT {}, {} FROM sessions s JOIN admins a ON a.id = s.admin_id WHERE s.token_hash = $1",
                    *columns::SESSION_OF_S,
                    columns::ADMIN_BESIDE_SESSION
                );
                let row: Option<SessionAdminRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(SessionAdminRow::split).transpose()
            }

            async fn get(&self, id: Uuid) -> Result<Option<Session>, StoreError> {
                let sql = format!("SELECT {} FROM sessions WHERE id = $1", columns::SESSION);
                let row: Option<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(Session::try_from).transpose()
            }

            async fn for_admin(
                &self,
                admin: AdminId,
                include_ended: bool,
            ) -> Result<Vec<Session>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM sessions WHERE admin_id = $1 AND ($2 OR ended_at IS NULL) \
                     ORDER BY created_at DESC, id DESC",
                    columns::SESSION
                );
                let rows: Vec<SessionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(admin.as_uuid())
                    .bind(include_ended)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(Session::try_from).collect()
            }

            async fn touch(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
                // Only forwards, and never on an ended session: a slow request finishing late
                // must not move the idle clock back or revive anything.
                let mut one = self.write_one(Reach::NEITHER).await?;
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = $2 \
                     WHERE id = $1 AND ended_at IS NULL AND last_seen_at < $2",
                )
                .bind(id)
                .bind(Ts::new(at))
                .execute(&mut *one)
                .await
                .map_err(backend)?;
                Ok(())
            }

            async fn add_second_factor_failure(&self, id: Uuid) -> Result<u32, StoreError> {
                // One statement reads and increments, so parallel wrong codes each count.
                let mut one = self.write_one(Reach::NEITHER).await?;
                let count: Option<i32> = sqlx::query_scalar(
                    "UPDATE sessions SET second_factor_failures = second_factor_failures + 1 \
                     WHERE id = $1 RETURNING second_factor_failures",
                )
                .bind(id)
                .fetch_optional(&mut *one)
                .await
                .map_err(backend)?;
                let count = count.ok_or(StoreError::NotFound)?;
                u32::try_from(count).map_err(StoreError::backend)
            }
        }

        /// Stores a new session.
        pub(super) async fn insert(conn: &mut $conn, s: &Session) -> Result<(), StoreError> {
            let v = SessionRow::of(s)?;
            sqlx::query(
                "INSERT INTO sessions (id, token_hash, admin_id, stage, created_at, last_seen_at, ip, \
                 user_agent, remember, second_factor_failures, return_to, ended_at, end_reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(v.id)
            .bind(v.token_hash)
            .bind(v.admin_id)
            .bind(v.stage)
            .bind(v.created_at)
            .bind(v.last_seen_at)
            .bind(v.ip)
            .bind(v.user_agent)
            .bind(v.remember)
            .bind(v.second_factor_failures)
            .bind(v.return_to)
            .bind(v.ended_at)
            .bind(v.end_reason)
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Ends session `id` if it is still active; an ended or unknown one is left as it is.
        pub(super) async fn end(
            conn: &mut $conn,
            id: Uuid,
            at: OffsetDateTime,
            reason: EndReason,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL",
            )
            .bind(id)
            .bind(Ts::new(at))
            .bind(reason.as_str())
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Ends every active session of `admin` but `except`.
        pub(super) async fn end_for_admin(
            conn: &mut $conn,
            admin: AdminId,
            at: OffsetDateTime,
            reason: EndReason,
            except: Option<Uuid>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE sessions SET ended_at = $2, end_reason = $3 \
                 WHERE admin_id = $1 AND ended_at IS NULL AND ($4 IS NULL OR id <> $4)",
            )
            .bind(admin.as_uuid())
            .bind(Ts::new(at))
            .bind(reason.as_str())
            .bind(except)
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }
    };
}
pub(crate) use sessions;
