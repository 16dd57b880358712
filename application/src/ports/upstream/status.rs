//! The upstream connection as observed (the original design's `MFASystemConnection`): what the
//! last calls and health checks found, for the panel's health view and its history.

use serde::Serialize;
use time::OffsetDateTime;

/// How the connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// No upstream URL or key is set: nothing is called, nothing is made up.
    NotConfigured,
    /// Configured, but no call has gone there yet.
    Unknown,
    Up,
    /// Answering, but the last call failed, needed retries or was slow, or the upstream says
    /// it is not fully well.
    Degraded,
    /// Failing: several calls in a row failed, or calls are paused (circuit open).
    Down,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::Unknown => "unknown",
            Self::Up => "up",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }
}

/// The calls of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamCall {
    Health,
    TenantStats,
    RegisterTenant,
    PushFeatures,
    Users,
    AuthLogs,
}

impl UpstreamCall {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::TenantStats => "tenant_stats",
            Self::RegisterTenant => "register_tenant",
            Self::PushFeatures => "push_features",
            Self::Users => "users",
            Self::AuthLogs => "auth_logs",
        }
    }
}

/// One call's outcome, for the history view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub call: UpstreamCall,
    /// Round trip of the last attempt (until the answer or the failure).
    pub latency_ms: u64,
    /// Attempts made, retries included.
    pub attempts: u32,
    /// `None`: the upstream answered (a refusal such as an unknown tenant counts as an answer).
    pub error: Option<String>,
}

/// The connection to one upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionStatus {
    pub state: ConnectionState,
    /// The API base, without any credentials in it.
    pub base_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_check: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success: Option<OffsetDateTime>,
    pub last_latency_ms: Option<u64>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    /// Set while calls are paused by the circuit breaker.
    #[serde(with = "time::serde::rfc3339::option")]
    pub paused_until: Option<OffsetDateTime>,
    /// What the last health check reported.
    pub upstream_status: Option<String>,
    pub upstream_version: Option<String>,
    /// The most recent calls, newest last.
    pub recent: Vec<Check>,
}

impl ConnectionStatus {
    /// The status of an upstream that is not configured.
    pub fn not_configured() -> Self {
        ConnectionStatus::unknown(None).with_state(ConnectionState::NotConfigured)
    }

    /// The status of a configured upstream nobody has called yet.
    pub fn unknown(base_url: Option<String>) -> Self {
        ConnectionStatus {
            state: ConnectionState::Unknown,
            base_url,
            last_check: None,
            last_success: None,
            last_latency_ms: None,
            consecutive_failures: 0,
            last_error: None,
            paused_until: None,
            upstream_status: None,
            upstream_version: None,
            recent: Vec::new(),
        }
    }

    fn with_state(mut self, state: ConnectionState) -> Self {
        self.state = state;
        self
    }
}
