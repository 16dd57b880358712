//! Login failure counting per key (account, unknown username, client IP), held in the
//! database so lockout survives restarts and spans instances (S13).

/// Implements `LoginThrottle` for `$store`.
macro_rules! throttle {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{KeyState, LoginThrottle, StoreError, ThrottleKey};
        use time::{Duration, OffsetDateTime};
        use sqlx::QueryBuilder;
        use uuid::Uuid;

        use $crate::storage::rows::{KeyStateRow, Ts, backend};

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
                let mut distinct: Vec<&str> = keys.iter().map(String::as_str).collect();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.is_empty() {
                    return Ok(Vec::new());
                }
                // The attempt is written first and commits by itself; only then are its keys
                // counted. Of two attempts at once, whichever counts later sees the other, so
                // no number of parallel guesses goes uncounted: no lock or transaction needed.
                let mut insert = QueryBuilder::<$db>::new("INSERT INTO login_attempts (attempt_id, key, at) ");
                insert.push_values(&distinct, |mut row, key| {
                    row.push_bind(attempt).push_bind(*key).push_bind(Ts::new(now));
                });
                insert.push(" ON CONFLICT (attempt_id, key) DO NOTHING");
                let mut one = self.write_one(Reach::NEITHER).await?;
                insert.build().execute(&mut *one).await.map_err(backend)?;
                drop(one); // the turn to write is not needed to count
                let mut count = QueryBuilder::<$db>::new(
                    "SELECT k.column1 AS key, \
                     (SELECT COUNT(*) FROM login_attempts a WHERE a.key = k.column1 AND a.at > ",
                );
                count
                    .push_bind(Ts::new(now - window))
                    .push(") AS in_window, (SELECT COUNT(*) FROM login_attempts a WHERE a.key = k.column1 AND a.at > ")
                    .push_bind(Ts::new(now - Duration::hours(1)))
                    .push(
                        ") AS in_last_hour, \
                         (SELECT locked_until FROM login_locks l WHERE l.key = k.column1) AS locked_until, \
                         EXISTS (SELECT 1 FROM login_attempts a WHERE a.key = k.column1 AND a.at < ",
                    )
                    .push_bind(Ts::new(now - KEEP))
                    .push(") AS stale FROM (");
                count.push_values(&distinct, |mut row, key| {
                    row.push_bind(*key);
                });
                count.push(") AS k");
                let rows: Vec<KeyStateRow> =
                    count.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                // A success forgets its own attempt; failures (and attempts cut short, which count
                // as failures) stay. Pruned here when a key has some too old to count, not by a
                // statement every attempt.
                let stale: Vec<&str> = rows.iter().filter(|r| r.stale).map(|r| r.key.as_str()).collect();
                if !stale.is_empty() {
                    let mut prune = QueryBuilder::<$db>::new("DELETE FROM login_attempts WHERE at < ");
                    prune.push_bind(Ts::new(now - KEEP)).push(" AND ");
                    key_in(&mut prune, &stale);
                    let mut one = self.write_one(Reach::NEITHER).await?;
                    prune.build().execute(&mut *one).await.map_err(backend)?;
                }
                keys.iter()
                    .map(|key| {
                        let row = rows.iter().find(|r| r.key == *key).ok_or_else(|| {
                            StoreError::backend(std::io::Error::other("a throttle key was not counted"))
                        })?;
                        KeyState::try_from(row)
                    })
                    .collect()
            }

            async fn succeed(&self, attempt: Uuid, reset: &[ThrottleKey]) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                succeed(&mut tx, attempt, reset).await?;
                tx.commit().await.map_err(backend)
            }

            async fn lock(&self, key: &ThrottleKey, until: OffsetDateTime) -> Result<(), StoreError> {
                // A shorter lock never replaces a longer one (two failures deciding at once).
                let mut one = self.write_one(Reach::NEITHER).await?;
                sqlx::query(
                    "INSERT INTO login_locks AS l (key, locked_until) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET locked_until = excluded.locked_until \
                     WHERE l.locked_until < excluded.locked_until",
                )
                .bind(key.as_key())
                .bind(Ts::new(until))
                .execute(&mut *one)
                .await
                .map_err(backend)?;
                Ok(())
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

        /// Forgets the succeeded `attempt`, and the counted failures and lock of each of `reset`
        /// (inside the caller's transaction: the login's own unit of work, see `work`).
        pub(super) async fn succeed(
            conn: &mut $conn,
            attempt: Uuid,
            reset: &[ThrottleKey],
        ) -> Result<(), StoreError> {
            let reset: Vec<String> = reset.iter().map(ThrottleKey::as_key).collect();
            let reset: Vec<&str> = reset.iter().map(String::as_str).collect();
            let mut attempts = QueryBuilder::<$db>::new("DELETE FROM login_attempts WHERE attempt_id = ");
            attempts.push_bind(attempt);
            if !reset.is_empty() {
                attempts.push(" OR ");
                key_in(&mut attempts, &reset);
            }
            attempts.build().execute(&mut *conn).await.map_err(backend)?;
            if !reset.is_empty() {
                forget_locks(conn, &reset).await?;
            }
            Ok(())
        }

        /// Deletes a key's counted attempts and its lock.
        async fn forget(conn: &mut $conn, key: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM login_attempts WHERE key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            forget_locks(conn, &[key]).await
        }

        /// Deletes the locks of `keys` (at least one).
        async fn forget_locks(conn: &mut $conn, keys: &[&str]) -> Result<(), StoreError> {
            let mut locks = QueryBuilder::<$db>::new("DELETE FROM login_locks WHERE ");
            key_in(&mut locks, keys);
            locks.build().execute(&mut *conn).await.map(drop).map_err(backend)
        }

        /// Pushes `key IN (…)` with `keys` (at least one) bound.
        fn key_in(query: &mut QueryBuilder<$db>, keys: &[&str]) {
            query.push("key IN ").push_tuples(keys, |mut row, key| {
                row.push_bind(*key);
            });
        }
    };
}
pub(crate) use throttle;
