//! Brute-force defence as pure arithmetic over failure counts (S13): when an account or client
//! is locked, for how long, and how long to slow down each answer.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The lockout rules, all settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LockoutPolicy {
    pub enabled: bool,
    /// Failures within `window` that lock.
    pub max_failures: u32,
    #[serde(with = "crate::settings::seconds")]
    pub window: Duration,
    #[serde(with = "crate::settings::seconds")]
    pub lock_duration: Duration,
    /// A hard ceiling whatever the other settings say: V2.2.1 allows at most 100 per hour.
    pub max_failures_per_hour: u32,
    /// The delay after the second failure; it doubles with each further one up to `max_delay`.
    #[serde(with = "crate::settings::millis")]
    pub base_delay: Duration,
    #[serde(with = "crate::settings::millis")]
    pub max_delay: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            enabled: true,
            max_failures: 5,
            window: Duration::minutes(15),
            lock_duration: Duration::minutes(15),
            max_failures_per_hour: 100,
            base_delay: Duration::milliseconds(250),
            max_delay: Duration::seconds(4),
        }
    }
}

/// Failure counts of one account or client, including the failure being judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCounts {
    pub in_window: u32,
    pub in_last_hour: u32,
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureDecision {
    pub lock_until: Option<OffsetDateTime>,
    pub delay: Duration,
}

impl LockoutPolicy {
    /// Locks are only ever set by `after_failure`, so one in force holds even if lockout was
    /// switched off since (the hourly ceiling applies regardless).
    pub fn is_locked(locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        locked_until.is_some_and(|until| now < until)
    }

    pub fn after_failure(&self, counts: FailureCounts, now: OffsetDateTime) -> FailureDecision {
        let hourly_cap = self.max_failures_per_hour.min(100);
        let lock_until = if counts.in_last_hour >= hourly_cap {
            Some(now + Duration::hours(1))
        } else if self.enabled && counts.in_window >= self.max_failures {
            Some(now + self.lock_duration)
        } else {
            None
        };
        FailureDecision { lock_until, delay: self.delay_for(counts.in_window) }
    }

    /// No delay for a first mistake; then `base_delay`, doubling, capped at `max_delay`.
    pub fn delay_for(&self, failures: u32) -> Duration {
        if failures < 2 {
            return Duration::ZERO;
        }
        let factor = 1i32 << (failures - 2).min(16);
        (self.base_delay * factor).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    #[test]
    fn fifth_failure_in_the_window_locks_for_fifteen_minutes_s13() {
        let p = LockoutPolicy::default();
        let fourth = p.after_failure(FailureCounts { in_window: 4, in_last_hour: 4 }, NOW);
        assert_eq!(fourth.lock_until, None);
        let fifth = p.after_failure(FailureCounts { in_window: 5, in_last_hour: 5 }, NOW);
        assert_eq!(fifth.lock_until, Some(NOW + Duration::minutes(15)));
        assert!(LockoutPolicy::is_locked(fifth.lock_until, NOW + Duration::minutes(14)));
        assert!(!LockoutPolicy::is_locked(fifth.lock_until, NOW + Duration::minutes(15)));
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let p = LockoutPolicy::default();
        let delays: Vec<i128> = (0..8).map(|n| p.delay_for(n).whole_milliseconds()).collect();
        assert_eq!(delays, [0, 0, 250, 500, 1000, 2000, 4000, 4000]);
        assert_eq!(p.delay_for(u32::MAX), Duration::seconds(4));
    }

    #[test]
    fn hourly_ceiling_holds_even_when_lockout_is_loosened() {
        let p = LockoutPolicy {
            enabled: false,
            max_failures: 1000,
            max_failures_per_hour: 5000,
            ..LockoutPolicy::default()
        };
        let d = p.after_failure(FailureCounts { in_window: 100, in_last_hour: 100 }, NOW);
        assert_eq!(d.lock_until, Some(NOW + Duration::hours(1)));
        let d = p.after_failure(FailureCounts { in_window: 99, in_last_hour: 99 }, NOW);
        assert_eq!(d.lock_until, None);
    }

    proptest! {
        #[test]
        fn never_more_than_a_hundred_failures_an_hour(in_window in 0u32..1000, extra in 0u32..1000) {
            let p = LockoutPolicy { enabled: false, ..LockoutPolicy::default() };
            let counts = FailureCounts { in_window, in_last_hour: in_window.saturating_add(extra) };
            if counts.in_last_hour >= 100 {
                prop_assert!(p.after_failure(counts, NOW).lock_until.is_some());
            }
        }
    }
}
