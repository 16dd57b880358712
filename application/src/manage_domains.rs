//! Adding, removing and choosing the primary of a tenant's domains.

use gatehouse_domain::{Actor, AuditKind, Hostname, Permission, Tenant};

use crate::ports::Conflict;
use crate::tenant_ref::{TenantRef, load_expecting, save};
use crate::{Error, Ports, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    SetPrimary,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub tenant: TenantRef,
    pub action: Action,
    pub hostname: String,
    /// The version the caller last saw (a form's); `None` skips the check.
    pub expected_version: Option<i64>,
}

pub async fn run(ports: &Ports, actor: &Actor, req: Request) -> Result<Tenant> {
    let hostname = Hostname::parse(&req.hostname)?;
    let before = load_expecting(ports, &req.tenant, req.expected_version).await?;
    actor.require(Permission::TenantsUpdate, Some(before.id))?;
    let now = ports.clock.now();
    let mut after = before.clone();
    let kind = match req.action {
        Action::Add => {
            if let Some(owner) = ports.tenants.find_by_domain(&hostname).await?
                && owner != before.id
            {
                return Err(Error::Conflict(Conflict::DomainTaken(hostname.to_string())));
            }
            after.add_domain(hostname.clone(), now)?;
            AuditKind::DomainAdded
        }
        Action::Remove => {
            after.remove_domain(&hostname, now)?;
            AuditKind::DomainRemoved
        }
        Action::SetPrimary => {
            if after.primary_domain() == Some(&hostname) {
                return Ok(before);
            }
            after.set_primary_domain(&hostname, now)?;
            AuditKind::DomainPrimaryChanged
        }
    };
    save(ports, actor, kind, &before, after, Some(hostname.as_str())).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Change;
    use crate::testing::{MockPorts, cli, tenant};
    use gatehouse_domain::{TenantId, TenantStatus};

    fn req(action: Action, host: &str) -> Request {
        Request {
            tenant: "acme".parse().expect("slug"),
            action,
            hostname: host.into(),
            expected_version: None,
        }
    }

    #[tokio::test]
    async fn adds_a_free_domain() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.tenants.expect_find_by_domain().returning(|_| Ok(None));
        m.expect_commit(|w| {
            let [Change::UpdateTenant(t)] = &w.changes[..] else { panic!("one update") };
            assert_eq!(t.domains.len(), 3);
            assert_eq!(w.audit[0].kind, AuditKind::DomainAdded);
            assert_eq!(w.audit[0].reason.as_deref(), Some("xn--bcher-kva.example"));
        });
        run(&m.ports(), &cli(), req(Action::Add, "Bücher.example")).await.expect("added");
    }

    #[tokio::test]
    async fn refuses_another_tenants_domain_and_bad_hostnames() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.tenants.expect_find_by_domain().returning(|_| Ok(Some(TenantId::from_uuid(uuid::Uuid::nil()))));
        let ports = m.ports();
        let err = run(&ports, &cli(), req(Action::Add, "taken.example")).await.expect_err("taken");
        assert!(matches!(err, Error::Conflict(Conflict::DomainTaken(_))));
        let err = run(&ports, &cli(), req(Action::Add, "http://x")).await.expect_err("bad");
        assert_eq!(err.field(), Some("domain"));
        let err = run(&ports, &cli(), req(Action::Remove, "acme.example")).await.expect_err("primary");
        assert!(err.to_string().contains("primary"), "{err}");
    }

    #[tokio::test]
    async fn set_primary_on_the_primary_is_a_no_op() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let t = run(&m.ports(), &cli(), req(Action::SetPrimary, "acme.example")).await.expect("no-op");
        assert_eq!(t.version, 1);
    }
}
