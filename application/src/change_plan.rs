//! Moving a tenant to another plan: what the new plan forbids is switched off and reported.

use gatehouse_domain::{Actor, AuditKind, Permission, Plan, SwitchedOff, Tenant};
use serde::Serialize;

use crate::tenant_ref::{TenantRef, load, load_expecting, save_with};
use crate::{Ports, Result};

#[derive(Debug, Clone)]
pub struct Request {
    pub tenant: TenantRef,
    pub plan: Plan,
    /// The version the caller last saw (a form's); `None` skips the check.
    pub expected_version: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub tenant: Tenant,
    /// What the new plan switched off or lowered; empty when nothing was lost.
    pub switched_off: Vec<SwitchedOff>,
}

/// What moving to `plan` would switch off, without changing anything (for confirmation pages).
pub async fn preview(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    plan: Plan,
) -> Result<Vec<SwitchedOff>> {
    let t = load(ports, tenant).await?;
    actor.require(Permission::TenantsView, Some(t.id))?;
    Ok(t.features.restrict_to(plan).1)
}

pub async fn run(ports: &Ports, actor: &Actor, req: Request) -> Result<Outcome> {
    let before = load_expecting(ports, &req.tenant, req.expected_version).await?;
    actor.require(Permission::TenantsUpdate, Some(before.id))?;
    if before.plan == req.plan {
        return Ok(Outcome { tenant: before, switched_off: Vec::new() });
    }
    let mut after = before.clone();
    let switched_off = after.change_plan(req.plan, ports.clock.now());
    let reason = format!("plan {} → {}", before.plan, req.plan);
    let outbox = crate::notify::tenant_changed(ports, &before, &after);
    let tenant =
        save_with(ports, actor, AuditKind::TenantPlanChanged, (&before, after), Some(&reason), outbox)
            .await?;
    Ok(Outcome { tenant, switched_off })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Change;
    use crate::testing::{MockPorts, cli, tenant};
    use gatehouse_domain::{Features, MfaMethod, TenantStatus};

    #[tokio::test]
    async fn downgrade_switches_off_and_saves_valid_features() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| {
            let mut t = tenant(TenantStatus::Active);
            t.plan = Plan::Premium;
            t.features = Features::default_for(Plan::Premium);
            Ok(Some(t))
        });
        m.expect_commit(|w| {
            let [Change::UpdateTenant(t), Change::Enqueue(mail), Change::Enqueue(_push)] = &w.changes[..]
            else {
                panic!("an update, a notification and a push")
            };
            assert_eq!(mail.notification, Some(gatehouse_domain::NotificationKind::PlanChanged));
            assert_eq!(t.plan, Plan::Free);
            assert_eq!(t.features.validate(Plan::Free), Ok(()));
            assert_eq!(w.audit[0].kind, AuditKind::TenantPlanChanged);
        });
        let req = Request { tenant: "acme".parse().expect("slug"), plan: Plan::Free, expected_version: None };
        let out = run(&m.ports(), &cli(), req).await.expect("changed");
        assert!(out.switched_off.contains(&SwitchedOff::Method { method: MfaMethod::Sms }));
    }

    #[tokio::test]
    async fn same_plan_writes_nothing() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let req =
            Request { tenant: "acme".parse().expect("slug"), plan: Plan::Basic, expected_version: None };
        let out = run(&m.ports(), &cli(), req).await.expect("no-op");
        assert!(out.switched_off.is_empty());
    }
}
