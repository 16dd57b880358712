//! Creating and listing SuperAdmins. (Disabling, roles, unlocking and 2FA resets arrive with
//! the login work.)

use gatehouse_domain::password::check_new_password;
use gatehouse_domain::{
    Actor, AdminId, AdminStatus, AuditEvent, AuditKind, Email, Outcome, Permission, Role, SuperAdmin,
    TenantScope, Username,
};

use crate::ports::{Change, Conflict, SecretString, Work};
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
    check_new_password(req.password.expose())?;
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

#[cfg(test)]
mod tests {
    use super::*;
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
