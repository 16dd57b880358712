//! Usage counters, and the bulk path used to seed demo data.

use async_trait::async_trait;
use gatehouse_domain::{AuditEvent, DailyUsage, Tenant, TenantId, UsageTotals};
use time::Date;

use super::StoreError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageRepository: Send + Sync {
    /// Inserts or replaces each tenant-day (idempotent: recording the same day twice leaves one
    /// row), keeping the system-wide daily totals in step.
    async fn record(&self, days: &[DailyUsage]) -> Result<(), StoreError>;
    /// A tenant's days in `from..=to`, oldest first.
    async fn daily(&self, tenant: TenantId, from: Date, to: Date) -> Result<Vec<DailyUsage>, StoreError>;
    /// A tenant's counters summed over `from..=to`.
    async fn totals(&self, tenant: TenantId, from: Date, to: Date) -> Result<UsageTotals, StoreError>;
    /// All tenants' counters per day over `from..=to` (from the pre-aggregated system totals),
    /// oldest first, as `(day, totals of that day)`.
    async fn system_daily(&self, from: Date, to: Date) -> Result<Vec<(Date, UsageTotals)>, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BulkLoader: Send + Sync {
    /// Inserts many new tenants and their usage as fast as the database allows (used by
    /// `demo seed`), keeping the system-wide daily totals in step, and appends `audit` to the
    /// log — all in one transaction.
    async fn load(
        &self,
        tenants: &[Tenant],
        usage: &[DailyUsage],
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError>;
}
