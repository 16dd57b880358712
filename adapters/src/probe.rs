//! [`SystemProbe`] for this process: a timed database round trip, uptime since wiring, and
//! resident memory from `/proc/self/status` (Linux; `None` elsewhere).
//!
//! The MFA upstream and SMTP are reported as not configured: their clients arrive with a later
//! issue, and a probe must never invent a state it did not observe.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gatehouse_application::ports::{ComponentStatus, ProcessStats, SystemProbe};

use crate::storage::Storage;

/// How long the database may take to answer before it counts as down.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Probes the database behind `storage` and this process.
#[derive(Debug, Clone)]
pub struct Probe {
    storage: Arc<Storage>,
    started: Instant,
}

impl Probe {
    /// A probe whose uptime counts from now (call it at start-up).
    pub fn new(storage: Arc<Storage>) -> Self {
        Probe { storage, started: Instant::now() }
    }
}

#[async_trait]
impl SystemProbe for Probe {
    async fn database(&self) -> ComponentStatus {
        let start = Instant::now();
        match tokio::time::timeout(DATABASE_TIMEOUT, self.storage.ping()).await {
            Ok(Ok(())) => ComponentStatus::Up { latency: start.elapsed() },
            // The cause goes to the logs; the panel shows a fixed text.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "database probe failed");
                ComponentStatus::Down { error: "the database did not answer".to_owned() }
            }
            Err(_) => {
                ComponentStatus::Down { error: format!("no answer within {} s", DATABASE_TIMEOUT.as_secs()) }
            }
        }
    }

    async fn upstream(&self) -> ComponentStatus {
        ComponentStatus::NotConfigured
    }

    async fn smtp(&self) -> ComponentStatus {
        ComponentStatus::NotConfigured
    }

    fn process(&self) -> ProcessStats {
        ProcessStats { uptime: self.started.elapsed(), resident_memory_bytes: resident_memory() }
    }
}

/// `VmRSS` of `/proc/self/status`, in bytes.
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_resident_memory_from_proc_status() {
        assert_eq!(parse_vm_rss("Name:\tx\nVmRSS:\t   2048 kB\nVmSwap: 0 kB\n"), Some(2_097_152));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
        assert_eq!(parse_vm_rss("VmRSS: lots kB\n"), None);
        if cfg!(target_os = "linux") {
            assert!(resident_memory().is_some_and(|b| b > 0));
        }
    }

    #[tokio::test]
    async fn measures_the_database_and_admits_what_it_does_not_know() {
        let storage = Arc::new(Storage::connect("sqlite::memory:").await.expect("connects"));
        let probe = Probe::new(storage);
        assert!(matches!(probe.database().await, ComponentStatus::Up { .. }));
        assert_eq!(probe.upstream().await, ComponentStatus::NotConfigured);
        assert_eq!(probe.smtp().await, ComponentStatus::NotConfigured);
        assert!(probe.process().resident_memory_bytes.is_some() || !cfg!(target_os = "linux"));
    }
}
