//! Read models of the admin panel: the dashboard, analytics and billing read pre-aggregated
//! rollups through this port and never scan the per-tenant daily rows.
//!
//! A port of its own rather than more methods on [`TenantRepository`](super::TenantRepository)
//! or [`UsageRepository`](super::UsageRepository): every query here joins tenants and usage
//! (a projection over both aggregates, maintained by the storage adapter when either is
//! written), the two repositories stay small, and the use cases that only need one of them keep
//! their mocks free of expectations they never use.

use async_trait::async_trait;
use gatehouse_domain::{Month, Plan, QuotaLevel, TenantId, TenantStatus, UsageTotals};
use serde::Serialize;
use time::Date;

use super::StoreError;

/// How many tenants have one status on one plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TenantCount {
    pub status: TenantStatus,
    pub plan: Plan,
    pub tenants: u64,
}

/// Who a panel row is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantLabel {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    pub status: TenantStatus,
}

/// One tenant's usage of one month against its monthly authentication quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantMonthUsage {
    pub tenant: TenantLabel,
    pub month: Month,
    pub auth_attempts: u64,
    pub auth_successes: u64,
    pub auth_failures: u64,
    pub api_calls: u64,
    /// The tenant's monthly authentication quota when its usage or quota last changed.
    pub quota: u64,
}

impl TenantMonthUsage {
    /// How close the month's attempts are to the quota.
    pub fn level(&self) -> QuotaLevel {
        QuotaLevel::of(self.auth_attempts, self.quota)
    }

    /// Attempts as a percentage of the quota (`None` for a zero quota).
    #[expect(clippy::cast_precision_loss, reason = "a percentage needs no more than f64's 52 bits")]
    pub fn percent_of_quota(&self) -> Option<f64> {
        (self.quota > 0).then(|| self.auth_attempts as f64 / self.quota as f64 * 100.0)
    }
}

/// One plan's counters on one day (every tenant on that plan when the usage was written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanDay {
    pub day: Date,
    pub plan: Plan,
    /// `peak_active_users` holds the day's active users summed over the plan's tenants.
    pub totals: UsageTotals,
}

/// The raw material of one tenant's bill for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingRow {
    pub tenant: TenantLabel,
    /// The plan billed: the one recorded with the month's usage, else the tenant's current plan.
    pub plan: Plan,
    /// The included authentications: the tenant's monthly quota (recorded with the month's
    /// usage, else the current one).
    pub included: u64,
    /// Authentication attempts of the month (successes and failures alike).
    pub used: u64,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PanelQueries: Send + Sync {
    /// Tenants per (status, plan) pair that has any; from a counter table, not a scan.
    async fn tenant_counts(&self) -> Result<Vec<TenantCount>, StoreError>;
    /// The `limit` tenants with most authentication attempts in `month`, most first (ties by id).
    async fn top_tenants(&self, month: Month, limit: u32) -> Result<Vec<TenantMonthUsage>, StoreError>;
    /// Up to `limit` tenants at 80 % of their quota or more in `month`, closest to (or furthest
    /// over) their quota first (ties by id).
    async fn near_quota(&self, month: Month, limit: u32) -> Result<Vec<TenantMonthUsage>, StoreError>;
    /// Per-plan counters per day over `from..=to`, by day then plan; days and plans without
    /// usage are absent.
    async fn plan_daily(&self, from: Date, to: Date) -> Result<Vec<PlanDay>, StoreError>;
    /// One page of `month`'s billing rows by tenant id, after `after` (keyset paging): every
    /// tenant created by the end of the month that had usage in it, or is active or suspended
    /// on a paid plan.
    async fn billing_page(
        &self,
        month: Month,
        after: Option<TenantId>,
        limit: u32,
    ) -> Result<Vec<BillingRow>, StoreError>;
}
