//! Reading API keys and tenant keys (S29). Keys are found by the keyed hash of their text,
//! never by the text itself, which storage never sees; writes go through a `Work`.

use async_trait::async_trait;
use gatehouse_domain::{ApiKey, ApiKeyId, TenantApiKey, TenantId, TenantKeyId};
use time::OffsetDateTime;

use super::StoreError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn get(&self, id: ApiKeyId) -> Result<Option<ApiKey>, StoreError>;
    /// The operator key whose text hashes to `hash` (one indexed lookup per API request).
    async fn by_hash(&self, hash: &[u8]) -> Result<Option<ApiKey>, StoreError>;
    /// Every operator key, newest first; revoked ones only with `include_revoked`.
    async fn list(&self, include_revoked: bool) -> Result<Vec<ApiKey>, StoreError>;
    /// Records a use at `at` (only forwards; not audited, not a `Work`).
    async fn touch(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError>;
    /// A tenant's keys, newest first, revoked ones included.
    async fn tenant_keys(&self, tenant: TenantId) -> Result<Vec<TenantApiKey>, StoreError>;
    /// The tenant key whose text hashes to `hash`.
    async fn tenant_key_by_hash(&self, hash: &[u8]) -> Result<Option<TenantApiKey>, StoreError>;
    /// Records a use of a tenant key at `at` (only forwards).
    async fn touch_tenant_key(&self, id: TenantKeyId, at: OffsetDateTime) -> Result<(), StoreError>;
}
