//! The outbox: messages written in the same transaction as their cause and delivered later by
//! a background worker — e-mails (tenant notifications) and pushes of a tenant's state to the
//! MFA upstream — and the rule that spaces out retries.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::admin::keyword_enum;
use crate::error::ValidationError;
use crate::tenant::Email;

keyword_enum!(
    /// What an outbox message asks for.
    MessageKind, "kind" {
        /// An e-mail through the SMTP relay.
        Email => "email",
        /// The tenant's current status, plan and features, pushed to the MFA upstream.
        UpstreamPush => "upstream_push",
    }
);

keyword_enum!(
    /// Where a message is in its life: waiting (and retried), delivered, or given up on.
    MessageState, "state" {
        Pending => "pending",
        Sent => "sent",
        Dead => "dead",
    }
);

keyword_enum!(
    /// Why a tenant is told something: each kind has its own e-mail.
    NotificationKind, "notification" {
        /// The month's authentications reached 80 % of the quota.
        Quota80 => "quota_80",
        /// The month's authentications reached the quota.
        Quota100 => "quota_100",
        /// A pending tenant started being served.
        Activated => "activated",
        Suspended => "suspended",
        /// A suspended tenant is served again.
        Reactivated => "reactivated",
        Cancelled => "cancelled",
        PlanChanged => "plan_changed",
        FeaturesChanged => "features_changed",
        /// Support opened the tenant's end-user data (the support view; not sent yet).
        SupportAccess => "support_access",
    }
);

/// An e-mail with its plain-text and HTML bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: Email,
    /// One line, at most [`EmailMessage::MAX_SUBJECT`] characters.
    pub subject: String,
    pub text: String,
    /// A complete HTML document whose every interpolated value is escaped.
    pub html: String,
}

impl EmailMessage {
    pub const MAX_SUBJECT: usize = 200;
}

/// How long to wait before the next attempt: exponential from `base`, capped at `max`, with
/// jitter so that messages that failed together do not all come back at the same moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 30 s, 1 min, 2 min, … up to one hour: eight attempts span a little over an hour.
    fn default() -> Self {
        Backoff { base: Duration::from_secs(30), max: Duration::from_hours(1) }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt (1 for the first): a time in the upper
    /// half of `base × 2^(attempts−1)` capped at `max`, placed by `jitter` (0.0–1.0, from a
    /// random source; values outside are clamped).
    pub fn delay(&self, attempts: u32, jitter: f64) -> Duration {
        let doubling = attempts.saturating_sub(1).min(31);
        let full = self.base.saturating_mul(1 << doubling).min(self.max);
        full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// A short, single-line version of an error for the outbox's `last_error` (no control
/// characters, at most `max` characters).
pub fn error_line(text: &str, max: usize) -> String {
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let line = line.trim();
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut short: String = line.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(15));
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(30));
        assert_eq!(b.delay(2, 1.0), Duration::from_mins(1));
        assert_eq!(b.delay(4, 0.5), Duration::from_mins(3));
        assert_eq!(b.delay(8, 1.0), Duration::from_hours(1));
        assert_eq!(b.delay(400, 1.0), Duration::from_hours(1), "no overflow");
        assert_eq!(b.delay(3, 7.0), b.delay(3, 1.0), "jitter is clamped");
    }

    #[test]
    fn names_round_trip() {
        for k in NotificationKind::ALL {
            assert_eq!(k.as_str().parse::<NotificationKind>(), Ok(*k));
        }
        assert_eq!("upstream_push".parse::<MessageKind>(), Ok(MessageKind::UpstreamPush));
        assert_eq!("dead".parse::<MessageState>(), Ok(MessageState::Dead));
        assert_eq!("lost".parse::<MessageState>().expect_err("unknown").field, "state");
    }

    #[test]
    fn error_lines_are_single_and_short() {
        assert_eq!(error_line(" 421 busy\r\ntry later ", 100), "421 busy  try later");
        assert_eq!(error_line("abcdef", 4), "abc…");
    }

    proptest! {
        #[test]
        fn backoff_stays_within_half_and_whole_of_the_capped_doubling(attempts in 1u32..50, jitter in 0.0f64..=1.0) {
            let b = Backoff::default();
            let full = b.base.saturating_mul(1 << (attempts - 1).min(31)).min(b.max);
            let d = b.delay(attempts, jitter);
            prop_assert!(d >= full / 2 && d <= full);
        }
    }
}
