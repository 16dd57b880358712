//! The requests and answers of the upstream contract, as plain data. Field names are the
//! JSON names of `docs/upstream.md`; answers accept the original control panel's minimal shapes
//! (optional parts are `Option`s, ids may be numbers or strings) and ignore unknown fields.

use gatehouse_domain::{
    DailyUsage, Email, Features, Hostname, Plan, Tenant, TenantId, TenantName, TenantSlug, TenantStatus,
    ValidationError,
};
use serde::{Deserialize, Deserializer, Serialize};
use time::{Date, OffsetDateTime};

use super::UpstreamError;
use crate::ports::SecretString;

/// The largest page of `tenant/users/`.
pub const MAX_USER_PAGE: u32 = 200;
/// The largest page of `tenant/auth-logs/`.
pub const MAX_AUTH_LOG_PAGE: u32 = 500;
/// How far back `tenant/auth-logs/` may look.
pub const MAX_AUTH_LOG_DAYS: u32 = 90;

/// An upstream other than the default one (a regional cluster a tenant is pinned to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The API base, like `https://eu.mfa.example/mfa/api/`.
    pub base_url: String,
    pub api_key: SecretString,
}

/// Whom a tenant call is about and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTarget {
    pub tenant: TenantId,
    /// The tenant's own key, sent as `X-Tenant-Key` when known.
    pub tenant_key: Option<SecretString>,
    /// `None`: the default upstream.
    pub endpoint: Option<Endpoint>,
}

impl UpstreamTarget {
    /// `tenant` on the default upstream, without a tenant key.
    pub fn tenant(tenant: TenantId) -> Self {
        UpstreamTarget { tenant, tenant_key: None, endpoint: None }
    }
}

/// The answer of `health/`; the original's upstreams send only `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamHealth {
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    /// The contract version the upstream speaks (absent: the original's, treated as 1).
    #[serde(default)]
    pub contract: Option<u32>,
}

impl UpstreamHealth {
    /// Whether the upstream says it is fully working (`ok`, or the original's `healthy`).
    pub fn is_ok(&self) -> bool {
        ["ok", "healthy", "up"].iter().any(|s| self.status.eq_ignore_ascii_case(s))
    }
}

/// The answer of `tenant/stats/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantStats {
    pub total_users: u64,
    pub active_users: u64,
    pub total_authentications: u64,
    pub monthly_authentications: u64,
    /// Percent, 0–100.
    pub success_rate: f64,
    /// Oldest first; `None` when the upstream only answers the original's totals.
    #[serde(default)]
    pub daily: Option<Vec<StatsDay>>,
}

/// One UTC day of a tenant's counters, named as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsDay {
    pub date: Date,
    pub attempts: u64,
    pub successes: u64,
    pub failures: u64,
    pub active_users: u64,
    pub api_calls: u64,
    pub sms_sent: u64,
    pub emails_sent: u64,
    pub avg_response_ms: u32,
}

impl StatsDay {
    /// The day as Gatehouse stores it; refused when the counters contradict each other.
    pub fn to_usage(&self, tenant: TenantId) -> Result<DailyUsage, ValidationError> {
        let usage = DailyUsage {
            tenant_id: tenant,
            day: self.date,
            auth_attempts: self.attempts,
            auth_successes: self.successes,
            auth_failures: self.failures,
            active_users: self.active_users,
            api_calls: self.api_calls,
            sms_sent: self.sms_sent,
            emails_sent: self.emails_sent,
            avg_response_ms: self.avg_response_ms,
        };
        usage.validate()?;
        Ok(usage)
    }
}

/// The body of `tenant/register/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRegistration {
    pub tenant_id: TenantId,
    pub name: TenantName,
    pub slug: TenantSlug,
    pub contact_email: Email,
    /// Primary first.
    pub domains: Vec<Hostname>,
    pub primary_domain: Option<Hostname>,
    pub plan: Plan,
    pub status: TenantStatus,
    pub features: Features,
    /// Gatehouse's version of the tenant; the upstream ignores older ones.
    pub version: i64,
}

impl TenantRegistration {
    pub fn of(tenant: &Tenant) -> Self {
        TenantRegistration {
            tenant_id: tenant.id,
            name: tenant.name.clone(),
            slug: tenant.slug.clone(),
            contact_email: tenant.contact_email.clone(),
            domains: tenant.domains.iter().map(|d| d.hostname.clone()).collect(),
            primary_domain: tenant.primary_domain().cloned(),
            plan: tenant.plan,
            status: tenant.status,
            features: tenant.features.clone(),
            version: tenant.version,
        }
    }
}

/// The answer of `tenant/register/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Registered {
    /// `false`: the tenant was known already and has been updated.
    #[serde(default = "yes")]
    pub created: bool,
    /// The key the upstream issued for the tenant, to send back as `X-Tenant-Key`.
    #[serde(default, deserialize_with = "secret")]
    pub tenant_key: Option<SecretString>,
}

/// The body of `tenant/features/`: everything the upstream enforces for the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesPush {
    pub tenant_id: TenantId,
    pub status: TenantStatus,
    pub plan: Plan,
    pub features: Features,
    pub version: i64,
}

impl FeaturesPush {
    pub fn of(tenant: &Tenant) -> Self {
        FeaturesPush {
            tenant_id: tenant.id,
            status: tenant.status,
            plan: tenant.plan,
            features: tenant.features.clone(),
            version: tenant.version,
        }
    }
}

/// The answer of `tenant/features/`; an empty body means applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesAck {
    /// `false`: the upstream already holds a newer version and kept it.
    #[serde(default = "yes")]
    pub applied: bool,
}

/// One of a tenant's end users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamUser {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// MFA methods the user has enrolled, by the upstream's names.
    #[serde(default)]
    pub methods: Vec<String>,
    /// `active`, `locked`, `disabled`, … as the upstream says.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

/// The answer of `tenant/users/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<UpstreamUser>,
    pub total: u64,
}

/// What to read of `tenant/auth-logs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthLogQuery {
    /// The last `days` days, 1..=[`MAX_AUTH_LOG_DAYS`].
    pub days: u32,
    /// 1..=[`MAX_AUTH_LOG_PAGE`] entries.
    pub limit: u32,
    /// Where the previous page ended (its `next_cursor`); `None`: the newest entries.
    pub cursor: Option<String>,
}

impl AuthLogQuery {
    pub fn check(&self) -> Result<(), UpstreamError> {
        in_range("days", self.days, MAX_AUTH_LOG_DAYS)?;
        in_range("limit", self.limit, MAX_AUTH_LOG_PAGE)
    }
}

/// Checks the `limit` of `tenant/users/` before anything is sent.
pub fn check_user_limit(limit: u32) -> Result<(), UpstreamError> {
    in_range("limit", limit, MAX_USER_PAGE)
}

/// Checks a page size or a day count before anything is sent.
fn in_range(name: &str, value: u32, max: u32) -> Result<(), UpstreamError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(UpstreamError::InvalidRequest(format!("{name} must be between 1 and {max}, not {value}")))
    }
}

/// One authentication at the upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthLogEntry {
    #[serde(default, deserialize_with = "optional_id_text")]
    pub id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    pub success: bool,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub response_ms: Option<u32>,
}

/// The answer of `tenant/auth-logs/`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthLogPage {
    pub logs: Vec<AuthLogEntry>,
    pub total: u64,
    /// Where the next page starts; `None`: no more (or the upstream offers no cursor).
    #[serde(default)]
    pub next_cursor: Option<String>,
}

fn yes() -> bool {
    true
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()).map(SecretString::new))
}

/// An identifier the upstream may write as a number (the original's) or a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdText {
    Text(String),
    Number(u64),
}

impl From<IdText> for String {
    fn from(id: IdText) -> String {
        match id {
            IdText::Text(s) => s,
            IdText::Number(n) => n.to_string(),
        }
    }
}

fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    IdText::deserialize(d).map(String::from)
}

fn optional_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<IdText>::deserialize(d)?.map(String::from))
}
