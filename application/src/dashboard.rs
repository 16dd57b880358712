//! The panel's front page: health, tenant counts, the last 30 days of traffic, this month's
//! busiest tenants and those near their quota, and the newest security events.
//!
//! Every figure comes from a pre-aggregated rollup (counter tables, the system and monthly
//! usage rollups, indexed audit kinds), so the page costs a handful of index lookups whatever
//! the number of tenants. It must not read per-tenant daily rows.

use gatehouse_domain::{Actor, AuditKind, AuditRecord, Month, Permission, Plan, TenantStatus, UsageTotals};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};

use crate::ports::{ComponentStatus, ProcessStats, TenantCount, TenantMonthUsage};
use crate::{Ports, Result};

/// Days of traffic on the dashboard's chart, today included.
pub const SERIES_DAYS: i64 = 30;
/// How many of the busiest tenants the dashboard lists.
pub const TOP_TENANTS: u32 = 10;
/// How many tenants near or over their quota the dashboard lists at most.
pub const NEAR_QUOTA: u32 = 20;
/// How many security events the dashboard lists.
pub const SECURITY_EVENTS: u32 = 10;

/// The audit kinds shown as security events: authentication, suspected hijacks, denials.
pub const SECURITY_KINDS: &[AuditKind] = &[
    AuditKind::AuthnLoginSuccess,
    AuditKind::AuthnLoginFail,
    AuditKind::AuthnLoginLocked,
    AuditKind::AuthnAccountUnlocked,
    AuditKind::Authn2faSuccess,
    AuditKind::Authn2faFail,
    AuditKind::Authn2faReplay,
    AuditKind::Authn2faEnabled,
    AuditKind::Authn2faDisabled,
    AuditKind::Authn2faReset,
    AuditKind::AuthnRecoveryCodeUsed,
    AuditKind::AuthnRecoveryCodesRegenerated,
    AuditKind::AuthnPasswordChanged,
    AuditKind::SessionHijackSuspected,
    AuditKind::AuthzFail,
];

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    pub health: Health,
    pub counts: TenantCounts,
    /// The last [`SERIES_DAYS`] days, oldest first, every day present (zeros where none).
    pub series: Vec<DayPoint>,
    /// The month of the two tenant lists (the current UTC month).
    pub month: Month,
    /// The busiest tenants of the month, most attempts first.
    pub top_tenants: Vec<TenantMonthUsage>,
    /// Tenants at 80 % of their quota or more this month, fullest first.
    pub near_quota: Vec<TenantMonthUsage>,
    /// The newest security events; `None` when the actor may not read the audit trail.
    pub security_events: Option<Vec<AuditRecord>>,
}

/// Health of the parts Gatehouse depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub database: ComponentStatus,
    pub upstream: ComponentStatus,
    pub smtp: ComponentStatus,
    pub process: ProcessStats,
}

impl Health {
    /// Asks every dependency now.
    pub(crate) async fn probe(ports: &Ports) -> Health {
        Health {
            database: ports.probe.database().await,
            upstream: ports.probe.upstream().await,
            smtp: ports.probe.smtp().await,
            process: ports.probe.process(),
        }
    }
}

/// Tenants by status and by plan; every status and every plan is listed, zeros included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantCounts {
    pub total: u64,
    pub by_status: Vec<(TenantStatus, u64)>,
    pub by_plan: Vec<(Plan, u64)>,
}

impl TenantCounts {
    /// Folds the (status, plan) cells of the counter table.
    pub fn of(cells: &[TenantCount]) -> Self {
        let by_status = TenantStatus::ALL
            .iter()
            .map(|s| (*s, cells.iter().filter(|c| c.status == *s).map(|c| c.tenants).sum()))
            .collect();
        let by_plan = Plan::ALL
            .iter()
            .map(|p| (*p, cells.iter().filter(|c| c.plan == *p).map(|c| c.tenants).sum()))
            .collect();
        TenantCounts { total: cells.iter().map(|c| c.tenants).sum(), by_status, by_plan }
    }
}

/// One day of system-wide traffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayPoint {
    pub day: Date,
    pub auth_attempts: u64,
    pub auth_successes: u64,
    pub auth_failures: u64,
    pub api_calls: u64,
    /// Successes per attempt, in percent; `None` on a day without attempts.
    pub success_rate: Option<f64>,
    pub avg_response_ms: u32,
}

impl DayPoint {
    /// The point of `day` from its totals.
    pub fn of(day: Date, t: &UsageTotals) -> Self {
        DayPoint {
            day,
            auth_attempts: t.auth_attempts,
            auth_successes: t.auth_successes,
            auth_failures: t.auth_failures,
            api_calls: t.api_calls,
            success_rate: t.success_rate(),
            avg_response_ms: t.avg_response_ms,
        }
    }
}

/// `from..=to`, every day present, zeros where `days` has none (`days` in date order).
pub fn fill_days(from: Date, to: Date, days: &[(Date, UsageTotals)]) -> Vec<DayPoint> {
    let empty = UsageTotals::default();
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let totals = days.iter().find(|(d, _)| *d == day).map_or(&empty, |(_, t)| t);
        out.push(DayPoint::of(day, totals));
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// Builds the dashboard (needs `usage:view`; security events also need `audit:view`). An
/// admin limited to some tenants sees only those in the tenant lists; counts and traffic are
/// platform-wide totals that name no tenant.
pub async fn run(ports: &Ports, actor: &Actor) -> Result<Dashboard> {
    actor.require(Permission::UsageView, None)?;
    let generated_at = ports.clock.now();
    let today = generated_at.date();
    let from = today - Duration::days(SERIES_DAYS - 1);
    let month = Month::of(today);

    let health = Health::probe(ports).await;
    let counts = TenantCounts::of(&ports.panel.tenant_counts().await?);
    let series = fill_days(from, today, &ports.usage.system_daily(from, today).await?);
    let in_scope = |u: &TenantMonthUsage| actor.scope.includes(u.tenant.id);
    let mut top_tenants = ports.panel.top_tenants(month, TOP_TENANTS).await?;
    top_tenants.retain(in_scope);
    let mut near_quota = ports.panel.near_quota(month, NEAR_QUOTA).await?;
    near_quota.retain(in_scope);
    let security_events = if actor.require(Permission::AuditView, None).is_ok() {
        Some(ports.audit.recent(SECURITY_KINDS, SECURITY_EVENTS).await?)
    } else {
        None
    };
    Ok(Dashboard { generated_at, health, counts, series, month, top_tenants, near_quota, security_events })
}

#[cfg(test)]
mod tests {
    use std::time::Duration as StdDuration;

    use super::*;
    use crate::ports::{TenantLabel, TenantMonthUsage};
    use crate::testing::{MockPorts, NOW, admin, cli};
    use gatehouse_domain::{Role, TenantId, TenantScope};
    use time::macros::date;
    use uuid::Uuid;

    fn month_usage(n: u128, attempts: u64, quota: u64) -> TenantMonthUsage {
        TenantMonthUsage {
            tenant: TenantLabel {
                id: TenantId::from_uuid(Uuid::from_u128(n)),
                name: format!("T{n}"),
                slug: format!("t-{n}"),
                plan: Plan::Basic,
                status: TenantStatus::Active,
            },
            month: Month::of(NOW.date()),
            auth_attempts: attempts,
            auth_successes: attempts,
            auth_failures: 0,
            api_calls: 0,
            quota,
        }
    }

    fn mocks() -> MockPorts {
        let mut m = MockPorts::new();
        m.probe.expect_database().returning(|| ComponentStatus::Up { latency: StdDuration::from_millis(1) });
        m.probe.expect_upstream().returning(|| ComponentStatus::NotConfigured);
        m.probe.expect_smtp().returning(|| ComponentStatus::NotConfigured);
        m.probe
            .expect_process()
            .returning(|| ProcessStats { uptime: StdDuration::from_secs(5), resident_memory_bytes: Some(1) });
        m.panel.expect_tenant_counts().returning(|| {
            Ok(vec![
                TenantCount { status: TenantStatus::Active, plan: Plan::Basic, tenants: 3 },
                TenantCount { status: TenantStatus::Pending, plan: Plan::Basic, tenants: 2 },
                TenantCount { status: TenantStatus::Active, plan: Plan::Free, tenants: 1 },
            ])
        });
        m.usage.expect_system_daily().returning(|from, to| {
            assert_eq!((from, to), (date!(2026 - 10 - 23), date!(2026 - 11 - 21)));
            let day = UsageTotals {
                auth_attempts: 10,
                auth_successes: 9,
                auth_failures: 1,
                ..UsageTotals::default()
            };
            Ok(vec![(date!(2026 - 11 - 20), day)])
        });
        m.panel
            .expect_top_tenants()
            .withf(|month, limit| month.to_string() == "2026-11" && *limit == TOP_TENANTS)
            .returning(|_, _| Ok(vec![month_usage(1, 500, 1_000), month_usage(2, 100, 10_000)]));
        m.panel
            .expect_near_quota()
            .withf(|_, limit| *limit == NEAR_QUOTA)
            .returning(|_, _| Ok(vec![month_usage(3, 1_200, 1_000)]));
        m
    }

    #[tokio::test]
    async fn folds_counts_fills_the_series_and_reads_security_events() {
        let mut m = mocks();
        m.audit
            .expect_recent()
            .withf(|kinds, limit| kinds.contains(&AuditKind::AuthzFail) && *limit == SECURITY_EVENTS)
            .times(1)
            .returning(|_, _| Ok(vec![]));
        let d = run(&m.ports(), &cli()).await.expect("dashboard");
        assert_eq!(d.counts.total, 6);
        assert!(d.counts.by_status.contains(&(TenantStatus::Active, 4)));
        assert!(d.counts.by_status.contains(&(TenantStatus::Cancelled, 0)));
        assert!(d.counts.by_plan.contains(&(Plan::Basic, 5)));
        assert_eq!(d.series.len(), 30);
        assert_eq!(d.series[28].success_rate, Some(90.0));
        assert_eq!(d.series[29].success_rate, None);
        assert_eq!(d.top_tenants.len(), 2);
        assert_eq!(d.near_quota[0].level(), gatehouse_domain::QuotaLevel::Reached);
        assert_eq!(d.health.upstream, ComponentStatus::NotConfigured);
        assert_eq!(d.security_events, Some(vec![]));
    }

    #[tokio::test]
    async fn scoped_admins_see_their_tenants_only_and_no_audit_without_permission() {
        let m = mocks();
        let mine = TenantId::from_uuid(Uuid::from_u128(2));
        let support = admin(Role::Support, TenantScope::Only([mine].into()));
        let d = run(&m.ports(), &support).await.expect("dashboard");
        assert_eq!(d.top_tenants.iter().map(|u| u.tenant.id).collect::<Vec<_>>(), [mine]);
        assert!(d.near_quota.is_empty());
        assert_eq!(d.security_events, None);
    }

    #[tokio::test]
    async fn needs_usage_view() {
        let mut nobody = cli();
        nobody.permissions.clear();
        assert!(run(&MockPorts::new().ports(), &nobody).await.expect_err("403").is_forbidden());
    }
}
