//! Login failure counting per key (account, unknown username, client IP), held in the
//! database so lockout survives restarts and spans instances (S13).

/// Implements `LoginThrottle` for `$store`.
macro_rules! throttle {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{KeyState, LoginThrottle, StoreError, ThrottleKey};
        use time::{Duration, OffsetDateTime};
        use uuid::Uuid;

        use $crate::storage::rows::{KeyStateRow, Ts, backend};
        use $crate::storage::shared::Lock;

        /// Attempts older than this are pruned: no policy looks further back (the window is at
        /// most 24 hours, the hourly ceiling one).
        const KEEP: Duration = Duration::hours(24);

        #[async_trait]
        impl LoginThrottle for $store {
            async fn begin_attempt(
                &self,
                keys: &[ThrottleKey],
                attempt: Uuid,
                now: OffsetDateTime,
                window: Duration,
            ) -> Result<Vec<KeyState>, StoreError> {
                let keys: Vec<String> = keys.iter().map(ThrottleKey::as_key).collect();
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                // Every key's lock is held to the end, taken in one global order so that two
                // attempts sharing keys cannot deadlock; counting then sees every earlier attempt.
                let mut ordered: Vec<&str> = keys.iter().map(String::as_str).collect();
                ordered.sort_unstable();
                ordered.dedup();
                for key in ordered {
                    <$store>::acquire(&mut tx, Lock::ThrottleKey(key)).await?;
                }
                let mut states = Vec::with_capacity(keys.len());
                for key in &keys {
                    sqlx::query(
                        "INSERT INTO login_attempts (attempt_id, key, at) VALUES ($1, $2, $3) \
                         ON CONFLICT (attempt_id, key) DO NOTHING",
                    )
                    .bind(attempt)
                    .bind(key)
                    .bind(Ts::new(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                    sqlx::query("DELETE FROM login_attempts WHERE key = $1 AND at < $2")
                        .bind(key)
                        .bind(Ts::new(now - KEEP))
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    let row: KeyStateRow = sqlx::query_as(
                        "SELECT (SELECT COUNT(*) FROM login_attempts WHERE key = $1 AND at > $2) AS in_window, \
                         (SELECT COUNT(*) FROM login_attempts WHERE key = $1 AND at > $3) AS in_last_hour, \
                         (SELECT locked_until FROM login_locks WHERE key = $1) AS locked_until",
                    )
                    .bind(key)
                    .bind(Ts::new(now - window))
                    .bind(Ts::new(now - Duration::hours(1)))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    states.push(KeyState::try_from(row)?);
                }
                tx.commit().await.map_err(backend)?;
                Ok(states)
            }

            async fn succeed(&self, attempt: Uuid, reset: &[ThrottleKey]) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                sqlx::query("DELETE FROM login_attempts WHERE attempt_id = $1")
                    .bind(attempt)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                for key in reset {
                    forget(&mut tx, &key.as_key()).await?;
                }
                tx.commit().await.map_err(backend)
            }

            async fn lock(&self, key: &ThrottleKey, until: OffsetDateTime) -> Result<(), StoreError> {
                // A shorter lock never replaces a longer one (two failures deciding at once).
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                sqlx::query(
                    "INSERT INTO login_locks AS l (key, locked_until) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET locked_until = excluded.locked_until \
                     WHERE l.locked_until < excluded.locked_until",
                )
                .bind(key.as_key())
                .bind(Ts::new(until))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                tx.commit().await.map_err(backend)
            }

            async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                forget(&mut tx, &key.as_key()).await?;
                tx.commit().await.map_err(backend)
            }

            async fn locked_until(&self, key: &ThrottleKey) -> Result<Option<OffsetDateTime>, StoreError> {
                let until: Option<Ts> = sqlx::query_scalar("SELECT locked_until FROM login_locks WHERE key = $1")
                    .bind(key.as_key())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(until.map(|t| t.0))
            }
        }

        /// Deletes a key's counted attempts and its lock.
        async fn forget(conn: &mut $conn, key: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM login_attempts WHERE key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            sqlx::query("DELETE FROM login_locks WHERE key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map(drop)
                .map_err(backend)
        }
    };
}
pub(crate) use throttle;
