//! Changing one's own password (S5): the current password is required, the new one must pass
//! the password rules, and every other session ends (S19).

use gatehouse_domain::password::check_new_password;
use gatehouse_domain::session::EndReason;
use gatehouse_domain::{AuditKind, ValidationError};

use crate::ports::{Change, SecretString, Work};
use crate::session_support::{Client, session_event};
use crate::validate_session::Authenticated;
use crate::{Ports, Result};

pub async fn run(
    ports: &Ports,
    auth: &Authenticated,
    current: &SecretString,
    new: &SecretString,
    client: &Client,
) -> Result<()> {
    let admin = &auth.admin;
    check_new_password(new.expose(), &[admin.username.as_str(), admin.email.as_str()])?;
    if !ports.passwords.verify(current, &admin.password_hash).await {
        return Err(ValidationError::new("current_password", "is not correct").into());
    }
    let now = ports.clock.now();
    let mut after = admin.clone();
    after.password_hash = ports.passwords.hash(new).await?;
    after.updated_at = now;
    let changes = vec![
        Change::UpdateAdmin(after),
        Change::EndAdminSessions {
            admin: admin.id,
            at: now,
            reason: EndReason::PasswordChanged,
            except: Some(auth.session.id),
        },
    ];
    let audit = session_event(ports, admin, AuditKind::AuthnPasswordChanged, auth.session.id, client)
        .reason("password changed; other sessions ended");
    ports.work.commit(Work { changes, audit: vec![audit] }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, authenticated};
    use gatehouse_domain::session::SessionStage;

    #[tokio::test]
    async fn needs_the_current_password_and_ends_other_sessions_s5() {
        let client = Client::new("203.0.113.9", "Firefox");
        let auth = authenticated(SessionStage::Full);
        let mut m = MockPorts::new();
        m.passwords.expect_verify().returning(|p, _| p.expose() == "old password here");
        m.passwords.expect_hash().returning(|_| Ok("$argon2id$new".into()));
        m.expect_commit(|w| {
            assert!(matches!(w.changes[1], Change::EndAdminSessions { except: Some(_), .. }));
            assert_eq!(w.audit[0].kind, AuditKind::AuthnPasswordChanged);
        });
        let ports = m.ports();
        let new = SecretString::new("brand new passphrase");
        let err =
            run(&ports, &auth, &SecretString::new("wrong"), &new, &client).await.expect_err("wrong current");
        assert_eq!(err.field(), Some("current_password"));
        let err =
            run(&ports, &auth, &SecretString::new("old password here"), &SecretString::new("short"), &client)
                .await
                .expect_err("S1");
        assert_eq!(err.field(), Some("password"));
        run(&ports, &auth, &SecretString::new("old password here"), &new, &client).await.expect("changed");
    }
}
