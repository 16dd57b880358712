//! When an admin session ends: idle and absolute timeouts, the partial (password-only) stage,
//! and binding to the client's IP address and user agent (S18, S20).

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The session rules, all settings (defaults from SECURITY.md S18 and S20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionPolicy {
    #[serde(with = "crate::settings::seconds")]
    pub idle_timeout: Duration,
    #[serde(with = "crate::settings::seconds")]
    pub absolute_timeout: Duration,
    /// How long a session that has only passed the password step may wait for the second factor.
    #[serde(with = "crate::settings::seconds")]
    pub partial_timeout: Duration,
    pub bind_ip: bool,
    pub bind_user_agent: bool,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout: Duration::hours(2),
            absolute_timeout: Duration::hours(12),
            partial_timeout: Duration::minutes(5),
            bind_ip: true,
            bind_user_agent: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Password accepted, second factor (or its set-up) still owed.
    Partial,
    Full,
}

/// A SuperAdmin session as stored server-side. The token itself never is: only its SHA-256
/// (S16), so a leaked table cannot be replayed as cookies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: uuid::Uuid,
    #[serde(skip)]
    pub token_hash: Vec<u8>,
    pub admin_id: crate::admin::AdminId,
    pub stage: SessionStage,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub ip: String,
    pub user_agent: String,
    /// "Remember me": the cookie outlives the browser, never the absolute timeout.
    pub remember: bool,
    /// Wrong second-factor codes so far (partial sessions only, S12).
    pub second_factor_failures: u32,
    /// Where to go once logged in (a same-site path).
    pub return_to: Option<String>,
    pub ended: Option<SessionEnd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEnd {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reason: EndReason,
}

impl Session {
    pub fn facts(&self) -> SessionFacts<'_> {
        SessionFacts {
            stage: self.stage,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            ip: &self.ip,
            user_agent: &self.user_agent,
        }
    }

    pub fn is_active(&self) -> bool {
        self.ended.is_none()
    }
}

/// What the policy needs to know about a stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts<'a> {
    pub stage: SessionStage,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// Why a session ended; stored with the session and in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    IdleTimeout,
    AbsoluteTimeout,
    PartialTimeout,
    IpChanged,
    UserAgentChanged,
    Logout,
    Revoked,
    /// Replaced by a fresh token at a login step (no fixation).
    Rotated,
    AdminDisabled,
    PasswordChanged,
    TooManySecondFactorFailures,
}

impl EndReason {
    pub const ALL: [EndReason; 11] = [
        Self::IdleTimeout,
        Self::AbsoluteTimeout,
        Self::PartialTimeout,
        Self::IpChanged,
        Self::UserAgentChanged,
        Self::Logout,
        Self::Revoked,
        Self::Rotated,
        Self::AdminDisabled,
        Self::PasswordChanged,
        Self::TooManySecondFactorFailures,
    ];

    /// The stable name stored in the database and shown in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdleTimeout => "idle_timeout",
            Self::AbsoluteTimeout => "absolute_timeout",
            Self::PartialTimeout => "partial_timeout",
            Self::IpChanged => "ip_changed",
            Self::UserAgentChanged => "user_agent_changed",
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::Rotated => "rotated",
            Self::AdminDisabled => "admin_disabled",
            Self::PasswordChanged => "password_changed",
            Self::TooManySecondFactorFailures => "too_many_second_factor_failures",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Timeouts are audited as `session_expired`, the rest as ended or revoked.
    pub fn is_timeout(self) -> bool {
        matches!(self, Self::IdleTimeout | Self::AbsoluteTimeout | Self::PartialTimeout)
    }

    /// A change of client looks like a stolen cookie and is audited as such.
    pub fn is_suspected_hijack(self) -> bool {
        matches!(self, EndReason::IpChanged | EndReason::UserAgentChanged)
    }
}

impl SessionPolicy {
    /// `Ok` if the session may serve a request from `ip`/`user_agent` at `now`, else why it ends.
    pub fn check(
        &self,
        s: &SessionFacts<'_>,
        now: OffsetDateTime,
        ip: &str,
        user_agent: &str,
    ) -> Result<(), EndReason> {
        if self.bind_ip && s.ip != ip {
            return Err(EndReason::IpChanged);
        }
        if self.bind_user_agent && s.user_agent != user_agent {
            return Err(EndReason::UserAgentChanged);
        }
        if s.stage == SessionStage::Partial && now > s.created_at + self.partial_timeout {
            return Err(EndReason::PartialTimeout);
        }
        if now > s.created_at + self.absolute_timeout {
            return Err(EndReason::AbsoluteTimeout);
        }
        if now > s.last_seen_at + self.idle_timeout {
            return Err(EndReason::IdleTimeout);
        }
        Ok(())
    }

    /// When the session will end if nothing else happens (for status displays and cookies).
    pub fn expires_at(&self, s: &SessionFacts<'_>) -> OffsetDateTime {
        let cap = match s.stage {
            SessionStage::Partial => s.created_at + self.partial_timeout,
            SessionStage::Full => s.created_at + self.absolute_timeout,
        };
        cap.min(s.last_seen_at + self.idle_timeout)
    }

    /// The longest a "remember me" cookie may live: never past the absolute timeout (S18).
    pub fn remember_me_until(&self, created_at: OffsetDateTime) -> OffsetDateTime {
        created_at + self.absolute_timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-21 08:00 UTC);

    fn facts(stage: SessionStage, last_seen: OffsetDateTime) -> SessionFacts<'static> {
        SessionFacts { stage, created_at: T0, last_seen_at: last_seen, ip: "10.0.0.1", user_agent: "UA" }
    }

    #[test]
    fn idle_and_absolute_timeouts_s18() {
        let p = SessionPolicy::default();
        let s = facts(SessionStage::Full, T0);
        assert_eq!(p.check(&s, T0 + Duration::hours(2), "10.0.0.1", "UA"), Ok(()));
        assert_eq!(
            p.check(&s, T0 + Duration::hours(2) + Duration::seconds(1), "10.0.0.1", "UA"),
            Err(EndReason::IdleTimeout)
        );
        let active = facts(SessionStage::Full, T0 + Duration::hours(11) + Duration::minutes(59));
        assert_eq!(p.check(&active, T0 + Duration::hours(12), "10.0.0.1", "UA"), Ok(()));
        assert_eq!(
            p.check(&active, T0 + Duration::hours(12) + Duration::seconds(1), "10.0.0.1", "UA"),
            Err(EndReason::AbsoluteTimeout)
        );
        assert_eq!(p.expires_at(&active), T0 + Duration::hours(12));
        assert_eq!(p.remember_me_until(T0), T0 + Duration::hours(12));
    }

    #[test]
    fn partial_sessions_last_five_minutes() {
        let p = SessionPolicy::default();
        let s = facts(SessionStage::Partial, T0);
        assert_eq!(p.check(&s, T0 + Duration::minutes(5), "10.0.0.1", "UA"), Ok(()));
        assert_eq!(
            p.check(&s, T0 + Duration::minutes(5) + Duration::seconds(1), "10.0.0.1", "UA"),
            Err(EndReason::PartialTimeout)
        );
        assert_eq!(p.expires_at(&s), T0 + Duration::minutes(5));
    }

    #[test]
    fn end_reasons_round_trip() {
        for r in EndReason::ALL {
            assert_eq!(EndReason::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r).ok(), Some(format!("\"{}\"", r.as_str())));
        }
    }

    #[test]
    fn client_changes_end_the_session_unless_relaxed_s20() {
        let mut p = SessionPolicy::default();
        let s = facts(SessionStage::Full, T0);
        assert_eq!(p.check(&s, T0, "10.0.0.2", "UA"), Err(EndReason::IpChanged));
        assert_eq!(p.check(&s, T0, "10.0.0.1", "Other"), Err(EndReason::UserAgentChanged));
        assert!(EndReason::IpChanged.is_suspected_hijack() && !EndReason::Logout.is_suspected_hijack());
        p.bind_ip = false;
        assert_eq!(p.check(&s, T0, "10.0.0.2", "UA"), Ok(()));
    }
}
