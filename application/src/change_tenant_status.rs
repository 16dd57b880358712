//! Activating, suspending (with a reason) and cancelling a tenant.

use gatehouse_domain::{Actor, AuditKind, Permission, Tenant, TenantStatus};

use crate::Result;
use crate::manage_tenant_keys::revoke_on_status;
use crate::tenant_ref::{TenantRef, load_expecting, save_with};

#[derive(Debug, Clone)]
pub struct Request {
    pub tenant: TenantRef,
    pub to: TenantStatus,
    /// Required to suspend or cancel.
    pub reason: Option<String>,
    /// The version the caller last saw (a form's); `None` skips the check.
    pub expected_version: Option<i64>,
}

/// The audit kind of a move to `status`.
pub(crate) fn audit_kind(status: TenantStatus) -> AuditKind {
    match status {
        TenantStatus::Active => AuditKind::TenantActivated,
        TenantStatus::Suspended => AuditKind::TenantSuspended,
        TenantStatus::Cancelled => AuditKind::TenantCancelled,
        TenantStatus::Pending => AuditKind::TenantUpdated,
    }
}

pub async fn run(ports: &crate::Ports, actor: &Actor, req: Request) -> Result<Tenant> {
    let before = load_expecting(ports, &req.tenant, req.expected_version).await?;
    actor.require(Permission::TenantsSuspend, Some(before.id))?;
    let now = ports.clock.now();
    let mut after = before.clone();
    after.change_status(req.to, req.reason.as_deref(), now)?;
    // A tenant that stops being served loses its keys in the same transaction, and is told;
    // the upstream is pushed the new status through the outbox.
    let mut more: Vec<_> = revoke_on_status(after.id, req.to, now).into_iter().collect();
    more.extend(crate::notify::tenant_changed(ports, &before, &after));
    save_with(ports, actor, audit_kind(req.to), (&before, after), req.reason.as_deref(), more).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::ports::{Change, StoreError};
    use crate::testing::{MockPorts, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantScope};

    fn req(to: TenantStatus, reason: Option<&str>) -> Request {
        Request {
            tenant: "acme".parse().expect("slug"),
            to,
            reason: reason.map(str::to_owned),
            expected_version: None,
        }
    }

    #[tokio::test]
    async fn suspends_with_reason_and_audits_before_and_after() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.expect_commit(|w| {
            let [
                Change::UpdateTenant(t),
                Change::RevokeTenantKeys { tenant, at },
                Change::Enqueue(mail),
                Change::Enqueue(push),
            ] = &w.changes[..]
            else {
                panic!(
                    "the update, the revocation of the keys, the notification and the push: {:?}",
                    w.changes
                )
            };
            assert_eq!((*tenant, *at), (t.id, crate::testing::NOW), "the keys go in the same work");
            assert_eq!((t.status, t.version), (TenantStatus::Suspended, 1));
            assert_eq!(mail.notification, Some(gatehouse_domain::NotificationKind::Suspended));
            assert_eq!(
                (push.payload.clone(), push.tenant),
                (crate::ports::Payload::UpstreamPush, Some(t.id))
            );
            assert_eq!(w.audit[0].kind, AuditKind::TenantSuspended);
            assert_eq!(w.audit[0].reason.as_deref(), Some("unpaid"));
            assert!(w.audit[0].before.is_some() && w.audit[0].after.is_some());
        });
        let t = run(&m.ports(), &cli(), req(TenantStatus::Suspended, Some("unpaid"))).await.expect("ok");
        assert_eq!(t.version, 2, "the returned tenant carries its new version");
    }

    #[tokio::test]
    async fn illegal_transition_and_missing_reason_write_nothing() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Pending))));
        let ports = m.ports();
        let err = run(&ports, &cli(), req(TenantStatus::Suspended, Some("x"))).await.expect_err("illegal");
        assert_eq!(err.field(), Some("status"));
        let err = run(&ports, &cli(), req(TenantStatus::Cancelled, None)).await.expect_err("no reason");
        assert_eq!(err.field(), Some("reason"));
    }

    #[tokio::test]
    async fn a_form_filled_in_against_an_older_version_is_refused() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| {
            let mut t = tenant(TenantStatus::Active);
            t.version = 3;
            Ok(Some(t))
        });
        let stale = Request { expected_version: Some(2), ..req(TenantStatus::Suspended, Some("x")) };
        let err = run(&m.ports(), &cli(), stale).await.expect_err("stale");
        assert!(matches!(err, Error::VersionConflict(ref m) if m.contains("version 3")), "{err}");
    }

    #[tokio::test]
    async fn out_of_scope_tenant_is_forbidden() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let scoped = admin(Role::Operator, TenantScope::Only(std::collections::BTreeSet::new()));
        let err = run(&m.ports(), &scoped, req(TenantStatus::Suspended, Some("x"))).await.expect_err("scope");
        assert!(err.is_forbidden());
    }

    #[tokio::test]
    async fn unknown_tenant_and_version_conflict_are_reported() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(None));
        let err = run(&m.ports(), &cli(), req(TenantStatus::Active, None)).await.expect_err("missing");
        assert!(matches!(err, Error::NotFound { what: "tenant", .. }));

        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Pending))));
        m.work.expect_commit().returning(|_| Err(StoreError::VersionConflict { expected: 1 }));
        let err = run(&m.ports(), &cli(), req(TenantStatus::Active, None)).await.expect_err("conflict");
        assert!(matches!(err, Error::VersionConflict(_)));
    }
}
