//! What the JSON API keeps beside the use cases' data: idempotency records, so a retried
//! write answers as the first one did, and the API log, a bounded record of every call.

use async_trait::async_trait;
use gatehouse_domain::TenantId;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;

/// The answer a write gave, kept to answer its retries with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What claiming an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new (or its earlier attempt was abandoned): run the request.
    Started,
    /// The same request already ran: answer with this.
    Replay(StoredResponse),
    /// The same key is being used by a request that has not finished.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` of API key `owner` for the request with `fingerprint` at `now`; a claim
    /// that started before `abandoned_before` and never completed may be taken over.
    async fn claim(
        &self,
        owner: Uuid,
        key: &str,
        fingerprint: &[u8],
        now: OffsetDateTime,
        abandoned_before: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError>;
    /// Records the answer of a claimed key.
    async fn complete(&self, owner: Uuid, key: &str, response: &StoredResponse) -> Result<(), StoreError>;
    /// Gives a claimed key up (the request failed on our side: a retry may run it again).
    async fn release(&self, owner: Uuid, key: &str) -> Result<(), StoreError>;
    /// Forgets records created before `before`; returns how many.
    async fn prune_idempotency(&self, before: OffsetDateTime) -> Result<u64, StoreError>;
}

/// One API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiLogEntry {
    pub at: OffsetDateTime,
    pub key_id: Option<Uuid>,
    pub tenant_id: Option<TenantId>,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub duration_ms: u32,
    pub request_id: String,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiLogStore: Send + Sync {
    /// Appends calls, then drops the oldest beyond the newest `keep`.
    async fn append(&self, entries: &[ApiLogEntry], keep: u64) -> Result<(), StoreError>;
    /// The newest calls first, about `tenant` or all; at most `limit`.
    async fn recent(&self, tenant: Option<TenantId>, limit: u32) -> Result<Vec<ApiLogEntry>, StoreError>;
}
