//! Editing a tenant's profile: its display name and contact e-mail. The slug, the id and the
//! domains stay (they are how the tenant is addressed; domains have their own use case).

use gatehouse_domain::{Actor, AuditKind, Email, Permission, Tenant, TenantName, ValidationError};

use crate::Result;
use crate::tenant_ref::{TenantRef, load_expecting, save};

/// The fields to change; `None` leaves one as it is.
#[derive(Debug, Clone)]
pub struct Request {
    pub tenant: TenantRef,
    pub name: Option<String>,
    pub contact_email: Option<String>,
    /// The version the caller last saw; `None` skips the check.
    pub expected_version: Option<i64>,
}

pub async fn run(ports: &crate::Ports, actor: &Actor, req: Request) -> Result<Tenant> {
    let before = load_expecting(ports, &req.tenant, req.expected_version).await?;
    actor.require(Permission::TenantsUpdate, Some(before.id))?;
    let mut after = before.clone();
    if let Some(name) = &req.name {
        after.name = TenantName::parse(name)?;
    }
    if let Some(email) = &req.contact_email {
        // Named after the field the caller filled in, not the type.
        after.contact_email =
            Email::parse(email).map_err(|e| ValidationError { field: "contact_email", ..e })?;
    }
    if after == before {
        return Ok(before);
    }
    after.updated_at = ports.clock.now();
    save(ports, actor, AuditKind::TenantUpdated, &before, after, None).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Change;
    use crate::testing::{MockPorts, cli, tenant};
    use gatehouse_domain::TenantStatus;

    fn req(name: Option<&str>, email: Option<&str>) -> Request {
        Request {
            tenant: "acme".parse().expect("slug"),
            name: name.map(str::to_owned),
            contact_email: email.map(str::to_owned),
            expected_version: None,
        }
    }

    #[tokio::test]
    async fn renames_and_audits() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.expect_commit(|w| {
            let [Change::UpdateTenant(t)] = &w.changes[..] else { panic!("one update") };
            assert_eq!(t.name.as_str(), "Acme Two");
            assert_eq!(w.audit[0].kind, AuditKind::TenantUpdated);
        });
        let t = run(&m.ports(), &cli(), req(Some("Acme Two"), None)).await.expect("renamed");
        assert_eq!(t.name.as_str(), "Acme Two");
    }

    #[tokio::test]
    async fn bad_input_and_no_change_write_nothing() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let ports = m.ports();
        let err = run(&ports, &cli(), req(None, Some("not-an-email"))).await.expect_err("bad e-mail");
        assert_eq!(err.field(), Some("contact_email"));
        let err = run(&ports, &cli(), req(Some("  "), None)).await.expect_err("blank name");
        assert_eq!(err.field(), Some("name"));
        let same = run(&ports, &cli(), req(None, None)).await.expect("nothing to do");
        assert_eq!(same.version, 1);
    }
}
