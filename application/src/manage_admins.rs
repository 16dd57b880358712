//! Creating, listing, disabling and enabling SuperAdmins, changing their role, and unlocking a
//! locked account. Gatehouse never lets the last active owner go: someone must be able to
//! manage admins.

use gatehouse_domain::password::check_new_password;
use gatehouse_domain::{
    Actor, AdminId, AdminStatus, AuditEvent, AuditKind, Email, Outcome, Permission, Role, SuperAdmin,
    TenantScope, Username, ValidationError,
};

use crate::ports::{Change, Conflict, SecretString, ThrottleKey, Work};
use crate::{Error, Ports, Result};

#[derive(Debug, Clone)]
pub struct CreateAdmin {
    pub username: String,
    pub email: String,
    pub role: Role,
    pub scope: TenantScope,
    pub password: SecretString,
}

pub async fn create(ports: &Ports, actor: &Actor, req: CreateAdmin) -> Result<SuperAdmin> {
    actor.require(Permission::AdminsManage, None)?;
    let username = Username::parse(&req.username)?;
    let email = Email::parse(&req.email)?;
    check_new_password(req.password.expose(), &[&req.username, &req.email])?;
    if ports.admins.get_by_username(&username).await?.is_some() {
        return Err(Error::Conflict(Conflict::UsernameTaken(username.to_string())));
    }
    let password_hash = ports.passwords.hash(&req.password).await?;
    let now = ports.clock.now();
    let admin = SuperAdmin {
        id: AdminId::from_uuid(ports.ids.new_id()),
        username,
        email,
        role: req.role,
        scope: req.scope,
        status: AdminStatus::Active,
        password_hash,
        totp_enabled: false,
        created_at: now,
        updated_at: now,
    };
    let after = serde_json::to_value(&admin).ok();
    let audit = AuditEvent::new(ports.ids.new_id(), now, AuditKind::AdminCreated, actor, Outcome::Success)
        .reason(format!("{} as {}", admin.username, admin.role))
        .change(None, after);
    ports.work.commit(Work::new(Change::InsertAdmin(admin.clone()), audit)).await?;
    Ok(admin)
}

pub async fn list(ports: &Ports, actor: &Actor) -> Result<Vec<SuperAdmin>> {
    actor.require(Permission::AdminsManage, None)?;
    Ok(ports.admins.list().await?)
}

/// What can be done to an existing admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    Disable,
    Enable,
    SetRole(Role),
    /// Lifts a lockout before it ends by itself.
    Unlock,
}

/// Applies `action` to the admin named `username`, with a reason for the audit trail.
pub async fn update(
    ports: &Ports,
    actor: &Actor,
    username: &str,
    action: AdminAction,
    reason: &str,
) -> Result<SuperAdmin> {
    actor.require(Permission::AdminsManage, None)?;
    let reason = gatehouse_domain::text::single_line("reason", reason, 1, 500)?;
    let name = Username::parse(username)?;
    let before = ports
        .admins
        .get_by_username(&name)
        .await?
        .ok_or_else(|| Error::NotFound { what: "admin", key: name.to_string() })?;
    let now = ports.clock.now();
    let mut after = before.clone();
    let mut changes = Vec::new();
    let kind = match action {
        AdminAction::Disable => {
            after.status = AdminStatus::Disabled;
            changes.push(Change::EndAdminSessions {
                admin: after.id,
                at: now,
                reason: gatehouse_domain::session::EndReason::AdminDisabled,
                except: None,
            });
            AuditKind::AdminDisabled
        }
        AdminAction::Enable => {
            after.status = AdminStatus::Active;
            AuditKind::AdminEnabled
        }
        AdminAction::SetRole(role) => {
            after.role = role;
            AuditKind::AdminRoleChanged
        }
        AdminAction::Unlock => {
            ports.throttle.clear(&ThrottleKey::Account(before.id)).await?;
            AuditKind::AuthnAccountUnlocked
        }
    };
    if is_active_owner(&before) && !is_active_owner(&after) && last_active_owner(ports, &before).await? {
        return Err(
            ValidationError::new("admin", "the last active owner cannot be disabled or demoted").into()
        );
    }
    after.updated_at = now;
    if after != before {
        changes.insert(0, Change::UpdateAdmin(after.clone()));
    }
    let audit = AuditEvent::new(ports.ids.new_id(), now, kind, actor, Outcome::Success)
        .reason(format!("{}: {reason}", before.username))
        .change(serde_json::to_value(&before).ok(), serde_json::to_value(&after).ok());
    ports.work.commit(Work { changes, audit: vec![audit] }).await?;
    Ok(after)
}

fn is_active_owner(a: &SuperAdmin) -> bool {
    a.role == Role::Owner && a.status == AdminStatus::Active
}

async fn last_active_owner(ports: &Ports, admin: &SuperAdmin) -> Result<bool> {
    Ok(!ports.admins.list().await?.iter().any(|a| a.id != admin.id && is_active_owner(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_owner_stays_and_disabling_ends_sessions() {
        let mut m = MockPorts::new();
        m.admins.expect_get_by_username().returning(|_| Ok(Some(crate::testing::owner())));
        m.admins.expect_list().returning(|| Ok(vec![crate::testing::owner()]));
        let ports = m.ports();
        let err =
            update(&ports, &cli(), "alice", AdminAction::Disable, "left").await.expect_err("last owner");
        assert_eq!(err.field(), Some("admin"));
        let err = update(&ports, &cli(), "alice", AdminAction::SetRole(Role::Auditor), "x")
            .await
            .expect_err("demote");
        assert_eq!(err.field(), Some("admin"));

        let mut m = MockPorts::new();
        m.admins.expect_get_by_username().returning(|_| Ok(Some(crate::testing::owner())));
        m.admins.expect_list().returning(|| {
            let mut other = crate::testing::owner();
            other.id = AdminId::from_uuid(uuid::Uuid::from_u128(5));
            Ok(vec![crate::testing::owner(), other])
        });
        m.expect_commit(|w| {
            assert!(matches!(&w.changes[0], Change::UpdateAdmin(a) if a.status == AdminStatus::Disabled));
            assert!(matches!(w.changes[1], Change::EndAdminSessions { .. }));
            assert_eq!(w.audit[0].kind, AuditKind::AdminDisabled);
        });
        update(&m.ports(), &cli(), "alice", AdminAction::Disable, "left the company")
            .await
            .expect("disabled");
    }

    #[tokio::test]
    async fn unlock_clears_the_account_key_and_is_audited() {
        let mut m = MockPorts::new();
        m.admins.expect_get_by_username().returning(|_| Ok(Some(crate::testing::owner())));
        m.throttle
            .expect_clear()
            .withf(|k| matches!(k, ThrottleKey::Account(_)))
            .times(1)
            .returning(|_| Ok(()));
        m.expect_commit(|w| {
            assert!(w.changes.is_empty());
            assert_eq!(w.audit[0].kind, AuditKind::AuthnAccountUnlocked);
            assert_eq!(w.audit[0].reason.as_deref(), Some("alice: verified by phone"));
        });
        update(&m.ports(), &cli(), "alice", AdminAction::Unlock, "verified by phone")
            .await
            .expect("unlocked");
    }
    use crate::testing::{MockPorts, cli, forbidden_actor};

    fn req(password: &str) -> CreateAdmin {
        CreateAdmin {
            username: "Alice".into(),
            email: "alice@example.com".into(),
            role: Role::Owner,
            scope: TenantScope::All,
            password: SecretString::new(password),
        }
    }

    #[tokio::test]
    async fn creates_with_a_hash_and_audits_without_the_secret() {
        let mut m = MockPorts::new();
        m.admins.expect_get_by_username().returning(|_| Ok(None));
        m.passwords.expect_hash().returning(|_| Ok("$argon2id$v=19$m=19456,t=2,p=1$salt$hash".into()));
        m.expect_commit(|w| {
            let [Change::InsertAdmin(a)] = &w.changes[..] else { panic!("one insert") };
            assert_eq!(a.username.as_str(), "alice");
            let after = w.audit[0].after.as_ref().expect("after").to_string();
            assert!(!after.contains("argon2") && !after.contains("correct horse"), "S27: {after}");
        });
        let a = create(&m.ports(), &cli(), req("correct horse battery")).await.expect("created");
        assert!(a.password_hash.starts_with("$argon2id$"));
    }

    #[tokio::test]
    async fn short_password_taken_name_and_missing_permission_are_refused() {
        let ports = MockPorts::new().ports();
        assert_eq!(create(&ports, &cli(), req("short")).await.expect_err("S1").field(), Some("password"));
        assert!(
            create(&ports, &forbidden_actor(), req("long enough password"))
                .await
                .expect_err("403")
                .is_forbidden()
        );

        let mut m = MockPorts::new();
        m.admins.expect_get_by_username().returning(|_| Ok(Some(crate::testing::owner())));
        let err = create(&m.ports(), &cli(), req("long enough password")).await.expect_err("taken");
        assert_eq!(err.field(), Some("username"));
    }
}
