//! Usage counters, month-to-date arithmetic, quota thresholds and the billing line of a month.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month as CalendarMonth};

use crate::error::ValidationError;
use crate::plan::Plan;
use crate::tenant::TenantId;

/// One tenant's counters for one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyUsage {
    pub tenant_id: TenantId,
    pub day: Date,
    pub auth_attempts: u64,
    pub auth_successes: u64,
    pub auth_failures: u64,
    pub active_users: u64,
    pub api_calls: u64,
    pub sms_sent: u64,
    pub emails_sent: u64,
    /// Mean response time of the day's authentications, in milliseconds.
    pub avg_response_ms: u32,
}

impl DailyUsage {
    /// Checks the counters are consistent: successes and failures are both attempts.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.auth_successes.saturating_add(self.auth_failures) > self.auth_attempts {
            return Err(ValidationError::new("auth_attempts", "must be at least successes + failures"));
        }
        Ok(())
    }

    pub fn success_rate(&self) -> Option<f64> {
        rate(self.auth_successes, self.auth_attempts)
    }
}

#[expect(clippy::cast_precision_loss, reason = "a percentage needs no more than f64's 52 bits")]
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64 * 100.0)
}

/// Counters summed over several days (a month to date, a billing month, a chart bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub days: u32,
    pub auth_attempts: u64,
    pub auth_successes: u64,
    pub auth_failures: u64,
    /// The busiest day's active users: distinct users cannot be summed across days.
    pub peak_active_users: u64,
    pub api_calls: u64,
    pub sms_sent: u64,
    pub emails_sent: u64,
    /// Response time averaged over attempts, in milliseconds.
    pub avg_response_ms: u32,
}

impl From<&DailyUsage> for UsageTotals {
    fn from(d: &DailyUsage) -> Self {
        UsageTotals {
            days: 1,
            auth_attempts: d.auth_attempts,
            auth_successes: d.auth_successes,
            auth_failures: d.auth_failures,
            peak_active_users: d.active_users,
            api_calls: d.api_calls,
            sms_sent: d.sms_sent,
            emails_sent: d.emails_sent,
            avg_response_ms: d.avg_response_ms,
        }
    }
}

impl UsageTotals {
    pub fn sum<'a>(days: impl IntoIterator<Item = &'a DailyUsage>) -> Self {
        Self::combine(days.into_iter().map(UsageTotals::from))
    }

    /// Several periods' totals as one: counters add up, the peak is the highest, and the
    /// response time is averaged over attempts.
    pub fn combine(parts: impl IntoIterator<Item = UsageTotals>) -> Self {
        let mut t = UsageTotals::default();
        let mut weighted_ms: u128 = 0;
        for p in parts {
            t.days += p.days;
            t.auth_attempts += p.auth_attempts;
            t.auth_successes += p.auth_successes;
            t.auth_failures += p.auth_failures;
            t.peak_active_users = t.peak_active_users.max(p.peak_active_users);
            t.api_calls += p.api_calls;
            t.sms_sent += p.sms_sent;
            t.emails_sent += p.emails_sent;
            weighted_ms += u128::from(p.avg_response_ms) * u128::from(p.auth_attempts);
        }
        if t.auth_attempts > 0 {
            t.avg_response_ms = u32::try_from(weighted_ms / u128::from(t.auth_attempts)).unwrap_or(u32::MAX);
        }
        t
    }

    pub fn success_rate(&self) -> Option<f64> {
        rate(self.auth_successes, self.auth_attempts)
    }
}

/// A calendar month, written `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: CalendarMonth,
}

impl Month {
    pub fn of(date: Date) -> Self {
        Month { year: date.year(), month: date.month() }
    }
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }
    /// The last day of the month (inclusive).
    pub fn last_day(self) -> Date {
        let days = self.month.length(self.year);
        Date::from_calendar_date(self.year, self.month, days).unwrap_or(Date::MAX)
    }
    pub fn contains(self, day: Date) -> bool {
        Month::of(day) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, u8::from(self.month))
    }
}

impl FromStr for Month {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValidationError::new("month", format!("{s:?} is not a month like 2026-11"));
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u8 = m.parse().map_err(|_| err())?;
        if !(1970..=9999).contains(&year) || y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let month = CalendarMonth::try_from(month).map_err(|_| err())?;
        Ok(Month { year, month })
    }
}

impl TryFrom<String> for Month {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}
impl From<Month> for String {
    fn from(value: Month) -> Self {
        value.to_string()
    }
}

/// How close a tenant is to its monthly authentication quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaLevel {
    Normal,
    /// At or above 80 %.
    Warning,
    /// At or above 100 %.
    Reached,
}

impl QuotaLevel {
    pub fn of(used: u64, quota: u64) -> Self {
        let used = u128::from(used);
        let quota = u128::from(quota);
        if used >= quota {
            QuotaLevel::Reached
        } else if used * 100 >= quota * 80 {
            QuotaLevel::Warning
        } else {
            QuotaLevel::Normal
        }
    }
}

/// One tenant's bill for one month. Money in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingLine {
    pub month: Month,
    pub plan: Plan,
    pub included_authentications: u64,
    pub used_authentications: u64,
    pub overage_authentications: u64,
    pub base_cents: u64,
    pub overage_cents: u64,
    pub total_cents: u64,
}

impl BillingLine {
    /// Bills successful and failed attempts alike: both cost the platform a verification.
    /// Overage is charged per started block of 1,000; a plan with a hard cap has none.
    pub fn compute(month: Month, plan: Plan, included: u64, used: u64) -> Self {
        let limits = plan.limits();
        let overage = used.saturating_sub(included);
        let overage_cents = match limits.overage_cents_per_1000 {
            Some(per_1000) => overage.div_ceil(1000).saturating_mul(per_1000),
            None => 0,
        };
        BillingLine {
            month,
            plan,
            included_authentications: included,
            used_authentications: used,
            overage_authentications: overage,
            base_cents: limits.monthly_price_cents,
            overage_cents,
            total_cents: limits.monthly_price_cents.saturating_add(overage_cents),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use uuid::Uuid;

    fn day(d: Date, attempts: u64, successes: u64, users: u64, ms: u32) -> DailyUsage {
        DailyUsage {
            tenant_id: TenantId::from_uuid(Uuid::nil()),
            day: d,
            auth_attempts: attempts,
            auth_successes: successes,
            auth_failures: attempts - successes,
            active_users: users,
            api_calls: attempts * 2,
            sms_sent: 1,
            emails_sent: 2,
            avg_response_ms: ms,
        }
    }

    #[test]
    fn totals_sum_counters_peak_users_and_weight_response_time() {
        let days =
            [day(date!(2026 - 11 - 01), 100, 90, 40, 100), day(date!(2026 - 11 - 02), 300, 270, 25, 200)];
        let t = UsageTotals::sum(&days);
        assert_eq!((t.days, t.auth_attempts, t.auth_successes, t.auth_failures), (2, 400, 360, 40));
        assert_eq!(t.peak_active_users, 40);
        assert_eq!(t.avg_response_ms, 175);
        assert_eq!(t.success_rate(), Some(90.0));
        assert_eq!(UsageTotals::sum(&[]).success_rate(), None);
    }

    #[test]
    fn inconsistent_counters_are_refused() {
        let mut d = day(date!(2026 - 11 - 01), 10, 10, 1, 1);
        d.auth_failures = 1;
        assert_eq!(d.validate().expect_err("11 > 10").field, "auth_attempts");
    }

    #[test]
    fn quota_levels_at_80_and_100_percent() {
        assert_eq!(QuotaLevel::of(799, 1000), QuotaLevel::Normal);
        assert_eq!(QuotaLevel::of(800, 1000), QuotaLevel::Warning);
        assert_eq!(QuotaLevel::of(1000, 1000), QuotaLevel::Reached);
        assert_eq!(QuotaLevel::of(0, 0), QuotaLevel::Reached);
        assert_eq!(QuotaLevel::of(u64::MAX - 1, u64::MAX), QuotaLevel::Warning);
    }

    #[test]
    fn billing_charges_started_blocks_of_overage() {
        let m: Month = "2026-11".parse().expect("month");
        let line = BillingLine::compute(m, Plan::Basic, 10_000, 12_001);
        assert_eq!((line.overage_authentications, line.overage_cents, line.total_cents), (2_001, 150, 3_050));
        let free = BillingLine::compute(m, Plan::Free, 1_000, 5_000);
        assert_eq!((free.overage_authentications, free.total_cents), (4_000, 0));
        assert_eq!(BillingLine::compute(m, Plan::Premium, 100_000, 10).total_cents, 19_900);
    }

    #[test]
    fn months_parse_and_know_their_days() {
        let feb: Month = "2028-02".parse().expect("month");
        assert_eq!(feb.last_day(), date!(2028 - 02 - 29));
        assert_eq!(feb.to_string(), "2028-02");
        assert!(feb.contains(date!(2028 - 02 - 01)) && !feb.contains(date!(2028 - 03 - 01)));
        for bad in ["2026-13", "2026-1", "26-11", "november", "2026-00", ""] {
            assert_eq!(bad.parse::<Month>().expect_err(bad).field, "month");
        }
    }

    proptest! {
        #[test]
        fn month_parser_never_panics(s in "\\PC{0,12}") {
            if let Ok(m) = s.parse::<Month>() {
                prop_assert_eq!(m.to_string().parse::<Month>(), Ok(m));
            }
        }

        #[test]
        fn bill_total_is_base_plus_overage(used in 0u64..10_000_000, plan in prop::sample::select(Plan::ALL.to_vec())) {
            let included = plan.limits().included_monthly_authentications;
            let line = BillingLine::compute("2026-11".parse().expect("month"), plan, included, used);
            prop_assert_eq!(line.total_cents, line.base_cents + line.overage_cents);
            prop_assert_eq!(line.overage_authentications, used.saturating_sub(included));
        }
    }
}
