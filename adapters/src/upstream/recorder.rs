//! Turns each call's outcome into the [`ConnectionStatus`] the panel shows: the counters, the
//! last error, a short history, and the state derived from them.

use std::collections::VecDeque;
use std::time::Duration;

use gatehouse_application::ports::{Check, ConnectionState, ConnectionStatus, UpstreamHealth};
use time::OffsetDateTime;

#[derive(Debug)]
pub(super) struct Recorder {
    status: ConnectionStatus,
    recent: VecDeque<Check>,
    history: usize,
    /// Failures in a row from which the connection counts as down (the breaker's threshold).
    down_after: u32,
    slow_after: Duration,
    /// Whether the last answered call needed retries or took longer than `slow_after`.
    strained: bool,
    /// Whether the last health check said the upstream is not fully well.
    unwell: bool,
}

impl Recorder {
    pub fn new(base_url: String, history: usize, down_after: u32, slow_after: Duration) -> Self {
        Recorder {
            status: ConnectionStatus::unknown(Some(base_url)),
            recent: VecDeque::with_capacity(history),
            history: history.max(1),
            down_after: down_after.max(1),
            slow_after,
            strained: false,
            unwell: false,
        }
    }

    /// Records one call. `answered`: the upstream gave a contract answer (a refusal such as
    /// 404 counts: the connection works).
    pub fn record(&mut self, check: Check, answered: bool) {
        let s = &mut self.status;
        s.last_check = Some(check.at);
        s.last_latency_ms = Some(check.latency_ms);
        if answered {
            s.last_success = Some(check.at);
            s.consecutive_failures = 0;
            self.strained = check.attempts > 1 || Duration::from_millis(check.latency_ms) > self.slow_after;
        } else {
            s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            s.last_error.clone_from(&check.error);
        }
        if self.recent.len() == self.history {
            self.recent.pop_front();
        }
        self.recent.push_back(check);
    }

    /// What a health check said about the upstream itself.
    pub fn record_health(&mut self, health: &UpstreamHealth) {
        self.status.upstream_status = Some(health.status.clone());
        self.status.upstream_version.clone_from(&health.version);
        self.unwell = !health.is_ok();
    }

    /// The status now; `paused_until` comes from the breaker.
    pub fn snapshot(&self, paused_until: Option<OffsetDateTime>) -> ConnectionStatus {
        let s = &self.status;
        let state = if paused_until.is_some() || s.consecutive_failures >= self.down_after {
            ConnectionState::Down
        } else if s.last_check.is_none() {
            ConnectionState::Unknown
        } else if s.consecutive_failures > 0 || self.strained || self.unwell {
            ConnectionState::Degraded
        } else {
            ConnectionState::Up
        };
        ConnectionStatus { state, paused_until, recent: self.recent.iter().cloned().collect(), ..s.clone() }
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_application::ports::UpstreamCall;
    use time::macros::datetime;

    use super::*;

    fn check(latency_ms: u64, attempts: u32, error: Option<&str>) -> Check {
        Check {
            at: datetime!(2026-11-21 12:00 UTC),
            call: UpstreamCall::Health,
            latency_ms,
            attempts,
            error: error.map(str::to_owned),
        }
    }

    fn recorder() -> Recorder {
        Recorder::new("http://mfa.example/api/".into(), 3, 2, Duration::from_millis(500))
    }

    #[test]
    fn the_state_follows_the_outcomes() {
        let mut r = recorder();
        assert_eq!(r.snapshot(None).state, ConnectionState::Unknown);
        r.record(check(20, 1, None), true);
        assert_eq!(r.snapshot(None).state, ConnectionState::Up);
        r.record(check(20, 2, None), true);
        assert_eq!(r.snapshot(None).state, ConnectionState::Degraded, "needed a retry");
        r.record(check(900, 1, None), true);
        assert_eq!(r.snapshot(None).state, ConnectionState::Degraded, "slow");
        r.record(check(5, 1, Some("boom")), false);
        let s = r.snapshot(None);
        assert_eq!(
            (s.state, s.consecutive_failures, s.last_error.as_deref()),
            (ConnectionState::Degraded, 1, Some("boom"))
        );
        r.record(check(5, 1, Some("boom again")), false);
        assert_eq!(r.snapshot(None).state, ConnectionState::Down);
        r.record(check(20, 1, None), true);
        let s = r.snapshot(None);
        assert_eq!((s.state, s.consecutive_failures), (ConnectionState::Up, 0));
        assert_eq!(s.last_error.as_deref(), Some("boom again"), "the last error stays for the record");
        assert_eq!(s.recent.len(), 3, "the history keeps the newest three");
        assert_eq!(s.recent[2].error, None);
    }

    #[test]
    fn a_paused_circuit_or_an_unwell_upstream_shows() {
        let mut r = recorder();
        r.record(check(20, 1, None), true);
        let until = datetime!(2026-11-21 12:01 UTC);
        assert_eq!(r.snapshot(Some(until)).state, ConnectionState::Down);
        assert_eq!(r.snapshot(Some(until)).paused_until, Some(until));
        r.record_health(&UpstreamHealth {
            status: "degraded".into(),
            version: Some("2.1".into()),
            contract: None,
        });
        let s = r.snapshot(None);
        assert_eq!((s.state, s.upstream_version.as_deref()), (ConnectionState::Degraded, Some("2.1")));
    }
}
