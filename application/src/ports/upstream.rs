//! The MFA upstream: the service tenant websites call to run MFA for their users. Gatehouse
//! registers tenants there, pushes their features, and reads their usage, end users and
//! authentication logs back.
//!
//! The exact JSON is `docs/upstream.md`; the types of [`calls`] serialise as that document
//! says, so an adapter sends and reads them as they are. An implementation never invents data:
//! without an upstream every call answers [`UpstreamError::NotConfigured`] and
//! [`MfaUpstream::status`] says so.

mod calls;
mod status;

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

pub use calls::{
    AuthLogEntry, AuthLogPage, AuthLogQuery, Endpoint, FeaturesAck, FeaturesPush, MAX_AUTH_LOG_DAYS,
    MAX_AUTH_LOG_PAGE, MAX_USER_PAGE, Registered, StatsDay, TenantRegistration, TenantStats, UpstreamHealth,
    UpstreamTarget, UpstreamUser, UserPage, check_user_limit,
};
pub use status::{Check, ConnectionState, ConnectionStatus, UpstreamCall};

/// Why a call to the upstream failed. Every message is fit to show an operator: it names no
/// key, token or internal detail (S27).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("the MFA upstream is not configured (set MFA_SYSTEM_API_URL and MFA_SYSTEM_API_KEY)")]
    NotConfigured,
    /// Refused before anything was sent (a page size out of range, an unusable endpoint URL).
    #[error("the request to the MFA upstream was not sent: {0}")]
    InvalidRequest(String),
    #[error("the MFA upstream did not answer within {after_ms} ms")]
    Timeout { after_ms: u64 },
    #[error("cannot connect to the MFA upstream: {reason}")]
    Connect { reason: String },
    #[error("the MFA upstream closed the connection before answering")]
    Dropped,
    /// 401 or 403: the API key (or the tenant key) is wrong. Never retried.
    #[error("the MFA upstream refused Gatehouse's credentials (HTTP {status}): {detail}")]
    Unauthorized { status: u16, detail: String },
    /// Any other 4xx: the upstream understood and said no. Never retried.
    #[error("the MFA upstream refused the request (HTTP {status}): {detail}")]
    Rejected { status: u16, detail: String },
    /// 5xx or 429, after the retries.
    #[error("the MFA upstream is unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    /// A success status with a body that is not the contract's JSON.
    #[error("the MFA upstream's answer does not follow the contract: {0}")]
    Malformed(String),
    /// Too many calls failed in a row; calls resume (one probe first) at `until`.
    #[error("calls to the MFA upstream are paused until {} UTC after repeated failures", clock_time(*.until))]
    CircuitOpen { until: OffsetDateTime },
}

impl UpstreamError {
    /// The upstream does not know the tenant (404): the sync registers it.
    pub fn is_unknown_tenant(&self) -> bool {
        matches!(self, UpstreamError::Rejected { status: 404, .. })
    }
}

fn clock_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02}", t.date(), t.hour(), t.minute(), t.second())
}

/// The MFA upstream, one method per call of the contract. Tenant calls go to the tenant's
/// pinned upstream when its [`UpstreamTarget`] names one, else to the default upstream.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MfaUpstream: Send + Sync {
    /// `health/`: liveness and version of the default upstream.
    async fn health(&self) -> Result<UpstreamHealth, UpstreamError>;
    /// `health/` of a pinned upstream.
    async fn health_of(&self, endpoint: &Endpoint) -> Result<UpstreamHealth, UpstreamError>;
    /// `tenant/stats/`: a tenant's totals and, when `since` is given and the upstream offers
    /// it, its daily counters from `since` to today.
    async fn tenant_stats(
        &self,
        target: &UpstreamTarget,
        since: Option<Date>,
    ) -> Result<TenantStats, UpstreamError>;
    /// `tenant/register/`: registers the tenant (re-registering the same id updates it).
    async fn register_tenant(
        &self,
        target: &UpstreamTarget,
        registration: &TenantRegistration,
    ) -> Result<Registered, UpstreamError>;
    /// `tenant/features/`: replaces the tenant's status, plan, features and quotas upstream.
    async fn push_features(
        &self,
        target: &UpstreamTarget,
        push: &FeaturesPush,
    ) -> Result<FeaturesAck, UpstreamError>;
    /// `tenant/users/`: one page of the tenant's end users (`limit` 1..=[`MAX_USER_PAGE`]).
    async fn users(
        &self,
        target: &UpstreamTarget,
        limit: u32,
        offset: u64,
    ) -> Result<UserPage, UpstreamError>;
    /// `tenant/auth-logs/`: one page of the tenant's authentication log.
    async fn auth_logs(
        &self,
        target: &UpstreamTarget,
        query: &AuthLogQuery,
    ) -> Result<AuthLogPage, UpstreamError>;
    /// The default upstream's connection, as the calls and health checks found it.
    fn status(&self) -> ConnectionStatus;
    /// A pinned upstream's connection (`unknown` until a call went there).
    fn status_of(&self, endpoint: &Endpoint) -> ConnectionStatus;
}
