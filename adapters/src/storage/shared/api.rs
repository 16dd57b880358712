//! The JSON API's own records: idempotency keys and the bounded API log.

/// Implements `IdempotencyStore` and `ApiLogStore` for `$store`.
macro_rules! api {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{
            ApiLogEntry, ApiLogStore, IdempotencyClaim, IdempotencyStore, StoreError, StoredResponse,
        };
        use gatehouse_domain::TenantId;
        use time::OffsetDateTime;
        use uuid::Uuid;

        use $crate::storage::rows::{Ts, backend};

        type ClaimRow = (Vec<u8>, i32, Option<i32>, Option<String>, Option<String>, Option<Vec<u8>>);

        #[async_trait]
        impl IdempotencyStore for $store {
            async fn claim(
                &self,
                owner: Uuid,
                key: &str,
                fingerprint: &[u8],
                now: OffsetDateTime,
                abandoned_before: OffsetDateTime,
            ) -> Result<IdempotencyClaim, StoreError> {
                // One statement: a new key, or an abandoned claim, becomes ours atomically.
                let taken: Option<Uuid> = sqlx::query_scalar(
                    "INSERT INTO api_idempotency (owner, idem_key, fingerprint, created_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (owner, idem_key) DO UPDATE \
                     SET fingerprint = excluded.fingerprint, created_at = excluded.created_at \
                     WHERE api_idempotency.completed = 0 AND api_idempotency.created_at < $5 \
                     RETURNING owner",
                )
                .bind(owner)
                .bind(key)
                .bind(fingerprint)
                .bind(Ts::new(now))
                .bind(Ts::new(abandoned_before))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                if taken.is_some() {
                    return Ok(IdempotencyClaim::Started);
                }
                let row: Option<ClaimRow> = sqlx::query_as(
                    "SELECT fingerprint, completed, status, content_type, location, body \
                     FROM api_idempotency WHERE owner = $1 AND idem_key = $2",
                )
                .bind(owner)
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(match row {
                    // Released between the two statements: the caller may simply retry.
                    None => IdempotencyClaim::InProgress,
                    Some((stored, ..)) if stored != fingerprint => IdempotencyClaim::Mismatch,
                    Some((_, 0, ..)) => IdempotencyClaim::InProgress,
                    Some((_, _, status, content_type, location, body)) => IdempotencyClaim::Replay(StoredResponse {
                        status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                        content_type,
                        location,
                        body: body.unwrap_or_default(),
                    }),
                })
            }

            async fn complete(&self, owner: Uuid, key: &str, response: &StoredResponse) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE api_idempotency SET completed = 1, status = $3, content_type = $4, \
                     location = $5, body = $6 WHERE owner = $1 AND idem_key = $2",
                )
                .bind(owner)
                .bind(key)
                .bind(i32::from(response.status))
                .bind(response.content_type.as_deref())
                .bind(response.location.as_deref())
                .bind(response.body.as_slice())
                .execute(&self.pool)
                .await
                .map(drop)
                .map_err(backend)
            }

            async fn release(&self, owner: Uuid, key: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM api_idempotency WHERE owner = $1 AND idem_key = $2 AND completed = 0")
                    .bind(owner)
                    .bind(key)
                    .execute(&self.pool)
                    .await
                    .map(drop)
                    .map_err(backend)
            }

            async fn prune_idempotency(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
                sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1")
                    .bind(Ts::new(before))
                    .execute(&self.pool)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(backend)
            }
        }

        type LogRow = (Ts, Option<Uuid>, Option<Uuid>, String, String, i32, i32, String);

        #[async_trait]
        impl ApiLogStore for $store {
            async fn append(&self, entries: &[ApiLogEntry], keep: u64) -> Result<(), StoreError> {
                if entries.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                let mut insert = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO api_log (at, key_id, tenant_id, method, path, status, duration_ms, request_id) ",
                );
                insert.push_values(entries, |mut row, e| {
                    row.push_bind(Ts::new(e.at))
                        .push_bind(e.key_id)
                        .push_bind(e.tenant_id.map(|t| t.as_uuid()))
                        .push_bind(e.method.clone())
                        .push_bind(e.path.clone())
                        .push_bind(i32::from(e.status))
                        .push_bind(i32::try_from(e.duration_ms).unwrap_or(i32::MAX))
                        .push_bind(e.request_id.clone());
                });
                insert.build().execute(&mut *tx).await.map_err(backend)?;
                sqlx::query("DELETE FROM api_log WHERE id <= (SELECT MAX(id) FROM api_log) - $1")
                    .bind(i64::try_from(keep).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                tx.commit().await.map_err(backend)
            }

            async fn recent(&self, tenant: Option<TenantId>, limit: u32) -> Result<Vec<ApiLogEntry>, StoreError> {
                const COLUMNS: &str = "SELECT at, key_id, tenant_id, method, path, status, duration_ms, request_id \
                                       FROM api_log";
                let limit = $crate::storage::filters::limit(limit);
                let rows: Vec<LogRow> = match tenant {
                    Some(t) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "{COLUMNS} WHERE tenant_id = $1 ORDER BY id DESC{limit}"
                    )))
                    .bind(t.as_uuid())
                    .fetch_all(&self.pool)
                    .await,
                    None => sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} ORDER BY id DESC{limit}")))
                        .fetch_all(&self.pool)
                        .await,
                }
                .map_err(backend)?;
                Ok(rows
                    .into_iter()
                    .map(|(at, key_id, tenant_id, method, path, status, duration, request_id)| ApiLogEntry {
                        at: at.0,
                        key_id,
                        tenant_id: tenant_id.map(TenantId::from_uuid),
                        method,
                        path,
                        status: u16::try_from(status).unwrap_or(0),
                        duration_ms: u32::try_from(duration).unwrap_or(0),
                        request_id,
                    })
                    .collect())
            }
        }
    };
}
pub(crate) use api;
