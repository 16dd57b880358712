//! Row mapping of the panel's rollups: tenant counts, monthly usage per tenant, daily usage per
//! plan, billing rows, and the values and deltas the write paths keep them in step with.

use std::collections::BTreeMap;

use gatehouse_application::ports::{
    BillingRow, PlanDay, StoreError, TenantCount, TenantLabel, TenantMonthUsage,
};
use gatehouse_domain::{DailyUsage, Month, Plan, Tenant, TenantId, TenantStatus};
use time::Date;
use uuid::Uuid;

use super::{Counters, SystemRow, corrupt, count, unsigned};

/// The per-mille of its quota a tenant's month has used; the one formula the SQL repeats
/// (`auth_attempts * 1000 / auth_quota`, 1000 for a zero quota, which counts as reached).
pub fn quota_per_mille(attempts: i64, quota: i64) -> i64 {
    if quota <= 0 { 1000 } else { attempts.saturating_mul(1000) / quota }
}

/// The tenant's monthly authentication quota as stored in `tenants.auth_quota`.
pub fn auth_quota(t: &Tenant) -> Result<i64, StoreError> {
    count(t.features.quotas.monthly_authentications)
}

/// Changes to `tenant_counts`, by (status, plan): applied in key order, so two transactions
/// always lock the counter rows in the same order and cannot deadlock.
#[derive(Debug, Default)]
pub struct CountDeltas(BTreeMap<(&'static str, &'static str), i64>);

impl CountDeltas {
    /// One more tenant with `status` on `plan`.
    pub fn add(&mut self, status: TenantStatus, plan: Plan) {
        *self.0.entry((status.as_str(), plan.as_str())).or_default() += 1;
    }
    /// One tenant fewer with `status` on `plan`.
    pub fn remove(&mut self, status: TenantStatus, plan: Plan) {
        *self.0.entry((status.as_str(), plan.as_str())).or_default() -= 1;
    }
    /// The non-zero changes, in key order.
    pub fn changes(&self) -> impl Iterator<Item = (&'static str, &'static str, i64)> + '_ {
        self.0.iter().filter(|(_, n)| **n != 0).map(|((s, p), n)| (*s, *p, *n))
    }
}

/// What adding new usage days adds to one tenant's month (the bulk path: the days are new rows,
/// so their sums are exactly what a recomputation would add).
#[derive(Debug, Clone)]
pub struct MonthDelta {
    pub tenant_id: Uuid,
    pub month: String,
    pub days: i64,
    pub counters: Counters,
    pub peak_active_users: i64,
    pub plan: &'static str,
    pub auth_quota: i64,
}

impl MonthDelta {
    /// The months of `days`, per tenant and month; `tenant` gives each tenant's plan and quota.
    pub fn of_new_days(
        days: &[DailyUsage],
        tenant: impl Fn(TenantId) -> (Plan, i64),
    ) -> Result<Vec<MonthDelta>, StoreError> {
        let mut by_month: BTreeMap<(Uuid, String), MonthDelta> = BTreeMap::new();
        for d in days {
            let c = Counters::of(d)?;
            let month = Month::of(d.day).to_string();
            let delta = by_month.entry((d.tenant_id.as_uuid(), month.clone())).or_insert_with(|| {
                let (plan, auth_quota) = tenant(d.tenant_id);
                MonthDelta {
                    tenant_id: d.tenant_id.as_uuid(),
                    month,
                    days: 0,
                    counters: Counters::default(),
                    peak_active_users: 0,
                    plan: plan.as_str(),
                    auth_quota,
                }
            });
            delta.days += 1;
            delta.counters.add(c);
            delta.peak_active_users = delta.peak_active_users.max(c.active_users);
        }
        Ok(by_month.into_values().collect())
    }

    /// The quota per mille of this delta alone (for a month that had no row yet).
    pub fn per_mille(&self) -> i64 {
        quota_per_mille(self.counters.auth_attempts, self.auth_quota)
    }
}

/// The system-wide change per (day, plan) of adding all of `days` (all new tenant-days); days
/// of tenants `plan_of` does not know are left out.
pub fn sum_by_day_and_plan(
    days: &[DailyUsage],
    plan_of: impl Fn(TenantId) -> Option<Plan>,
) -> Result<BTreeMap<(Date, &'static str), Counters>, StoreError> {
    let mut out: BTreeMap<(Date, &'static str), Counters> = BTreeMap::new();
    for d in days {
        if let Some(plan) = plan_of(d.tenant_id) {
            out.entry((d.day, plan.as_str())).or_default().add(Counters::of(d)?);
        }
    }
    Ok(out)
}

/// A `tenant_counts` row.
#[derive(Debug, sqlx::FromRow)]
pub struct TenantCountRow {
    pub status: String,
    pub plan: String,
    pub tenants: i64,
}

impl TryFrom<TenantCountRow> for TenantCount {
    type Error = StoreError;
    fn try_from(r: TenantCountRow) -> Result<Self, StoreError> {
        Ok(TenantCount {
            status: r.status.parse().map_err(|e| corrupt("status", e))?,
            plan: r.plan.parse().map_err(|e| corrupt("plan", e))?,
            tenants: unsigned("tenants", r.tenants)?,
        })
    }
}

/// The tenant columns of a panel row (`t.id, t.name, t.slug, t.plan, t.status`).
#[derive(Debug, sqlx::FromRow)]
pub struct LabelRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: String,
    pub status: String,
}

impl TryFrom<LabelRow> for TenantLabel {
    type Error = StoreError;
    fn try_from(r: LabelRow) -> Result<Self, StoreError> {
        Ok(TenantLabel {
            id: TenantId::from_uuid(r.id),
            name: r.name,
            slug: r.slug,
            plan: r.plan.parse().map_err(|e| corrupt("plan", e))?,
            status: r.status.parse().map_err(|e| corrupt("status", e))?,
        })
    }
}

/// A `usage_tenant_monthly` row with its tenant, read with [`MONTH_USAGE`].
#[derive(Debug, sqlx::FromRow)]
pub struct MonthUsageRow {
    #[sqlx(flatten)]
    pub tenant: LabelRow,
    pub month: String,
    pub auth_attempts: i64,
    pub auth_successes: i64,
    pub auth_failures: i64,
    pub api_calls: i64,
    pub auth_quota: i64,
}

/// The columns of [`MonthUsageRow`], from `usage_tenant_monthly m JOIN tenants t`.
pub const MONTH_USAGE: &str = "t.id, t.name, t.slug, t.plan, t.status, m.month, m.auth_attempts, \
    m.auth_successes, m.auth_failures, m.api_calls, m.auth_quota";

impl TryFrom<MonthUsageRow> for TenantMonthUsage {
    type Error = StoreError;
    fn try_from(r: MonthUsageRow) -> Result<Self, StoreError> {
        Ok(TenantMonthUsage {
            tenant: r.tenant.try_into()?,
            month: r.month.parse().map_err(|e| corrupt("month", e))?,
            auth_attempts: unsigned("auth_attempts", r.auth_attempts)?,
            auth_successes: unsigned("auth_successes", r.auth_successes)?,
            auth_failures: unsigned("auth_failures", r.auth_failures)?,
            api_calls: unsigned("api_calls", r.api_calls)?,
            quota: unsigned("auth_quota", r.auth_quota)?,
        })
    }
}

/// A `usage_plan_daily` row.
#[derive(Debug, sqlx::FromRow)]
pub struct PlanDayRow {
    pub plan: String,
    #[sqlx(flatten)]
    pub counters: SystemRow,
}

impl TryFrom<PlanDayRow> for PlanDay {
    type Error = StoreError;
    fn try_from(r: PlanDayRow) -> Result<Self, StoreError> {
        let plan = r.plan.parse().map_err(|e| corrupt("plan", e))?;
        let (day, totals) = r.counters.into_totals()?;
        Ok(PlanDay { day, plan, totals })
    }
}

/// A billing row: the tenant, and its month's plan, quota and attempts where it had usage.
#[derive(Debug, sqlx::FromRow)]
pub struct BillingRowRow {
    #[sqlx(flatten)]
    pub tenant: LabelRow,
    pub month_plan: Option<String>,
    pub included: i64,
    pub used: i64,
}

impl TryFrom<BillingRowRow> for BillingRow {
    type Error = StoreError;
    fn try_from(r: BillingRowRow) -> Result<Self, StoreError> {
        let tenant: TenantLabel = r.tenant.try_into()?;
        let plan = match r.month_plan {
            Some(p) => p.parse().map_err(|e| corrupt("plan", e))?,
            None => tenant.plan,
        };
        Ok(BillingRow {
            tenant,
            plan,
            included: unsigned("included", r.included)?,
            used: unsigned("used", r.used)?,
        })
    }
}
