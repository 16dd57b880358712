//! The governed support view of a tenant (permission `impersonate`): its end users and recent
//! authentication logs, fetched live from the MFA upstream. Opening it asks for a reason (and an
//! optional ticket), grants the actor 15 minutes on that tenant, and is audited as cross-tenant
//! access with the reason; reading without a running grant is refused.

use gatehouse_domain::support::actor_key;
use gatehouse_domain::{Actor, AuditKind, DomainError, Permission, SupportGrant, Tenant};

use crate::ports::{AuthLogPage, AuthLogQuery, Change, MAX_AUTH_LOG_DAYS, UpstreamTarget, UserPage, Work};
use crate::tenant_ref::{TenantRef, event, load};
use crate::{Error, Ports, Result};

/// Opens a grant on `tenant` for `actor`, with the reason and ticket on the record.
pub async fn open(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    reason: &str,
    ticket: Option<&str>,
) -> Result<(Tenant, SupportGrant)> {
    let t = load(ports, tenant).await?;
    actor.require(Permission::Impersonate, Some(t.id))?;
    let now = ports.clock.now();
    let grant = SupportGrant::open(ports.ids.new_id(), t.id, actor, reason, ticket, now)?;
    let why = match &grant.ticket {
        Some(ticket) => format!("{} (ticket {ticket})", grant.reason),
        None => grant.reason.clone(),
    };
    let audit = event(ports, actor, AuditKind::TenantSupportAccess, &t).reason(why);
    // The tenant's contact is told, in the same transaction, that support looked and why.
    let notice = crate::notify::support_access(ports, &t, &grant);
    let changes = vec![Change::InsertSupportGrant(grant.clone()), notice];
    ports.work.commit(Work { changes, audit: vec![audit] }).await?;
    Ok((t, grant))
}

/// The tenant and the actor's running grant on it; refused without one.
pub async fn current(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
) -> Result<(Tenant, Option<SupportGrant>)> {
    let t = load(ports, tenant).await?;
    actor.require(Permission::Impersonate, Some(t.id))?;
    let grant = ports.support.active_grant(t.id, &actor_key(actor), ports.clock.now()).await?;
    Ok((t, grant))
}

async fn granted(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<(Tenant, SupportGrant)> {
    match current(ports, actor, tenant).await? {
        (t, Some(grant)) => Ok((t, grant)),
        (t, None) => Err(Error::Domain(DomainError::Forbidden {
            permission: Permission::Impersonate,
            tenant: Some(t.id),
        })),
    }
}

/// A page of the tenant's end users, live from the upstream.
pub async fn users(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    limit: u32,
    offset: u64,
) -> Result<(SupportGrant, UserPage)> {
    let (t, grant) = granted(ports, actor, tenant).await?;
    let page = ports.upstream.users(&UpstreamTarget::tenant(t.id), limit, offset).await?;
    Ok((grant, page))
}

/// The tenant's authentication log of the last `days` days, live from the upstream.
pub async fn auth_logs(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    days: u32,
    limit: u32,
    cursor: Option<String>,
) -> Result<(SupportGrant, AuthLogPage)> {
    let (t, grant) = granted(ports, actor, tenant).await?;
    let query = AuthLogQuery { days: days.min(MAX_AUTH_LOG_DAYS), limit, cursor };
    let page = ports.upstream.auth_logs(&UpstreamTarget::tenant(t.id), &query).await?;
    Ok((grant, page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, NOW, admin, tenant};
    use gatehouse_domain::{Role, TenantScope, TenantStatus};

    fn acme() -> TenantRef {
        "acme".parse().expect("slug")
    }

    #[tokio::test]
    async fn opening_needs_impersonate_and_a_reason_and_is_audited_with_it() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.expect_commit(|w| {
            let [Change::InsertSupportGrant(g), Change::Enqueue(mail)] = &w.changes[..] else {
                panic!("the grant and the tenant's notice")
            };
            assert_eq!(mail.notification, Some(gatehouse_domain::NotificationKind::SupportAccess));
            assert_eq!(g.expires_at, NOW + gatehouse_domain::SUPPORT_WINDOW);
            assert_eq!(w.audit[0].kind, AuditKind::TenantSupportAccess);
            assert_eq!(w.audit[0].reason.as_deref(), Some("login loop report (ticket T-1)"));
        });
        let ports = m.ports();
        let support = admin(Role::Support, TenantScope::All);
        let err = open(&ports, &support, &acme(), "", None).await.expect_err("no reason");
        assert_eq!(err.field(), Some("reason"));
        open(&ports, &support, &acme(), "login loop report", Some("T-1")).await.expect("opened");
        let auditor = admin(Role::Auditor, TenantScope::All);
        assert!(open(&ports, &auditor, &acme(), "curious", None).await.expect_err("403").is_forbidden());
    }

    #[tokio::test]
    async fn reading_without_a_running_grant_is_refused_and_calls_nothing() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.support.expect_active_grant().returning(|_, _, _| Ok(None));
        let support = admin(Role::Support, TenantScope::All);
        let err = users(&m.ports(), &support, &acme(), 10, 0).await.expect_err("no grant");
        assert!(err.is_forbidden());
    }
}
