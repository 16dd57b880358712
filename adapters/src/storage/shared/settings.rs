//! System settings (one JSON row) and the one-time tokens of first-run setup.

/// Implements `SettingsStore` for `$store`; `save`, `insert_setup_token` and `use_setup_token`
/// run in a unit of work.
macro_rules! settings {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{SettingsStore, StoreError};
        use gatehouse_domain::settings::SystemSettings;
        use time::OffsetDateTime;

        use $crate::storage::rows::{SYSTEM_SETTINGS, Ts, backend, parse_settings, settings_json};

        #[async_trait]
        impl SettingsStore for $store {
            /// Read by every request's session check, so kept in memory for a few seconds
            /// ([`ReadCache::settings`](crate::storage::cache::ReadCache::settings)); a save in
            /// this process drops it at once.
            async fn get(&self) -> Result<SystemSettings, StoreError> {
                self.cache
                    .settings(async {
                        let json: Option<String> =
                            sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
                                .bind(SYSTEM_SETTINGS)
                                .fetch_optional(&self.pool)
                                .await
                                .map_err(backend)?;
                        parse_settings(json)
                    })
                    .await
            }
        }

        /// Replaces the stored settings.
        pub(super) async fn save(conn: &mut $conn, settings: &SystemSettings) -> Result<(), StoreError> {
            // `SaveSettings` carries no time; `updated_at` is for operators reading the table.
            let now = OffsetDateTime::now_utc();
            sqlx::query(
                "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(SYSTEM_SETTINGS)
            .bind(settings_json(settings)?)
            .bind(Ts::new(now))
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Stores a setup token's hash, valid until `expires_at`.
        pub(super) async fn insert_setup_token(
            conn: &mut $conn,
            token_hash: &[u8],
            expires_at: OffsetDateTime,
        ) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, $2)")
                .bind(token_hash)
                .bind(Ts::new(expires_at))
                .execute(conn)
                .await
                .map(drop)
                .map_err(backend)
        }

        /// Spends a setup token, or fails with `NotFound` (and so fails the whole unit of work)
        /// if it is unknown, already used or expired at `at`.
        pub(super) async fn use_setup_token(
            conn: &mut $conn,
            token_hash: &[u8],
            at: OffsetDateTime,
        ) -> Result<(), StoreError> {
            let used = sqlx::query(
                "UPDATE setup_tokens SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(Ts::new(at))
            .execute(conn)
            .await
            .map_err(backend)?;
            if used.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}
pub(crate) use settings;
