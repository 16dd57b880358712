//! Looking at the running system itself: database latency, process uptime and memory, and the
//! outside services. What cannot be measured is reported as such, never made up.

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

/// The state of one dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ComponentStatus {
    /// Nothing is configured to check (e.g. no upstream URL or SMTP host set yet).
    NotConfigured,
    /// It answered, in this round-trip time.
    Up {
        #[serde(with = "duration_ms")]
        latency: Duration,
    },
    /// It failed; `error` is safe to show to an admin (no secrets, no internal detail).
    Down { error: String },
}

/// The process's own vital signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcessStats {
    /// Time since the process wired its ports (server start).
    #[serde(with = "duration_ms")]
    pub uptime: Duration,
    /// Resident memory, `None` where the platform does not tell (not Linux).
    pub resident_memory_bytes: Option<u64>,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SystemProbe: Send + Sync {
    /// One round trip to the database.
    async fn database(&self) -> ComponentStatus;
    /// The MFA upstream.
    async fn upstream(&self) -> ComponentStatus;
    /// The SMTP relay.
    async fn smtp(&self) -> ComponentStatus;
    /// Uptime and memory of this process.
    fn process(&self) -> ProcessStats;
}

/// Durations serialised as whole milliseconds.
mod duration_ms {
    use std::time::Duration;

    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}
