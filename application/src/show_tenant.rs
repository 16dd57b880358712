//! One tenant with its month-to-date usage against its quota.

use gatehouse_domain::{Actor, ActorKind, AuditKind, Month, Permission, QuotaLevel, Tenant, UsageTotals};
use serde::Serialize;

use crate::ports::Work;
use crate::tenant_ref::{TenantRef, event, load};
use crate::{Ports, Result};

#[derive(Debug, Clone, Serialize)]
pub struct TenantDetails {
    pub tenant: Tenant,
    pub month: Month,
    pub month_to_date: UsageTotals,
    pub quota_level: QuotaLevel,
}

pub async fn run(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<TenantDetails> {
    let tenant = load(ports, tenant).await?;
    actor.require(Permission::TenantsView, Some(tenant.id))?;
    let today = ports.clock.now().date();
    let month = Month::of(today);
    let month_to_date = ports.usage.totals(tenant.id, month.first_day(), today).await?;
    let quota_level =
        QuotaLevel::of(month_to_date.auth_attempts, tenant.features.quotas.monthly_authentications);
    if matches!(actor.kind, ActorKind::Admin { .. }) {
        // Every look of a person at a tenant's data is on the record.
        let audit = event(ports, actor, AuditKind::TenantAccess, &tenant);
        ports.work.commit(Work { changes: vec![], audit: vec![audit] }).await?;
    }
    Ok(TenantDetails { tenant, month, month_to_date, quota_level })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantScope, TenantStatus};

    fn usage(m: &mut MockPorts, attempts: u64) {
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.usage.expect_totals().returning(move |_, from, to| {
            assert_eq!((from.day(), to.day()), (1, 21));
            Ok(UsageTotals { auth_attempts: attempts, ..UsageTotals::default() })
        });
    }

    #[tokio::test]
    async fn reports_quota_level_for_the_month() {
        let mut m = MockPorts::new();
        usage(&mut m, 8_500);
        let d = run(&m.ports(), &cli(), &"acme".parse().expect("slug")).await.expect("shown");
        assert_eq!(d.quota_level, QuotaLevel::Warning);
        assert_eq!(d.month.to_string(), "2026-11");
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
