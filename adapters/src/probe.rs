//! [`SystemProbe`] for this process: a timed database round trip, uptime since wiring, and
//! resident memory from `/proc/self/status` (Linux; `None` elsewhere).
//!
//! The MFA upstream and SMTP are reported as not configured until their adapters plug a
//! [`ComponentCheck`] in ([`Probe::with_upstream`], [`Probe::with_smtp`]): a probe must never
//! invent a state it did not observe. A plugged check is bounded by [`CHECK_TIMEOUT`], so a
//! slow outside service cannot hold up `/readyz` or the dashboard.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gatehouse_application::ports::{ComponentStatus, ProcessStats, SystemProbe};

use crate::storage::Storage;

/// How long the database may take to answer before it counts as down.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a plugged-in check of an outside service may take before it counts as down.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// The state of an outside service as its adapter knows it. Meant to be cheap (report the
/// state the adapter last observed) rather than a fresh call per probe.
#[async_trait]
pub trait ComponentCheck: Send + Sync + std::fmt::Debug {
    async fn check(&self) -> ComponentStatus;
}

/// Probes the database behind `storage`, this process, and the outside services plugged in.
#[derive(Debug, Clone)]
pub struct Probe {
    storage: Arc<Storage>,
    started: Instant,
    upstream: Option<Arc<dyn ComponentCheck>>,
    smtp: Option<Arc<dyn ComponentCheck>>,
}

impl Probe {
    /// A probe whose uptime counts from now (call it at start-up).
    pub fn new(storage: Arc<Storage>) -> Self {
        Probe { storage, started: Instant::now(), upstream: None, smtp: None }
    }

    /// Reports the MFA upstream through `check` (the upstream adapter's connection status).
    pub fn with_upstream(mut self, check: Arc<dyn ComponentCheck>) -> Self {
        self.upstream = Some(check);
        self
    }

    /// Reports the SMTP relay through `check` (the mailer's last delivery or connection test).
    pub fn with_smtp(mut self, check: Arc<dyn ComponentCheck>) -> Self {
        self.smtp = Some(check);
        self
    }
}

/// `check`'s answer within `limit`; not configured without a check.
async fn bounded(check: Option<&Arc<dyn ComponentCheck>>, limit: Duration) -> ComponentStatus {
    let Some(check) = check else { return ComponentStatus::NotConfigured };
    match tokio::time::timeout(limit, check.check()).await {
        Ok(status) => status,
        Err(_) => ComponentStatus::Down { error: format!("no answer within {} ms", limit.as_millis()) },
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
        bounded(self.upstream.as_ref(), CHECK_TIMEOUT).await
    }

    async fn smtp(&self) -> ComponentStatus {
        bounded(self.smtp.as_ref(), CHECK_TIMEOUT).await
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

    /// A check that answers `Some` status at once, or never (`None`).
    #[derive(Debug)]
    struct Fixed(Option<ComponentStatus>);

    #[async_trait]
    impl ComponentCheck for Fixed {
        async fn check(&self) -> ComponentStatus {
            match &self.0 {
                Some(status) => status.clone(),
                None => std::future::pending().await,
            }
        }
    }

    #[tokio::test]
    async fn plugged_checks_report_their_state_within_the_time_limit() {
        let storage = Arc::new(Storage::connect("sqlite::memory:").await.expect("connects"));
        let up = ComponentStatus::Up { latency: Duration::from_millis(12) };
        let probe = Probe::new(storage).with_upstream(Arc::new(Fixed(Some(up.clone()))));
        assert_eq!(probe.upstream().await, up);
        assert_eq!(probe.smtp().await, ComponentStatus::NotConfigured);
        let silent: Arc<dyn ComponentCheck> = Arc::new(Fixed(None));
        let late = bounded(Some(&silent), Duration::from_millis(20)).await;
        assert_eq!(late, ComponentStatus::Down { error: "no answer within 20 ms".to_owned() });
    }
}
