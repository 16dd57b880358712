//! Operator API keys and tenant keys (S29): lookups by keyed hash, use times, and the
//! statements a unit of work uses to insert, expire and revoke them.

/// Implements `ApiKeyStore` for `$store`; the other functions run in a unit of work.
macro_rules! api_keys {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{ApiKeyStore, StoreError};
        use gatehouse_domain::{ApiKey, ApiKeyId, TenantApiKey, TenantId, TenantKeyId};
        use time::OffsetDateTime;

        use $crate::storage::rows::{
            API_KEY, ApiKeyRow, ApiKeyValues, TENANT_KEY, TenantKeyRow, Ts, backend,
        };

        #[async_trait]
        impl ApiKeyStore for $store {
            async fn get(&self, id: ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY} FROM api_keys WHERE id = $1");
                let row: Option<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(ApiKey::try_from).transpose()
            }

            async fn by_hash(&self, hash: &[u8]) -> Result<Option<ApiKey>, StoreError> {
                let sql = format!("SELECT {API_KEY} FROM api_keys WHERE key_hash = $1");
                let row: Option<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                row.map(ApiKey::try_from).transpose()
            }

            async fn list(&self, include_revoked: bool) -> Result<Vec<ApiKey>, StoreError> {
                let sql = format!(
                    "SELECT {API_KEY} FROM api_keys WHERE ($1 OR revoked_at IS NULL) \
                     ORDER BY created_at DESC, id DESC"
                );
                let rows: Vec<ApiKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(include_revoked)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(ApiKey::try_from).collect()
            }

            async fn touch(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
                touch_key(self, "api_keys", id.as_uuid(), at).await
            }

            async fn tenant_keys(&self, tenant: TenantId) -> Result<Vec<TenantApiKey>, StoreError> {
                let sql = format!(
                    "SELECT {TENANT_KEY} FROM tenant_api_keys WHERE tenant_id = $1 \
                     ORDER BY created_at DESC, id DESC"
                );
                let rows: Vec<TenantKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.as_uuid())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(rows.into_iter().map(TenantApiKey::from).collect())
            }

            async fn tenant_key_by_hash(&self, hash: &[u8]) -> Result<Option<TenantApiKey>, StoreError> {
                let sql = format!("SELECT {TENANT_KEY} FROM tenant_api_keys WHERE key_hash = $1");
                let row: Option<TenantKeyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(row.map(TenantApiKey::from))
            }

            async fn touch_tenant_key(&self, id: TenantKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
                touch_key(self, "tenant_api_keys", id.as_uuid(), at).await
            }
        }

        /// Records the use of key `id` of `table` (`api_keys` or `tenant_api_keys`), only
        /// forwards: a slow request finishing late must not move the time back.
        async fn touch_key(store: &$store, table: &'static str, id: uuid::Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
            let mut one = store.write_one(Reach::NEITHER).await?;
            let sql = format!(
                "UPDATE {table} SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(Ts::new(at))
                .execute(&mut *one)
                .await
                .map_err(backend)?;
            Ok(())
        }

        /// `NotFound` when a conditional statement changed no row.
        fn one_row(rows_affected: u64) -> Result<(), StoreError> {
            if rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }

        /// Stores a new operator key with the keyed hash of its text.
        pub(super) async fn insert(conn: &mut $conn, key: &ApiKey, hash: &[u8]) -> Result<(), StoreError> {
            let v = ApiKeyValues::of(key)?;
            sqlx::query(
                "INSERT INTO api_keys (id, key_hash, name, scopes, tenants, expires_at, rate_per_minute, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(v.id)
            .bind(hash)
            .bind(&v.name)
            .bind(&v.scopes)
            .bind(&v.tenants)
            .bind(v.expires_at)
            .bind(v.rate_per_minute)
            .bind(&v.created_by)
            .bind(v.created_at)
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Revokes key `id`; `NotFound` if it is unknown or already revoked.
        pub(super) async fn revoke(conn: &mut $conn, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
            let done = sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id.as_uuid())
                .bind(Ts::new(at))
                .execute(conn)
                .await
                .map_err(backend)?;
            one_row(done.rows_affected())
        }

        /// Notes a refusal of key `id` at `at`; `NotFound` if one was noted after `quiet_since`.
        pub(super) async fn note_refusal(
            conn: &mut $conn,
            id: ApiKeyId,
            at: OffsetDateTime,
            quiet_since: OffsetDateTime,
        ) -> Result<(), StoreError> {
            let done = sqlx::query(
                "UPDATE api_keys SET refused_at = $2 WHERE id = $1 AND (refused_at IS NULL OR refused_at <= $3)",
            )
            .bind(id.as_uuid())
            .bind(Ts::new(at))
            .bind(Ts::new(quiet_since))
            .execute(conn)
            .await
            .map_err(backend)?;
            one_row(done.rows_affected())
        }

        /// Stores a new tenant key with the keyed hash of its text.
        pub(super) async fn insert_tenant_key(
            conn: &mut $conn,
            key: &TenantApiKey,
            hash: &[u8],
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO tenant_api_keys (id, tenant_id, key_hash, prefix, created_at, expires_at, \
                 revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(key.id.as_uuid())
            .bind(key.tenant.as_uuid())
            .bind(hash)
            .bind(&key.prefix)
            .bind(Ts::new(key.created_at))
            .bind(key.expires_at.map(Ts::new))
            .bind(key.revoked_at.map(Ts::new))
            .bind(key.last_used_at.map(Ts::new))
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Gives every unrevoked key of `tenant` that would outlive `at` the end `at`.
        pub(super) async fn expire_tenant_keys(
            conn: &mut $conn,
            tenant: TenantId,
            at: OffsetDateTime,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE tenant_api_keys SET expires_at = $2 \
                 WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
            )
            .bind(tenant.as_uuid())
            .bind(Ts::new(at))
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// Revokes every unrevoked key of `tenant` (none is fine).
        pub(super) async fn revoke_tenant_keys(
            conn: &mut $conn,
            tenant: TenantId,
            at: OffsetDateTime,
        ) -> Result<(), StoreError> {
            sqlx::query("UPDATE tenant_api_keys SET revoked_at = $2 WHERE tenant_id = $1 AND revoked_at IS NULL")
                .bind(tenant.as_uuid())
                .bind(Ts::new(at))
                .execute(conn)
                .await
                .map(drop)
                .map_err(backend)
        }

        /// Revokes key `id` of `tenant`; `NotFound` if it is not the tenant's or already revoked.
        pub(super) async fn revoke_tenant_key(
            conn: &mut $conn,
            tenant: TenantId,
            id: TenantKeyId,
            at: OffsetDateTime,
        ) -> Result<(), StoreError> {
            let done = sqlx::query(
                "UPDATE tenant_api_keys SET revoked_at = $3 \
                 WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL",
            )
            .bind(id.as_uuid())
            .bind(tenant.as_uuid())
            .bind(Ts::new(at))
            .execute(conn)
            .await
            .map_err(backend)?;
            one_row(done.rows_affected())
        }
    };
}
pub(crate) use api_keys;
