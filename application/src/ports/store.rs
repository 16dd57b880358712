//! The unit of work: one atomic write of changes plus their audit events.

use async_trait::async_trait;
use gatehouse_domain::{AuditEvent, SuperAdmin, Tenant};

/// One change to persist.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new tenant with its domains and features.
    InsertTenant(Tenant),
    /// A changed tenant, saved whole. `tenant.version` is the version it was loaded at: storage
    /// refuses the save with [`StoreError::VersionConflict`] if the stored one differs, and
    /// otherwise stores `version + 1`.
    UpdateTenant(Tenant),
    InsertAdmin(SuperAdmin),
}

/// Everything one use case writes: applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Work {
    pub changes: Vec<Change>,
    /// Appended to the hash-chained audit log in the same transaction, in this order.
    pub audit: Vec<AuditEvent>,
}

impl Work {
    pub fn new(change: Change, audit: AuditEvent) -> Self {
        Work { changes: vec![change], audit: vec![audit] }
    }
}

/// A uniqueness rule the stored data would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("slug: {0:?} is already taken by another tenant")]
    SlugTaken(String),
    #[error("domain: {0} already belongs to another tenant")]
    DomainTaken(String),
    #[error("username: {0:?} is already taken")]
    UsernameTaken(String),
}

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Somebody saved the record after it was loaded; nothing was written.
    #[error(
        "the record was changed by someone else since it was loaded (version {expected}); reload and try again"
    )]
    VersionConflict { expected: i64 },
    /// The record to update does not exist (any more).
    #[error("record not found")]
    NotFound,
    /// The database failed or is unreachable; the cause is for the logs, not for clients.
    #[error("storage failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Applies `work` atomically: every change and every audit event, or nothing.
    async fn commit(&self, work: Work) -> Result<(), StoreError>;
}
