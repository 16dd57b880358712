//! Reading the audit log. Appending happens only through [`super::UnitOfWork`]; nothing ever
//! updates or deletes a record.

use async_trait::async_trait;
use gatehouse_domain::{AuditKind, AuditRecord, Outcome, TenantId};
use time::OffsetDateTime;

use super::StoreError;

/// Filters of an audit listing; newest first, `before_seq` pages backwards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    pub tenant: Option<TenantId>,
    pub kind: Option<AuditKind>,
    /// Any of these kinds (empty: any kind); combines with `kind` by AND.
    pub kinds: Vec<AuditKind>,
    pub outcome: Option<Outcome>,
    /// Matches the actor's label (username, key name) exactly.
    pub actor: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub before_seq: Option<i64>,
    pub limit: u32,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn list(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError>;
    /// The newest `limit` records of `kinds`, for an overview that refreshes itself (the
    /// dashboard): records appended through this process show at once, those of another
    /// process (a second instance, the CLI) within a few seconds.
    async fn recent(&self, kinds: &[AuditKind], limit: u32) -> Result<Vec<AuditRecord>, StoreError>;
    /// Up to `limit` records with `seq > after`, in order: the chain verifier reads the log in
    /// such batches.
    async fn records_after(&self, after: i64, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;
}
