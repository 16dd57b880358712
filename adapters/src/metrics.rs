//! The metrics Gatehouse records outside the HTTP layer, and the hooks that record them:
//! login outcomes (counted from the audit events of every committed [`Work`]), upstream sync
//! results, the e-mail outbox's depth, and the MFA upstream's latency and status.
//!
//! Everything goes through the `metrics` facade, so this module does not know how metrics are
//! exported: the server installs a Prometheus recorder (`gatehouse_web::metrics`), and where
//! none is installed (the CLI, unit tests) every hook is a cheap no-op. The names and labels
//! are part of Gatehouse's interface to monitoring: docs/configuration.md lists them. Labels
//! only ever take the values of the enums below, so the number of series stays bounded.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use gatehouse_application::ports::{Change, StoreError, SyncCounts, UnitOfWork, Work};
use gatehouse_domain::AuditKind;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

/// Login steps by outcome (label `outcome`, see [`login_outcome`]).
pub const LOGINS: &str = "gatehouse_logins_total";
/// Tenants handled by upstream syncs, by outcome (label `outcome`, see [`SyncOutcome`]).
pub const SYNC_TENANTS: &str = "gatehouse_sync_tenants_total";
/// E-mails waiting in the outbox.
pub const OUTBOX_DEPTH: &str = "gatehouse_outbox_depth";
/// Calls to the MFA upstream: latency by outcome (label `outcome`, see [`UpstreamOutcome`]).
pub const UPSTREAM_CALL_DURATION: &str = "gatehouse_upstream_call_duration_seconds";
/// 1 when the MFA upstream answered its last health check, 0 when it did not.
pub const UPSTREAM_UP: &str = "gatehouse_upstream_up";

/// How a tenant's sync with the upstream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Something was registered, pushed or recorded.
    Synced,
    /// Nothing differed.
    Unchanged,
    /// The upstream refused or could not be reached; the tenant is retried next run.
    Failed,
}

impl SyncOutcome {
    pub const ALL: [SyncOutcome; 3] = [SyncOutcome::Synced, SyncOutcome::Unchanged, SyncOutcome::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncOutcome::Synced => "synced",
            SyncOutcome::Unchanged => "unchanged",
            SyncOutcome::Failed => "failed",
        }
    }
}

/// How one call to the MFA upstream ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamOutcome {
    /// A 2xx answer.
    Ok,
    /// An answer, but not a 2xx one.
    Error,
    /// No answer: connection refused, TLS failure or timeout.
    Unreachable,
}

impl UpstreamOutcome {
    pub const ALL: [UpstreamOutcome; 3] =
        [UpstreamOutcome::Ok, UpstreamOutcome::Error, UpstreamOutcome::Unreachable];

    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamOutcome::Ok => "ok",
            UpstreamOutcome::Error => "error",
            UpstreamOutcome::Unreachable => "unreachable",
        }
    }
}

/// The `outcome` label of a login step: the audit kind without its `authn_` prefix, so a
/// metric and the audit rows that explain it use one vocabulary. `None`: not a login step.
pub fn login_outcome(kind: AuditKind) -> Option<&'static str> {
    Some(match kind {
        AuditKind::AuthnLoginSuccess => "login_success",
        AuditKind::AuthnLoginFail => "login_fail",
        AuditKind::AuthnLoginLocked => "login_locked",
        AuditKind::Authn2faSuccess => "2fa_success",
        AuditKind::Authn2faFail => "2fa_fail",
        AuditKind::Authn2faReplay => "2fa_replay",
        AuditKind::AuthnRecoveryCodeUsed => "recovery_code_used",
        _ => return None,
    })
}

/// Every login outcome label, so that each series exists (at 0) from the start.
const LOGIN_KINDS: [AuditKind; 7] = [
    AuditKind::AuthnLoginSuccess,
    AuditKind::AuthnLoginFail,
    AuditKind::AuthnLoginLocked,
    AuditKind::Authn2faSuccess,
    AuditKind::Authn2faFail,
    AuditKind::Authn2faReplay,
    AuditKind::AuthnRecoveryCodeUsed,
];

/// Describes this module's metrics to the installed recorder and creates their series at zero
/// where zero is true (counters, histograms, the outbox). `gatehouse_upstream_up` appears only
/// once something reports the upstream's state: a 0 for an upstream that is not configured
/// would page someone for nothing.
pub fn describe() {
    describe_counter!(LOGINS, "Login steps by outcome (the audit kind without `authn_`).");
    describe_counter!(SYNC_TENANTS, "Tenants handled by upstream syncs, by outcome.");
    describe_gauge!(OUTBOX_DEPTH, "E-mails waiting in the outbox.");
    describe_histogram!(UPSTREAM_CALL_DURATION, Unit::Seconds, "Calls to the MFA upstream by outcome.");
    describe_gauge!(UPSTREAM_UP, "1 when the MFA upstream answered its last health check, 0 when not.");
    for outcome in LOGIN_KINDS.into_iter().filter_map(login_outcome) {
        counter!(LOGINS, "outcome" => outcome).increment(0);
    }
    for outcome in SyncOutcome::ALL {
        counter!(SYNC_TENANTS, "outcome" => outcome.as_str()).increment(0);
    }
    for outcome in UpstreamOutcome::ALL {
        // Registering is enough: the histogram is exported with empty buckets.
        let _ = histogram!(UPSTREAM_CALL_DURATION, "outcome" => outcome.as_str());
    }
    set_outbox_depth(0);
}

/// Counts `tenants` tenants whose sync ended with `outcome` (call once per run and outcome).
pub fn record_sync(outcome: SyncOutcome, tenants: u64) {
    counter!(SYNC_TENANTS, "outcome" => outcome.as_str()).increment(tenants);
}

/// Sets the number of e-mails waiting in the outbox (call after each outbox pass).
pub fn set_outbox_depth(waiting: u64) {
    gauge!(OUTBOX_DEPTH).set(as_f64(waiting));
}

/// Records one call to the MFA upstream, from sending the request to the end of the answer.
pub fn record_upstream_call(outcome: UpstreamOutcome, latency: Duration) {
    histogram!(UPSTREAM_CALL_DURATION, "outcome" => outcome.as_str()).record(latency);
}

/// Records the result of the upstream's latest health check.
pub fn set_upstream_status(up: bool) {
    gauge!(UPSTREAM_UP).set(if up { 1.0 } else { 0.0 });
}

/// Counts the login steps among audit events that were just committed.
pub fn record_logins<'a>(kinds: impl IntoIterator<Item = &'a AuditKind>) {
    for outcome in kinds.into_iter().filter_map(|k| login_outcome(*k)) {
        counter!(LOGINS, "outcome" => outcome).increment(1);
    }
}

/// A gauge value from a count; counts beyond 2^53 lose precision, which a gauge can bear.
#[expect(clippy::cast_precision_loss, reason = "gauges are f64; the counts here are far below 2^53")]
pub fn as_f64(n: u64) -> f64 {
    n as f64
}

/// A [`UnitOfWork`] that counts the login steps and finished sync runs of every committed
/// [`Work`]. Every login outcome is decided by a use case and written as an audit event in one
/// commit, and every sync run ends with one commit of its counts, so counting here, after the
/// commit succeeded, is the one place that sees them all and counts nothing rolled back.
#[derive(Clone)]
pub struct CountingWork(pub Arc<dyn UnitOfWork>);

impl std::fmt::Debug for CountingWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CountingWork { .. }")
    }
}

#[async_trait]
impl UnitOfWork for CountingWork {
    fn parallel_writes(&self) -> usize {
        self.0.parallel_writes()
    }

    async fn commit(&self, work: Work) -> Result<(), StoreError> {
        let kinds: Vec<AuditKind> = work.audit.iter().map(|e| e.kind).collect();
        let runs: Vec<SyncCounts> = work
            .changes
            .iter()
            .filter_map(|c| if let Change::FinishSyncRun(run) = c { Some(run.counts) } else { None })
            .collect();
        self.0.commit(work).await?;
        record_logins(&kinds);
        for c in runs {
            record_sync(SyncOutcome::Synced, c.synced);
            record_sync(SyncOutcome::Unchanged, c.unchanged);
            record_sync(SyncOutcome::Failed, c.failed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_application::ports::MockUnitOfWork;

    #[test]
    fn login_outcomes_are_the_login_audit_kinds_only() {
        assert_eq!(login_outcome(AuditKind::AuthnLoginFail), Some("login_fail"));
        assert_eq!(login_outcome(AuditKind::Authn2faReplay), Some("2fa_replay"));
        assert_eq!(login_outcome(AuditKind::TenantCreated), None);
        assert_eq!(login_outcome(AuditKind::SessionCreated), None);
        let labels: Vec<_> = LOGIN_KINDS.into_iter().filter_map(login_outcome).collect();
        assert_eq!(labels.len(), LOGIN_KINDS.len(), "every pre-registered kind has a label");
        for label in labels {
            assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
    }

    #[tokio::test]
    async fn counting_work_commits_through_and_passes_failures_on() {
        let mut ok = MockUnitOfWork::new();
        ok.expect_commit().times(1).returning(|_| Ok(()));
        assert!(CountingWork(Arc::new(ok)).commit(Work::default()).await.is_ok());
        let mut failing = MockUnitOfWork::new();
        failing.expect_commit().times(1).returning(|_| Err(StoreError::NotFound));
        let result = CountingWork(Arc::new(failing)).commit(Work::default()).await;
        assert!(matches!(result, Err(StoreError::NotFound)));
    }
}
