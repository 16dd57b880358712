//! The circuit breaker: after `threshold` failed calls in a row, calls are refused at once for
//! a cool-down instead of waiting on a failing upstream; then one probe call decides whether
//! the circuit closes again or stays open for another cool-down.
//!
//! Time is the [`Clock`](gatehouse_application::ports::Clock)'s, passed in, so tests move it
//! instead of sleeping.

use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open {
        until: OffsetDateTime,
    },
    /// One probe is in flight since `since`. A probe whose caller gave up never reports back,
    /// so after a cool-down another one is let through.
    HalfOpen {
        since: OffsetDateTime,
    },
}

/// Whether a call may go out, and as what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Admission {
    /// The circuit is closed: a normal call, with its retries.
    Normal,
    /// The single probe after a cool-down: one attempt, no retries.
    Probe,
}

#[derive(Debug)]
pub(super) struct Breaker {
    threshold: u32,
    cool_down: Duration,
    failures: u32,
    state: State,
}

impl Breaker {
    pub fn new(threshold: u32, cool_down: std::time::Duration) -> Self {
        Breaker {
            threshold: threshold.max(1),
            cool_down: Duration::try_from(cool_down).unwrap_or(Duration::MAX),
            failures: 0,
            state: State::Closed,
        }
    }

    /// Lets a call through, or says until when calls are paused.
    pub fn admit(&mut self, now: OffsetDateTime) -> Result<Admission, OffsetDateTime> {
        match self.state {
            State::Closed => Ok(Admission::Normal),
            State::Open { until } if now < until => Err(until),
            State::HalfOpen { since } if now < since + self.cool_down => Err(since + self.cool_down),
            State::Open { .. } | State::HalfOpen { .. } => {
                self.state = State::HalfOpen { since: now };
                Ok(Admission::Probe)
            }
        }
    }

    /// Counts a call's outcome: a success closes the circuit, the `threshold`-th failure in a
    /// row (or a failed probe) opens it.
    pub fn record(&mut self, admission: Admission, ok: bool, now: OffsetDateTime) {
        if ok {
            self.failures = 0;
            self.state = State::Closed;
            return;
        }
        self.failures = self.failures.saturating_add(1);
        if admission == Admission::Probe || self.failures >= self.threshold {
            self.state = State::Open { until: now + self.cool_down };
        }
    }

    /// Until when calls are refused, if they are.
    pub fn paused_until(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self.state {
            State::Open { until } if now < until => Some(until),
            State::HalfOpen { since } if now < since + self.cool_down => Some(since + self.cool_down),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);
    const COOL: std::time::Duration = std::time::Duration::from_secs(30);

    #[test]
    fn opens_after_threshold_failures_in_a_row() {
        let mut b = Breaker::new(3, COOL);
        for _ in 0..2 {
            assert_eq!(b.admit(T0), Ok(Admission::Normal));
            b.record(Admission::Normal, false, T0);
        }
        b.record(Admission::Normal, true, T0);
        for _ in 0..2 {
            b.record(Admission::Normal, false, T0);
        }
        assert_eq!(b.admit(T0), Ok(Admission::Normal), "a success reset the count");
        b.record(Admission::Normal, false, T0);
        assert_eq!(b.admit(T0), Err(T0 + Duration::seconds(30)));
        assert_eq!(b.paused_until(T0), Some(T0 + Duration::seconds(30)));
    }

    #[test]
    fn half_opens_for_one_probe_after_the_cool_down() {
        let mut b = Breaker::new(1, COOL);
        b.record(Admission::Normal, false, T0);
        let later = T0 + Duration::seconds(30);
        assert_eq!(b.admit(later), Ok(Admission::Probe));
        assert!(b.admit(later).is_err(), "only one probe at a time");
        b.record(Admission::Probe, false, later);
        assert_eq!(b.admit(later + Duration::seconds(29)), Err(later + Duration::seconds(30)));
        let again = later + Duration::seconds(30);
        assert_eq!(b.admit(again), Ok(Admission::Probe));
        b.record(Admission::Probe, true, again);
        assert_eq!(b.admit(again), Ok(Admission::Normal));
        assert_eq!(b.paused_until(again), None);
    }

    #[test]
    fn a_lost_probe_does_not_keep_the_circuit_open_forever() {
        let mut b = Breaker::new(1, COOL);
        b.record(Admission::Normal, false, T0);
        let probe_at = T0 + Duration::seconds(30);
        assert_eq!(b.admit(probe_at), Ok(Admission::Probe));
        // Its caller gave up: no record. A cool-down later another probe may go.
        assert_eq!(b.admit(probe_at + Duration::seconds(30)), Ok(Admission::Probe));
    }
}
