//! One tenant's usage over a date range, with its month to date against its quota (needs
//! `usage:view` for that tenant).
//!
//! Reads the tenant's own daily rows (at most [`MAX_DAYS`] of them, by primary key); never
//! another tenant's.

use gatehouse_domain::{
    Actor, DailyUsage, Month, Permission, QuotaLevel, Tenant, TenantId, UsageTotals, ValidationError,
};
use serde::Serialize;
use time::{Date, Duration};

use crate::tenant_ref::{TenantRef, load};
use crate::{Ports, Result};

/// The longest range a request may cover, in days (both ends included).
pub const MAX_DAYS: i64 = 366;

/// A tenant's usage report.
#[derive(Debug, Clone, Serialize)]
pub struct TenantUsage {
    pub tenant: Tenant,
    pub from: Date,
    pub to: Date,
    /// Every day of `from..=to`, oldest first; days without stored counters are zeros.
    pub days: Vec<DailyUsage>,
    /// The counters of `from..=to` summed.
    pub totals: UsageTotals,
    /// The current UTC month.
    pub month: Month,
    pub month_to_date: UsageTotals,
    /// The tenant's monthly authentication quota.
    pub quota: u64,
    pub quota_level: QuotaLevel,
}

/// Checks `from..=to` is a range of at most [`MAX_DAYS`] days.
pub fn check_range(from: Date, to: Date) -> Result<()> {
    if from > to {
        return Err(ValidationError::new("from", "must not be after to").into());
    }
    if (to - from).whole_days() + 1 > MAX_DAYS {
        return Err(ValidationError::new("to", format!("a range covers at most {MAX_DAYS} days")).into());
    }
    Ok(())
}

/// The usage of `tenant` over `from..=to`.
pub async fn run(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    from: Date,
    to: Date,
) -> Result<TenantUsage> {
    check_range(from, to)?;
    let tenant = load(ports, tenant).await?;
    actor.require(Permission::UsageView, Some(tenant.id))?;
    let today = ports.clock.now().date();
    let month = Month::of(today);
    let stored = ports.usage.daily(tenant.id, from, to).await?;
    let totals = UsageTotals::sum(&stored);
    let days = fill(tenant.id, from, to, stored);
    let month_to_date = ports.usage.totals(tenant.id, month.first_day(), today).await?;
    let quota = tenant.features.quotas.monthly_authentications;
    let quota_level = QuotaLevel::of(month_to_date.auth_attempts, quota);
    Ok(TenantUsage { tenant, from, to, days, totals, month, month_to_date, quota, quota_level })
}

/// Every day of `from..=to`, the stored ones (in date order) where there are some.
pub(crate) fn fill(tenant: TenantId, from: Date, to: Date, stored: Vec<DailyUsage>) -> Vec<DailyUsage> {
    let mut stored = stored.into_iter().peekable();
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        match stored.next_if(|d| d.day == day) {
            Some(d) => out.push(d),
            None => out.push(DailyUsage {
                tenant_id: tenant,
                day,
                auth_attempts: 0,
                auth_successes: 0,
                auth_failures: 0,
                active_users: 0,
                api_calls: 0,
                sms_sent: 0,
                emails_sent: 0,
                avg_response_ms: 0,
            }),
        }
        day += Duration::days(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantId, TenantScope, TenantStatus};
    use time::macros::date;
    use uuid::Uuid;

    fn acme() -> TenantRef {
        "acme".parse().expect("slug")
    }

    #[tokio::test]
    async fn fills_the_range_and_rates_the_month_against_the_quota() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.usage.expect_daily().returning(|id, _, _| {
            let mut d = DailyUsage {
                tenant_id: id,
                day: date!(2026 - 11 - 02),
                auth_attempts: 10,
                auth_successes: 10,
                auth_failures: 0,
                active_users: 1,
                api_calls: 0,
                sms_sent: 0,
                emails_sent: 0,
                avg_response_ms: 5,
            };
            d.auth_attempts = 10;
            Ok(vec![d])
        });
        m.usage.expect_totals().returning(|_, from, to| {
            assert_eq!((from, to), (date!(2026 - 11 - 01), date!(2026 - 11 - 21)));
            Ok(UsageTotals { auth_attempts: 10_000, ..UsageTotals::default() })
        });
        let u = run(&m.ports(), &cli(), &acme(), date!(2026 - 11 - 01), date!(2026 - 11 - 03))
            .await
            .expect("usage");
        assert_eq!(u.days.iter().map(|d| d.auth_attempts).collect::<Vec<_>>(), [0, 10, 0]);
        assert_eq!(u.totals.auth_attempts, 10);
        assert_eq!((u.quota, u.quota_level), (10_000, QuotaLevel::Reached));
    }

    #[tokio::test]
    async fn refuses_long_or_reversed_ranges_and_other_tenants() {
        let ports = MockPorts::new().ports();
        let err = run(&ports, &cli(), &acme(), date!(2026 - 01 - 01), date!(2027 - 01 - 02))
            .await
            .expect_err("367");
        assert_eq!(err.field(), Some("to"));
        let err = run(&ports, &cli(), &acme(), date!(2026 - 02 - 01), date!(2026 - 01 - 01))
            .await
            .expect_err("rev");
        assert_eq!(err.field(), Some("from"));
        assert!(check_range(date!(2024 - 01 - 01), date!(2024 - 12 - 31)).is_ok(), "366 days of a leap year");

        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let other = admin(Role::Support, TenantScope::Only([TenantId::from_uuid(Uuid::from_u128(1))].into()));
        let err = run(&m.ports(), &other, &acme(), date!(2026 - 11 - 01), date!(2026 - 11 - 02)).await;
        assert!(err.expect_err("403").is_forbidden());
    }
}
