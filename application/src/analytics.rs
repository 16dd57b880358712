//! Usage per plan over one month: a daily series per plan and the month's totals per plan
//! (needs `usage:view`), from the per-plan daily rollup — never from per-tenant rows.

use gatehouse_domain::{Actor, Month, Permission, Plan, UsageTotals, ValidationError};
use serde::Serialize;
use time::Date;

use crate::dashboard::{DayPoint, fill_days};
use crate::{Ports, Result};

/// The analytics of one month.
#[derive(Debug, Clone, Serialize)]
pub struct Analytics {
    pub month: Month,
    /// The first and last day covered: the whole month, or up to today for the current one.
    pub from: Date,
    pub to: Date,
    /// One entry per plan, in catalogue order.
    pub plans: Vec<PlanAnalytics>,
}

/// One plan's month.
#[derive(Debug, Clone, Serialize)]
pub struct PlanAnalytics {
    pub plan: Plan,
    /// Every day of the period, oldest first.
    pub days: Vec<DayPoint>,
    /// The month's counters summed; `avg_response_ms` is weighted by attempts, and
    /// `peak_active_users` is the busiest day's sum of active users.
    pub totals: UsageTotals,
    /// Successes per attempt over the month, in percent.
    pub success_rate: Option<f64>,
}

/// Refuses a month that has not begun.
pub fn check_month(month: Month, today: Date) -> Result<()> {
    if month > Month::of(today) {
        return Err(ValidationError::new("month", format!("{month} is in the future")).into());
    }
    Ok(())
}

/// The analytics of `month`.
pub async fn run(ports: &Ports, actor: &Actor, month: Month) -> Result<Analytics> {
    actor.require(Permission::UsageView, None)?;
    let today = ports.clock.now().date();
    check_month(month, today)?;
    let from = month.first_day();
    let to = month.last_day().min(today);
    let rows = ports.panel.plan_daily(from, to).await?;
    let plans = Plan::ALL
        .iter()
        .map(|plan| {
            let days: Vec<(Date, UsageTotals)> =
                rows.iter().filter(|r| r.plan == *plan).map(|r| (r.day, r.totals)).collect();
            let totals = UsageTotals::combine(rows.iter().filter(|r| r.plan == *plan).map(|r| r.totals));
            PlanAnalytics {
                plan: *plan,
                days: fill_days(from, to, &days),
                success_rate: totals.success_rate(),
                totals,
            }
        })
        .collect();
    Ok(Analytics { month, from, to, plans })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::PlanDay;
    use crate::testing::{MockPorts, cli};
    use time::macros::date;

    fn day(d: Date, plan: Plan, attempts: u64, ms: u32) -> PlanDay {
        PlanDay {
            day: d,
            plan,
            totals: UsageTotals {
                days: 1,
                auth_attempts: attempts,
                auth_successes: attempts / 2,
                auth_failures: attempts / 2,
                avg_response_ms: ms,
                ..UsageTotals::default()
            },
        }
    }

    #[tokio::test]
    async fn series_and_totals_per_plan_up_to_today() {
        let mut m = MockPorts::new();
        m.panel.expect_plan_daily().times(1).returning(|from, to| {
            assert_eq!((from, to), (date!(2026 - 11 - 01), date!(2026 - 11 - 21)));
            Ok(vec![
                day(date!(2026 - 11 - 01), Plan::Basic, 100, 10),
                day(date!(2026 - 11 - 02), Plan::Basic, 300, 30),
                day(date!(2026 - 11 - 02), Plan::Free, 4, 1),
            ])
        });
        let a = run(&m.ports(), &cli(), "2026-11".parse().expect("month")).await.expect("analytics");
        assert_eq!(a.plans.len(), 4);
        let basic = &a.plans[1];
        assert_eq!((basic.plan, basic.days.len()), (Plan::Basic, 21));
        assert_eq!((basic.totals.auth_attempts, basic.totals.avg_response_ms), (400, 25));
        assert_eq!(basic.success_rate, Some(50.0));
        assert_eq!(a.plans[3].totals.auth_attempts, 0);
    }

    #[tokio::test]
    async fn a_past_month_is_whole_and_a_future_one_refused() {
        let mut m = MockPorts::new();
        m.panel.expect_plan_daily().returning(|from, to| {
            assert_eq!((from, to), (date!(2026 - 02 - 01), date!(2026 - 02 - 28)));
            Ok(vec![])
        });
        let ports = m.ports();
        run(&ports, &cli(), "2026-02".parse().expect("month")).await.expect("february");
        let err = run(&ports, &cli(), "2026-12".parse().expect("month")).await.expect_err("future");
        assert_eq!(err.field(), Some("month"));
    }
}
