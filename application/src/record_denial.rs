//! Recording a refused permission (`authz_fail`, S26): the web layer calls this when a use case
//! answers `Forbidden`, so every 403 leaves an audit row naming who tried what.

use gatehouse_domain::{Actor, AuditEvent, AuditKind, DomainError, Outcome};

use crate::ports::Work;
use crate::{Error, Ports, Result};

/// Appends an `authz_fail` event for `err` if it is a permission denial; `action` says what was
/// attempted (a route, a command).
pub async fn run(
    ports: &Ports,
    actor: &Actor,
    err: &Error,
    action: &str,
    ip: &str,
    user_agent: &str,
) -> Result<()> {
    let Error::Domain(DomainError::Forbidden { permission, tenant }) = err else {
        return Ok(());
    };
    let mut audit =
        AuditEvent::new(ports.ids.new_id(), ports.clock.now(), AuditKind::AuthzFail, actor, Outcome::Denied)
            .client(ip, user_agent)
            .reason(format!("{action}: {permission} required"));
    audit.tenant_id = *tenant;
    ports.work.commit(Work { changes: vec![], audit: vec![audit] }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, forbidden_actor};
    use gatehouse_domain::Permission;

    #[tokio::test]
    async fn a_denial_is_audited_and_other_errors_are_not() {
        let mut m = MockPorts::new();
        m.expect_commit(|w| {
            assert_eq!((w.audit[0].kind, w.audit[0].outcome), (AuditKind::AuthzFail, Outcome::Denied));
            assert_eq!(w.audit[0].reason.as_deref(), Some("POST /admins: admins:manage required"));
        });
        let ports = m.ports();
        let denied =
            Error::Domain(DomainError::Forbidden { permission: Permission::AdminsManage, tenant: None });
        run(&ports, &forbidden_actor(), &denied, "POST /admins", "203.0.113.9", "Firefox")
            .await
            .expect("audited");
        let other = Error::NotFound { what: "tenant", key: "x".into() };
        run(&ports, &forbidden_actor(), &other, "GET /tenants/x", "203.0.113.9", "Firefox")
            .await
            .expect("ignored");
    }
}
