//! The tenant sync's records: what the upstream last acknowledged for each tenant (its *link*),
//! and the sync runs, of which at most one makes changes at a time.

use async_trait::async_trait;
use gatehouse_domain::TenantId;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{StoreError, TenantRegistration};

/// What Gatehouse knows of a tenant at the upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamLink {
    pub tenant: TenantId,
    /// The key the upstream issued at registration, sealed with the server key (`SecretBox`).
    pub sealed_tenant_key: Option<Vec<u8>>,
    /// The registration and features the upstream last acknowledged, as sent (its `version`
    /// is the tenant's version then). `None`: never registered.
    pub acknowledged: Option<TenantRegistration>,
    /// The newest day of usage read from the upstream; the next sync reads again from it
    /// (it may have been read before the day was over).
    pub stats_through: Option<Date>,
    pub synced_at: Option<OffsetDateTime>,
    /// Why the tenant's last sync failed (`None`: it did not).
    pub last_error: Option<String>,
}

impl UpstreamLink {
    /// A tenant the sync has never handled.
    pub fn new(tenant: TenantId) -> Self {
        UpstreamLink {
            tenant,
            sealed_tenant_key: None,
            acknowledged: None,
            stats_through: None,
            synced_at: None,
            last_error: None,
        }
    }
}

/// What started a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    Cli,
    Panel,
    Api,
    Schedule,
}

impl SyncTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncTrigger::Cli => "cli",
            SyncTrigger::Panel => "panel",
            SyncTrigger::Api => "api",
            SyncTrigger::Schedule => "schedule",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [SyncTrigger::Cli, SyncTrigger::Panel, SyncTrigger::Api, SyncTrigger::Schedule]
            .into_iter()
            .find(|t| t.as_str() == text)
    }
}

/// One tenant the run could not sync, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncFailure {
    pub tenant: TenantId,
    pub slug: String,
    pub reason: String,
}

/// How many tenants a run handled, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    /// Tenants to handle in all.
    pub total: u64,
    /// Something was registered, pushed or recorded.
    pub synced: u64,
    /// Nothing differed.
    pub unchanged: u64,
    pub failed: u64,
}

impl SyncCounts {
    pub fn done(&self) -> u64 {
        self.synced + self.unchanged + self.failed
    }
}

/// A sync run that makes changes (dry runs change nothing, so they are not recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncRun {
    pub id: Uuid,
    pub trigger: SyncTrigger,
    /// Who started it, as the audit log names actors.
    pub actor: String,
    /// `Some`: only this tenant.
    pub tenant: Option<TenantId>,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Last sign of life of a running run; a run silent for [`SYNC_LEASE`] is abandoned.
    #[serde(with = "time::serde::rfc3339")]
    pub heartbeat_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub counts: SyncCounts,
    /// The first failures (at most [`MAX_RECORDED_FAILURES`]).
    pub failures: Vec<SyncFailure>,
    /// Why the run as a whole stopped early (the upstream is not configured, storage failed,
    /// it was abandoned).
    pub error: Option<String>,
}

/// How long a running run may stay silent before another may take over (it heartbeats far
/// more often; only a crashed process leaves a run silent this long).
pub const SYNC_LEASE: time::Duration = time::Duration::minutes(2);
/// How many failures a run keeps (the counts are always complete).
pub const MAX_RECORDED_FAILURES: usize = 100;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The tenant's link (`None`: never synced).
    async fn link(&self, tenant: TenantId) -> Result<Option<UpstreamLink>, StoreError>;
    /// Up to `limit` tenant ids after `after`, in id order: the sync walks every tenant so.
    async fn tenant_ids(&self, after: Option<TenantId>, limit: u32) -> Result<Vec<TenantId>, StoreError>;
    /// Records `run` as the running run, first marking a running run silent since
    /// `now - SYNC_LEASE` as abandoned. `Conflict::SyncRunning` when another is running.
    async fn begin_run(&self, run: &SyncRun, now: OffsetDateTime) -> Result<(), StoreError>;
    /// Records a running run's progress and sign of life; `NotFound` when it is no longer the
    /// running one (it was taken over as abandoned).
    async fn heartbeat(&self, id: Uuid, counts: SyncCounts, at: OffsetDateTime) -> Result<(), StoreError>;
    /// The newest runs first.
    async fn recent_runs(&self, limit: u32) -> Result<Vec<SyncRun>, StoreError>;
    async fn run(&self, id: Uuid) -> Result<Option<SyncRun>, StoreError>;
}
