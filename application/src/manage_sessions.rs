//! Listing and ending sessions: one's own, or anyone's for an owner (S19).

use gatehouse_domain::session::{EndReason, Session};
use gatehouse_domain::{Actor, ActorKind, AdminId, AuditEvent, AuditKind, Outcome, Permission};
use uuid::Uuid;

use crate::ports::{Change, Work};
use crate::{Error, Ports, Result};

/// Whether `actor` may see and end `admin`'s sessions: their own, or with `admins:manage`.
fn require_access(actor: &Actor, admin: AdminId) -> Result<()> {
    match actor.kind {
        ActorKind::Admin { id, .. } if id == admin => Ok(()),
        _ => Ok(actor.require(Permission::AdminsManage, None)?),
    }
}

/// `admin`'s active sessions, newest first.
pub async fn list(ports: &Ports, actor: &Actor, admin: AdminId) -> Result<Vec<Session>> {
    require_access(actor, admin)?;
    Ok(ports.sessions.for_admin(admin, false).await?)
}

/// Ends one session (sign out a device).
pub async fn end_one(ports: &Ports, actor: &Actor, session: Uuid) -> Result<()> {
    let s = ports
        .sessions
        .get(session)
        .await?
        .filter(Session::is_active)
        .ok_or_else(|| Error::NotFound { what: "session", key: session.to_string() })?;
    require_access(actor, s.admin_id)?;
    let now = ports.clock.now();
    let audit = AuditEvent::new(ports.ids.new_id(), now, AuditKind::SessionRevoked, actor, Outcome::Success)
        .reason(format!("session {session} of admin {} ended", s.admin_id));
    ports
        .work
        .commit(Work::new(Change::EndSession { id: session, at: now, reason: EndReason::Revoked }, audit))
        .await?;
    Ok(())
}

/// Ends every session of `admin` but `keep` (sign out everywhere else).
pub async fn end_all(ports: &Ports, actor: &Actor, admin: AdminId, keep: Option<Uuid>) -> Result<()> {
    require_access(actor, admin)?;
    let now = ports.clock.now();
    let audit = AuditEvent::new(ports.ids.new_id(), now, AuditKind::SessionRevoked, actor, Outcome::Success)
        .reason(format!(
            "all sessions of admin {admin} ended{}",
            if keep.is_some() { " but the current one" } else { "" }
        ));
    let change = Change::EndAdminSessions { admin, at: now, reason: EndReason::Revoked, except: keep };
    ports.work.commit(Work::new(change, audit)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin, owner, session};
    use gatehouse_domain::session::SessionStage;
    use gatehouse_domain::{Role, TenantScope};

    #[tokio::test]
    async fn an_admin_ends_its_own_sessions_but_not_others() {
        let me = admin(Role::Support, TenantScope::All);
        let mut m = MockPorts::new();
        m.sessions.expect_get().returning(|_| {
            let mut s = session(SessionStage::Full);
            s.admin_id = AdminId::from_uuid(Uuid::from_u128(1234));
            Ok(Some(s))
        });
        let err = end_one(&m.ports(), &me, Uuid::from_u128(500)).await.expect_err("someone else's");
        assert!(err.is_forbidden());

        let mut m = MockPorts::new();
        m.sessions.expect_get().returning(|_| Ok(Some(session(SessionStage::Full))));
        m.expect_commit(|w| {
            assert!(matches!(w.changes[..], [Change::EndSession { reason: EndReason::Revoked, .. }]));
        });
        end_one(&m.ports(), &me, Uuid::from_u128(500)).await.expect("own session");
        assert_eq!(owner().id, session(SessionStage::Full).admin_id);
    }
}
