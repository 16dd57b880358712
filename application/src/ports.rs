//! The ports: what the use cases need from the outside world, as small async traits.
//!
//! Reads go through one repository per aggregate; every write goes through [`UnitOfWork`] as a
//! [`Work`]: the changes and their audit events, applied atomically (the audit events are
//! chained into the log in the same transaction) with optimistic-concurrency checks.

mod admins;
mod api;
mod api_keys;
mod audit;
mod auth;
mod mailer;
mod outbox;
mod panel;
mod probe;
mod store;
mod support;
mod sync;
mod system;
mod tenants;
mod upstream;
mod usage;

use std::sync::Arc;

pub use admins::AdminRepository;
pub use api::{ApiLogEntry, ApiLogStore, IdempotencyClaim, IdempotencyStore, StoredResponse};
pub use api_keys::ApiKeyStore;
pub use audit::{AuditLog, AuditQuery};
pub use auth::{
    KeyState, LoginThrottle, SecondFactor, SecondFactorStore, SecretBox, SessionStore, SettingsStore,
    ThrottleKey, Tokens, TotpService,
};
pub use mailer::{MailError, Mailer};
pub use outbox::{Claim, Delivery, Outbox, OutboxDepth, OutboxEntry, OutboxMessage, OutboxQuery, Payload};
pub use panel::{BillingRow, PanelQueries, PlanDay, TenantCount, TenantLabel, TenantMonthUsage};
pub use probe::{ComponentStatus, ProcessStats, SystemProbe};
pub use store::{Change, Conflict, StoreError, UnitOfWork, Work};
pub use support::SupportGrants;
pub use sync::{
    MAX_RECORDED_FAILURES, SYNC_LEASE, SyncCounts, SyncFailure, SyncRun, SyncStore, SyncTrigger, UpstreamLink,
};
pub use system::{Clock, IdGenerator, PasswordHasher, SecretString};
pub use tenants::{
    Page, SortDirection, TenantPage, TenantQuery, TenantRepository, TenantSort, TenantSummary,
};
pub use upstream::{
    AuthLogEntry, AuthLogPage, AuthLogQuery, Check, ConnectionState, ConnectionStatus, Endpoint, FeaturesAck,
    FeaturesPush, MAX_AUTH_LOG_DAYS, MAX_AUTH_LOG_PAGE, MAX_USER_PAGE, MfaUpstream, Registered, StatsDay,
    TenantRegistration, TenantStats, UpstreamCall, UpstreamError, UpstreamHealth, UpstreamTarget,
    UpstreamUser, UserPage, check_user_limit,
};
pub use usage::{BulkLoader, UsageRepository};

#[cfg(any(test, feature = "mocks"))]
pub use {
    admins::MockAdminRepository, api::MockApiLogStore, api::MockIdempotencyStore, api_keys::MockApiKeyStore,
    audit::MockAuditLog, auth::MockLoginThrottle, auth::MockSecondFactorStore, auth::MockSecretBox,
    auth::MockSessionStore, auth::MockSettingsStore, auth::MockTokens, auth::MockTotpService,
    mailer::MockMailer, outbox::MockOutbox, panel::MockPanelQueries, probe::MockSystemProbe,
    store::MockUnitOfWork, support::MockSupportGrants, sync::MockSyncStore, system::MockClock,
    system::MockIdGenerator, system::MockPasswordHasher, tenants::MockTenantRepository,
    upstream::MockMfaUpstream, usage::MockBulkLoader, usage::MockUsageRepository,
};

/// Every port a use case may need, cheap to clone. Built once by the adapters' wiring.
#[derive(Clone)]
pub struct Ports {
    pub tenants: Arc<dyn TenantRepository>,
    pub usage: Arc<dyn UsageRepository>,
    pub admins: Arc<dyn AdminRepository>,
    pub audit: Arc<dyn AuditLog>,
    pub work: Arc<dyn UnitOfWork>,
    pub bulk: Arc<dyn BulkLoader>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub passwords: Arc<dyn PasswordHasher>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub second_factor: Arc<dyn SecondFactorStore>,
    pub settings: Arc<dyn SettingsStore>,
    pub totp: Arc<dyn TotpService>,
    pub secrets: Arc<dyn SecretBox>,
    pub tokens: Arc<dyn Tokens>,
    /// The panel's pre-aggregated read models (dashboard, analytics, billing).
    pub panel: Arc<dyn PanelQueries>,
    /// Health of the database, the process and the outside services.
    pub probe: Arc<dyn SystemProbe>,
    /// Time-boxed support access to tenants' live data.
    pub support: Arc<dyn SupportGrants>,
    /// The MFA service Gatehouse manages (answers `NotConfigured` when none is set).
    pub upstream: Arc<dyn MfaUpstream>,
    /// The API's idempotency records.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// The API's call log.
    pub api_log: Arc<dyn ApiLogStore>,
    /// Operator API keys and tenant keys (S29).
    pub api_keys: Arc<dyn ApiKeyStore>,
    /// Messages waiting for delivery (e-mails, upstream pushes) and their state.
    pub outbox: Arc<dyn Outbox>,
    /// The SMTP relay (reports itself not configured without `EMAIL_HOST`).
    pub mailer: Arc<dyn Mailer>,
    /// The tenant sync's links and runs.
    pub sync: Arc<dyn SyncStore>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ports { .. }")
    }
}
