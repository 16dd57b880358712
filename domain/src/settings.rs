//! System settings an owner changes in the panel: the 2FA requirement, session and lockout
//! policies, the default plan and a maintenance banner — with the bounds that keep each sane.

use serde::{Deserialize, Serialize};
use time::Duration;

use crate::error::ValidationError;
use crate::lockout::LockoutPolicy;
use crate::plan::Plan;
use crate::session::SessionPolicy;
use crate::text::single_line;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SystemSettings {
    /// Every SuperAdmin must use a second factor (on by default, S11).
    pub require_2fa: bool,
    pub session: SessionPolicy,
    pub lockout: LockoutPolicy,
    /// The plan a new tenant gets when none is given.
    pub default_plan: Plan,
    /// Shown on every panel page while set.
    pub maintenance_banner: Option<String>,
}

impl Default for SystemSettings {
    fn default() -> Self {
        SystemSettings {
            require_2fa: true,
            session: SessionPolicy::default(),
            lockout: LockoutPolicy::default(),
            default_plan: Plan::Free,
            maintenance_banner: None,
        }
    }
}

fn within(field: &'static str, value: Duration, min: Duration, max: Duration) -> Result<(), ValidationError> {
    if value < min || value > max {
        return Err(ValidationError::new(field, format!("must be between {min} and {max}")));
    }
    Ok(())
}

impl SystemSettings {
    /// Checks every bound; the first violation is reported by field name.
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        let s = &self.session;
        within("session.absolute_timeout", s.absolute_timeout, Duration::minutes(5), Duration::days(30))?;
        within("session.idle_timeout", s.idle_timeout, Duration::minutes(1), s.absolute_timeout)?;
        within("session.partial_timeout", s.partial_timeout, Duration::minutes(1), Duration::minutes(30))?;
        let l = &self.lockout;
        if !(1..=100).contains(&l.max_failures) {
            return Err(ValidationError::new("lockout.max_failures", "must be between 1 and 100"));
        }
        if !(1..=100).contains(&l.max_failures_per_hour) {
            return Err(ValidationError::new("lockout.max_failures_per_hour", "must be between 1 and 100"));
        }
        within("lockout.window", l.window, Duration::minutes(1), Duration::hours(24))?;
        within("lockout.lock_duration", l.lock_duration, Duration::minutes(1), Duration::hours(24))?;
        within("lockout.base_delay", l.base_delay, Duration::ZERO, Duration::seconds(5))?;
        within("lockout.max_delay", l.max_delay, l.base_delay, Duration::seconds(30))?;
        self.maintenance_banner = match self.maintenance_banner.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(single_line("maintenance_banner", text, 1, 500)?),
        };
        Ok(())
    }
}

/// Serde for `time::Duration` as whole seconds (settings are edited in minutes and hours).
pub mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.whole_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        i64::deserialize(d).map(Duration::seconds)
    }
}

/// Serde for `time::Duration` as whole milliseconds (login delays are sub-second).
pub mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(i64::try_from(d.whole_milliseconds()).unwrap_or(i64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        i64::deserialize(d).map(Duration::milliseconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip_as_plain_numbers() {
        let mut s = SystemSettings::default();
        assert_eq!(s.validate(), Ok(()));
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["session"]["idle_timeout"], 7200);
        assert_eq!(json["lockout"]["base_delay"], 250);
        let back: SystemSettings = serde_json::from_value(json).expect("back");
        assert_eq!(back, s);
        let partial: SystemSettings =
            serde_json::from_str(r#"{"require_2fa": false}"#).expect("defaults fill in");
        assert_eq!(partial.session, SessionPolicy::default());
    }

    #[test]
    fn out_of_bounds_values_name_their_field() {
        let mut s = SystemSettings::default();
        s.session.idle_timeout = Duration::hours(13);
        assert_eq!(s.validate().expect_err("idle > absolute").field, "session.idle_timeout");
        let mut s = SystemSettings::default();
        s.lockout.max_failures = 0;
        assert_eq!(s.validate().expect_err("zero").field, "lockout.max_failures");
        let mut s = SystemSettings { maintenance_banner: Some("  ".into()), ..SystemSettings::default() };
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.maintenance_banner, None);
    }
}
