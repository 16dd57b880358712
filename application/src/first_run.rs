//! The first run: while no SuperAdmin exists, a one-time set-up token (valid one hour, single
//! use) lets the first owner create their account from the browser. There is no default
//! account or password (S5).

use gatehouse_domain::password::check_new_password;
use gatehouse_domain::session::{Session, SessionStage};
use gatehouse_domain::{
    Actor, AdminId, AdminStatus, AuditEvent, AuditKind, Email, Outcome, Role, SuperAdmin, TenantScope,
    Username, ValidationError,
};
use time::Duration;

use crate::ports::{Change, SecretString, StoreError, Work};
use crate::session_support::{Client, new_session};
use crate::{Error, Ports, Result};

pub const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// A fresh set-up token if no admin exists yet (the server prints its URL), else `None`.
pub async fn issue_token(ports: &Ports) -> Result<Option<SecretString>> {
    if !ports.admins.list().await?.is_empty() {
        return Ok(None);
    }
    let token = ports.tokens.new_token();
    let change = Change::InsertSetupToken {
        token_hash: ports.tokens.hash(token.expose()),
        expires_at: ports.clock.now() + TOKEN_LIFETIME,
    };
    ports.work.commit(Work { changes: vec![change], audit: vec![] }).await?;
    Ok(Some(token))
}

#[derive(Debug, Clone)]
pub struct Request {
    pub token: SecretString,
    pub username: String,
    pub email: String,
    pub password: SecretString,
    pub client: Client,
}

/// Creates the first owner and logs them in with a partial session that leads to TOTP set-up.
pub async fn complete(ports: &Ports, req: Request) -> Result<(SecretString, Session, SuperAdmin)> {
    let username = Username::parse(&req.username)?;
    let email = Email::parse(&req.email)?;
    check_new_password(req.password.expose(), &[&req.username, &req.email])?;
    if !ports.admins.list().await?.is_empty() {
        return Err(ValidationError::new("token", "set-up is already done; log in instead").into());
    }
    let now = ports.clock.now();
    let admin = SuperAdmin {
        id: AdminId::from_uuid(ports.ids.new_id()),
        username,
        email,
        role: Role::Owner,
        scope: TenantScope::All,
        status: AdminStatus::Active,
        password_hash: ports.passwords.hash(&req.password).await?,
        totp_enabled: false,
        created_at: now,
        updated_at: now,
    };
    let (token, session) = new_session(ports, &admin, SessionStage::Partial, &req.client, false, None);
    let actor = Actor::admin(&admin);
    let audit = vec![
        AuditEvent::new(ports.ids.new_id(), now, AuditKind::AdminCreated, &actor, Outcome::Success)
            .client(&req.client.ip, &req.client.user_agent)
            .reason(format!("first owner {} created with the set-up token", admin.username)),
        AuditEvent::new(ports.ids.new_id(), now, AuditKind::AuthnLoginSuccess, &actor, Outcome::Success)
            .client(&req.client.ip, &req.client.user_agent)
            .reason("first-run set-up; second factor must be set up"),
    ];
    let changes = vec![
        Change::UseSetupToken { token_hash: ports.tokens.hash(req.token.expose()), at: now },
        Change::InsertAdmin(admin.clone()),
        Change::InsertSession(session.clone()),
    ];
    ports.work.commit(Work { changes, audit }).await.map_err(|e| match e {
        StoreError::NotFound => {
            ValidationError::new("token", "the set-up link is invalid, used or expired").into()
        }
        e => Error::from(e),
    })?;
    Ok((token, session, admin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, owner};

    fn req() -> Request {
        Request {
            token: SecretString::new("setup-token"),
            username: "root-owner".into(),
            email: "owner@example.com".into(),
            password: SecretString::new("a long unusual passphrase"),
            client: Client::new("127.0.0.1", "Firefox"),
        }
    }

    #[tokio::test]
    async fn no_token_once_an_admin_exists() {
        let mut m = MockPorts::new();
        m.admins.expect_list().returning(|| Ok(vec![owner()]));
        let ports = m.ports();
        assert!(issue_token(&ports).await.expect("ran").is_none());
        assert_eq!(complete(&ports, req()).await.expect_err("done").field(), Some("token"));
    }

    #[tokio::test]
    async fn a_spent_or_expired_token_creates_nothing() {
        let mut m = MockPorts::new();
        m.with_tokens();
        m.admins.expect_list().returning(|| Ok(vec![]));
        m.passwords.expect_hash().returning(|_| Ok("$argon2id$x".into()));
        m.work.expect_commit().returning(|_| Err(StoreError::NotFound));
        let err = complete(&m.ports(), req()).await.expect_err("spent");
        assert_eq!(err.field(), Some("token"));
    }

    #[tokio::test]
    async fn the_first_owner_gets_a_partial_session_for_totp_set_up() {
        let mut m = MockPorts::new();
        m.with_tokens();
        m.admins.expect_list().returning(|| Ok(vec![]));
        m.passwords.expect_hash().returning(|_| Ok("$argon2id$x".into()));
        m.expect_commit(|w| {
            assert!(matches!(w.changes[0], Change::UseSetupToken { .. }));
            assert!(matches!(&w.changes[1], Change::InsertAdmin(a) if a.role == Role::Owner));
        });
        let (_, session, admin) = complete(&m.ports(), req()).await.expect("created");
        assert_eq!((session.stage, admin.username.as_str()), (SessionStage::Partial, "root-owner"));
    }
}
