//! One tenant with its month-to-date usage against its quota and its recent days of usage.
//!
//! The month to date and the recent days come from one read of the tenant's own daily rows
//! (at most 31, by primary key).

use gatehouse_domain::{
    Actor, ActorKind, AuditKind, DailyUsage, Month, Permission, QuotaLevel, Tenant, UsageTotals,
};
use serde::Serialize;
use time::Duration;

use crate::ports::Work;
use crate::tenant_ref::{TenantRef, event, load};
use crate::tenant_usage::fill;
use crate::{Ports, Result};

/// Days of usage drawn on the tenant page, today included.
pub const RECENT_DAYS: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct TenantDetails {
    pub tenant: Tenant,
    pub month: Month,
    pub month_to_date: UsageTotals,
    pub quota_level: QuotaLevel,
    /// Every day from the month's first or [`RECENT_DAYS`] days ago, whichever is earlier, to
    /// today, oldest first, zeros where nothing was recorded: the page's charts. Not part of
    /// the tenant's JSON (`tenants usage` reports any range).
    #[serde(skip)]
    pub recent_days: Vec<DailyUsage>,
}

pub async fn run(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<TenantDetails> {
    let tenant = load(ports, tenant).await?;
    actor.require(Permission::TenantsView, Some(tenant.id))?;
    let today = ports.clock.now().date();
    let month = Month::of(today);
    let from = (today - Duration::days(RECENT_DAYS - 1)).min(month.first_day());
    let stored = ports.usage.daily(tenant.id, from, today).await?;
    let month_to_date = UsageTotals::sum(stored.iter().filter(|d| d.day >= month.first_day()));
    let recent_days = fill(tenant.id, from, today, stored);
    let quota_level =
        QuotaLevel::of(month_to_date.auth_attempts, tenant.features.quotas.monthly_authentications);
    if matches!(actor.kind, ActorKind::Admin { .. }) {
        // Every look of a person at a tenant's data is on the record.
        let audit = event(ports, actor, AuditKind::TenantAccess, &tenant);
        ports.work.commit(Work { changes: vec![], audit: vec![audit] }).await?;
    }
    Ok(TenantDetails { tenant, month, month_to_date, quota_level, recent_days })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantScope, TenantStatus};
    use time::Date;
    use time::macros::date;

    fn day(d: Date, attempts: u64) -> DailyUsage {
        DailyUsage {
            tenant_id: tenant(TenantStatus::Active).id,
            day: d,
            auth_attempts: attempts,
            auth_successes: attempts,
            auth_failures: 0,
            active_users: 1,
            api_calls: 0,
            sms_sent: 0,
            emails_sent: 0,
            avg_response_ms: 5,
        }
    }

    /// Stored usage on 23 October (in the chart, not the month) and 2 and 20 November.
    fn usage(m: &mut MockPorts, november: u64) {
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.usage.expect_daily().times(1).returning(move |_, from, to| {
            // Today is 21 November: the chart's 30 days start on 23 October, before the month.
            assert_eq!((from, to), (date!(2026 - 10 - 23), date!(2026 - 11 - 21)));
            Ok(vec![
                day(date!(2026 - 10 - 23), 1_000),
                day(date!(2026 - 11 - 02), november / 2),
                day(date!(2026 - 11 - 20), november - november / 2),
            ])
        });
    }

    #[tokio::test]
    async fn reports_quota_level_for_the_month_and_thirty_days_from_one_read() {
        let mut m = MockPorts::new();
        usage(&mut m, 8_500);
        let d = run(&m.ports(), &cli(), &"acme".parse().expect("slug")).await.expect("shown");
        assert_eq!(d.month_to_date.auth_attempts, 8_500, "October's day is not in the month");
        assert_eq!(d.quota_level, QuotaLevel::Warning);
        assert_eq!(d.month.to_string(), "2026-11");
        assert_eq!(d.recent_days.len(), 30);
        assert_eq!(d.recent_days[0].day, date!(2026 - 10 - 23));
        assert_eq!(d.recent_days[0].auth_attempts, 1_000);
        assert_eq!(d.recent_days[29].day, date!(2026 - 11 - 21));
        let drawn: u64 = d.recent_days.iter().map(|d| d.auth_attempts).sum();
        assert_eq!(drawn, 9_500, "every stored day of the range, zeros elsewhere");
    }

    #[tokio::test]
    async fn an_admin_look_is_audited_as_tenant_access() {
        let mut m = MockPorts::new();
        usage(&mut m, 0);
        m.expect_commit(|w| {
            assert!(w.changes.is_empty());
            assert_eq!(w.audit[0].kind, AuditKind::TenantAccess);
        });
        run(&m.ports(), &admin(Role::Support, TenantScope::All), &"acme".parse().expect("slug"))
            .await
            .expect("shown");
    }
}
