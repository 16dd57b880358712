//! The stand-in's own reading of `docs/upstream.md`, written apart from the port's types so
//! that the contract test compares two independent readings. Requests are strict (unknown
//! fields and unknown names are refused), so a drift in what Gatehouse sends shows at once.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

pub const PLANS: &[&str] = &["free", "basic", "premium", "enterprise"];
pub const STATUSES: &[&str] = &["pending", "active", "suspended", "cancelled"];
pub const METHODS: &[&str] = &["totp", "email_otp", "sms", "passkeys", "backup_codes"];
pub const ADVANCED: &[&str] = &[
    "rate_limiting",
    "custom_branding",
    "api_access",
    "priority_support",
    "risk_analysis",
    "device_tracking",
    "geo_blocking",
    "session_management",
    "audit_logs",
    "custom_domains",
    "webhook_notifications",
    "dedicated_support",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    pub monthly_authentications: u64,
    pub max_users: Option<u64>,
    pub api_requests_per_minute: u32,
    pub api_requests_per_hour: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Features {
    pub methods: Vec<String>,
    pub advanced: Vec<String>,
    pub quotas: Quotas,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub tenant_id: Uuid,
    pub name: String,
    pub slug: String,
    pub contact_email: String,
    pub domains: Vec<String>,
    pub primary_domain: Option<String>,
    pub plan: String,
    pub status: String,
    pub features: Features,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturesRequest {
    pub tenant_id: Uuid,
    pub status: String,
    pub plan: String,
    pub features: Features,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub contract: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Day {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub total_users: u64,
    pub active_users: u64,
    pub total_authentications: u64,
    pub monthly_authentications: u64,
    pub success_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<Day>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub tenant_id: Uuid,
    pub created: bool,
    pub tenant_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesApplied {
    pub tenant_id: Uuid,
    pub applied: bool,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub methods: Vec<String>,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Users {
    pub users: Vec<User>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub user_id: String,
    pub method: String,
    pub success: bool,
    pub reason: Option<String>,
    pub ip_address: String,
    pub response_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logs {
    pub logs: Vec<LogEntry>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub detail: String,
}

impl Features {
    /// The first name that is not in the contract's lists, if any.
    pub fn unknown_name(&self) -> Option<&str> {
        let method = self.methods.iter().find(|m| !METHODS.contains(&m.as_str()));
        let feature = self.advanced.iter().find(|f| !ADVANCED.contains(&f.as_str()));
        method.or(feature).map(String::as_str)
    }
}
