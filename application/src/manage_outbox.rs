//! Looking at the outbox (tenant notifications and upstream pushes) and retrying a message that
//! was given up on.
//!
//! Reading needs `tenants:view` — for the tenant's messages; all messages and their counts only
//! for an admin who sees every tenant (one restricted to some tenants filters by one of them). Retrying a dead message needs `tenants:update` on its tenant (the
//! operators who manage tenants are the ones who notice a failed push), is audited, and makes
//! the message due at once with its attempts counted from zero.

use gatehouse_domain::{
    Actor, AuditEvent, AuditKind, DomainError, MessageState, Outcome, Permission, ValidationError,
};
use serde::Serialize;
use uuid::Uuid;

use crate::ports::{Change, ConnectionState, OutboxDepth, OutboxEntry, OutboxQuery, Work};
use crate::{Error, Ports, Result};

/// The most messages one page lists.
pub const MAX_PAGE: u32 = 200;

/// The outbox at a glance, for the dashboard and the system page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxStatus {
    pub pending_email: u64,
    pub pending_push: u64,
    pub dead_email: u64,
    pub dead_push: u64,
    /// Without SMTP, e-mails wait (they are not attempted).
    pub smtp_configured: bool,
    /// Without an upstream, pushes wait.
    pub upstream_configured: bool,
}

impl OutboxStatus {
    fn of(depth: OutboxDepth, smtp_configured: bool, upstream_configured: bool) -> Self {
        OutboxStatus {
            pending_email: depth.pending_email,
            pending_push: depth.pending_push,
            dead_email: depth.dead_email,
            dead_push: depth.dead_push,
            smtp_configured,
            upstream_configured,
        }
    }
}

/// A page of messages, newest first.
pub async fn list(ports: &Ports, actor: &Actor, mut query: OutboxQuery) -> Result<Vec<OutboxEntry>> {
    actor.require(Permission::TenantsView, query.tenant)?;
    if query.tenant.is_none() && !actor.sees_all_tenants() {
        // Other tenants' messages would show in an unfiltered list.
        return Err(
            ValidationError::new("tenant", "choose one of your tenants: you see only some tenants").into()
        );
    }
    query.limit = query.limit.clamp(1, MAX_PAGE);
    Ok(ports.outbox.list(&query).await?)
}

/// How many messages wait or are dead, and whether their services are configured.
pub async fn status(ports: &Ports, actor: &Actor) -> Result<OutboxStatus> {
    actor.require(Permission::TenantsView, None)?;
    if !actor.sees_all_tenants() {
        // The counts are of every tenant's messages.
        return Err(DomainError::Forbidden { permission: Permission::TenantsView, tenant: None }.into());
    }
    let depth = ports.outbox.depth().await?;
    let upstream = ports.upstream.status().state != ConnectionState::NotConfigured;
    Ok(OutboxStatus::of(depth, ports.mailer.is_configured(), upstream))
}

/// Makes the dead message `id` pending again, due now; returns it as it was before.
pub async fn retry(ports: &Ports, actor: &Actor, id: Uuid) -> Result<OutboxEntry> {
    let entry = ports
        .outbox
        .get(id)
        .await?
        .ok_or_else(|| Error::NotFound { what: "message", key: id.to_string() })?;
    match entry.message.tenant {
        Some(t) => actor.require(Permission::TenantsUpdate, Some(t))?,
        None => actor.require(Permission::SettingsManage, None)?,
    }
    if entry.state != MessageState::Dead {
        return Err(ValidationError::new(
            "message",
            format!("only a dead message can be retried; this one is {}", entry.state),
        )
        .into());
    }
    let now = ports.clock.now();
    let mut audit =
        AuditEvent::new(ports.ids.new_id(), now, AuditKind::NotificationRetried, actor, Outcome::Success)
            .reason(format!(
                "{} message {id} retried after {} attempts: {}",
                entry.message.kind(),
                entry.attempts,
                entry.last_error.as_deref().unwrap_or("no error recorded")
            ));
    if let Some(t) = entry.message.tenant {
        audit = audit.tenant(t);
    }
    ports.work.commit(Work::new(Change::RetryMessage { id, at: now }, audit)).await?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{ConnectionStatus, OutboxMessage};
    use crate::testing::{MockPorts, NOW, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantId, TenantScope, TenantStatus};

    fn dead_push() -> OutboxEntry {
        OutboxEntry {
            message: OutboxMessage::upstream_push(Uuid::from_u128(5), tenant(TenantStatus::Active).id, NOW),
            state: MessageState::Dead,
            attempts: 8,
            next_attempt_at: NOW,
            last_error: Some("HTTP 500".into()),
            claimed_by: None,
            claimed_until: None,
            sent_at: None,
            updated_at: NOW,
        }
    }

    #[tokio::test]
    async fn a_scoped_admin_lists_only_a_tenant_of_theirs() {
        let t = tenant(TenantStatus::Active).id;
        let scoped = admin(Role::Operator, TenantScope::Only([t].into_iter().collect()));
        let mut m = MockPorts::new();
        m.outbox.expect_list().times(1).returning(|q| {
            assert_eq!(q.limit, MAX_PAGE, "clamped");
            Ok(vec![])
        });
        let ports = m.ports();
        let all = OutboxQuery { limit: 10_000, ..OutboxQuery::default() };
        let err = list(&ports, &scoped, all.clone()).await.expect_err("a tenant is needed");
        assert_eq!(err.field(), Some("tenant"));
        list(&ports, &scoped, OutboxQuery { tenant: Some(t), ..all.clone() }).await.expect("own tenant");
        let other = TenantId::from_uuid(Uuid::from_u128(8));
        let err =
            list(&ports, &scoped, OutboxQuery { tenant: Some(other), ..all }).await.expect_err("not theirs");
        assert!(err.is_forbidden());
        assert!(status(&ports, &scoped).await.expect_err("counts of all tenants").is_forbidden());
    }

    #[tokio::test]
    async fn retrying_a_dead_message_is_audited_and_a_pending_one_is_refused() {
        let mut m = MockPorts::new();
        m.outbox.expect_get().returning(|_| Ok(Some(dead_push())));
        m.expect_commit(|w| {
            assert_eq!(w.changes, vec![Change::RetryMessage { id: Uuid::from_u128(5), at: NOW }]);
            assert_eq!(w.audit[0].kind, AuditKind::NotificationRetried);
            assert!(w.audit[0].reason.as_deref().is_some_and(|r| r.contains("after 8 attempts: HTTP 500")));
        });
        retry(&m.ports(), &cli(), Uuid::from_u128(5)).await.expect("retried");

        let mut m = MockPorts::new();
        m.outbox
            .expect_get()
            .returning(|_| Ok(Some(OutboxEntry { state: MessageState::Pending, ..dead_push() })));
        let err = retry(&m.ports(), &cli(), Uuid::from_u128(5)).await.expect_err("pending");
        assert_eq!(err.field(), Some("message"));

        let mut m = MockPorts::new();
        m.outbox.expect_get().returning(|_| Ok(Some(dead_push())));
        let support = admin(Role::Support, TenantScope::All);
        assert!(retry(&m.ports(), &support, Uuid::from_u128(5)).await.expect_err("403").is_forbidden());
    }

    #[tokio::test]
    async fn the_status_says_which_services_are_missing() {
        let mut m = MockPorts::new();
        m.outbox.expect_depth().returning(|| Ok(OutboxDepth { pending_email: 3, ..OutboxDepth::default() }));
        m.mailer.expect_is_configured().return_const(false);
        m.upstream.expect_status().return_const(ConnectionStatus::not_configured());
        let s = status(&m.ports(), &cli()).await.expect("status");
        assert_eq!((s.pending_email, s.smtp_configured, s.upstream_configured), (3, false, false));
    }
}
