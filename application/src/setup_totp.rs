//! Enrolling, confirming, disabling and resetting TOTP, and regenerating recovery codes (S6,
//! S9, S10).

use gatehouse_domain::second_factor::{RECOVERY_CODE_COUNT, display_recovery_code, parse_totp_code};
use gatehouse_domain::session::{EndReason, Session, SessionStage};
use gatehouse_domain::{AdminId, AuditKind, Outcome, Permission, SuperAdmin, ValidationError};

use crate::ports::{Change, Ports, SecretString, Work};
use crate::session_support::{Client, rotate_to_full, session_event};
use crate::validate_session::Authenticated;
use crate::{Error, Result};

/// What the set-up page shows: scan the QR code or type the key.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub manual_key: String,
    pub uri: String,
    pub qr_svg: String,
}

/// Starts enrolment with a new secret that stays inactive until `confirm` (S9).
pub async fn begin(ports: &Ports, auth: &Authenticated) -> Result<Enrolment> {
    if auth.admin.totp_enabled {
        return Err(ValidationError::new(
            "totp",
            "two-factor authentication is already on; turn it off first",
        )
        .into());
    }
    let secret = ports.totp.new_secret();
    let change =
        Change::SetPendingTotp { admin: auth.admin.id, sealed_secret: Some(ports.secrets.seal(&secret)) };
    ports.work.commit(Work { changes: vec![change], audit: vec![] }).await?;
    let uri = ports.totp.provisioning_uri(&secret, auth.admin.username.as_str());
    Ok(Enrolment { manual_key: ports.totp.display_secret(&secret), qr_svg: ports.totp.qr_svg(&uri), uri })
}

#[derive(Debug)]
pub struct Confirmed {
    /// Shown once, never stored in clear (S10).
    pub recovery_codes: Vec<String>,
    /// A fresh full session, when enrolment completed a partial login.
    pub upgraded: Option<(SecretString, Session)>,
}

/// Activates the pending secret if `code` is right, and issues recovery codes.
pub async fn confirm(ports: &Ports, auth: &Authenticated, code: &str, client: &Client) -> Result<Confirmed> {
    let admin = &auth.admin;
    let code = parse_totp_code(code)?;
    let factor = ports.second_factor.get(admin.id).await?;
    let (sealed, secret) = factor
        .pending_secret
        .and_then(|sealed| ports.secrets.open(&sealed).map(|s| (sealed, s)))
        .ok_or_else(|| ValidationError::new("code", "set-up has expired; start again"))?;
    let step = ports.totp.matching_step(&secret, &code, ports.clock.now()).ok_or_else(|| {
        ValidationError::new("code", "the code does not match; check the time on your device")
    })?;
    let (codes, hashes) = new_recovery_codes(ports);
    let mut changes = vec![Change::EnableTotp {
        admin: admin.id,
        sealed_secret: sealed,
        last_step: step,
        recovery_code_hashes: hashes,
    }];
    let mut audit = vec![session_event(ports, admin, AuditKind::Authn2faEnabled, auth.session.id, client)];
    let upgraded = if auth.session.stage == SessionStage::Partial {
        let (token, session, switch, created) = rotate_to_full(ports, auth, client);
        changes.extend(switch);
        audit.push(created);
        Some((token, session))
    } else {
        None
    };
    ports.work.commit(Work { changes, audit }).await?;
    Ok(Confirmed { recovery_codes: codes, upgraded })
}

/// Ten fresh codes for display, and their hashes for storage.
fn new_recovery_codes(ports: &Ports) -> (Vec<String>, Vec<Vec<u8>>) {
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let code = ports.tokens.new_recovery_code();
            (display_recovery_code(&code), ports.tokens.hash(&code))
        })
        .unzip()
}

/// Proves it is really the admin: password and a current code (S9).
async fn reauthenticate(
    ports: &Ports,
    admin: &SuperAdmin,
    password: &SecretString,
    code: &str,
) -> Result<()> {
    let wrong = || Error::from(ValidationError::new("password", "the password or code is not correct"));
    if !ports.passwords.verify(password, &admin.password_hash).await {
        return Err(wrong());
    }
    let factor = ports.second_factor.get(admin.id).await?;
    let digits = parse_totp_code(code).map_err(|_| wrong())?;
    let step = factor
        .totp_secret
        .and_then(|sealed| ports.secrets.open(&sealed))
        .and_then(|secret| ports.totp.matching_step(&secret, &digits, ports.clock.now()))
        .ok_or_else(wrong)?;
    if !ports.second_factor.claim_step(admin.id, step).await? {
        return Err(wrong());
    }
    Ok(())
}

/// Turns TOTP off for oneself: password and a code (S9).
pub async fn disable(
    ports: &Ports,
    auth: &Authenticated,
    password: &SecretString,
    code: &str,
    client: &Client,
) -> Result<()> {
    reauthenticate(ports, &auth.admin, password, code).await?;
    let audit = session_event(ports, &auth.admin, AuditKind::Authn2faDisabled, auth.session.id, client);
    ports.work.commit(Work::new(Change::DisableTotp { admin: auth.admin.id }, audit)).await?;
    Ok(())
}

/// New recovery codes for oneself, voiding the old ones: password and a code (S10).
pub async fn regenerate_recovery_codes(
    ports: &Ports,
    auth: &Authenticated,
    password: &SecretString,
    code: &str,
    client: &Client,
) -> Result<Vec<String>> {
    reauthenticate(ports, &auth.admin, password, code).await?;
    let (codes, hashes) = new_recovery_codes(ports);
    let audit =
        session_event(ports, &auth.admin, AuditKind::AuthnRecoveryCodesRegenerated, auth.session.id, client);
    ports
        .work
        .commit(Work::new(Change::ReplaceRecoveryCodes { admin: auth.admin.id, hashes }, audit))
        .await?;
    Ok(codes)
}

/// An owner removes another admin's second factor (a lost phone), with a reason; the admin's
/// sessions end and the next login goes through set-up again.
pub async fn reset(
    ports: &Ports,
    actor: &gatehouse_domain::Actor,
    admin: AdminId,
    reason: &str,
) -> Result<()> {
    actor.require(Permission::AdminsManage, None)?;
    let target = ports
        .admins
        .get(admin)
        .await?
        .ok_or_else(|| Error::NotFound { what: "admin", key: admin.to_string() })?;
    let reason = gatehouse_domain::text::single_line("reason", reason, 1, 500)?;
    let now = ports.clock.now();
    let audit = gatehouse_domain::AuditEvent::new(
        ports.ids.new_id(),
        now,
        AuditKind::Authn2faReset,
        actor,
        Outcome::Success,
    )
    .reason(format!("{}: {reason}", target.username));
    let changes = vec![
        Change::DisableTotp { admin },
        Change::EndAdminSessions { admin, at: now, reason: EndReason::Revoked, except: None },
    ];
    ports.work.commit(Work { changes, audit: vec![audit] }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SecondFactor;
    use crate::testing::{MockPorts, authenticated};

    fn client() -> Client {
        Client::new("203.0.113.9", "Firefox")
    }

    fn crypto(m: &mut MockPorts) {
        m.secrets.expect_seal().returning(|p| [b"sealed:".as_slice(), p].concat());
        m.secrets.expect_open().returning(|s| s.strip_prefix(b"sealed:".as_slice()).map(<[u8]>::to_vec));
        m.totp.expect_matching_step().returning(|_, code, _| (code == "123456").then_some(7));
        m.tokens.expect_new_recovery_code().returning(|| "abcdefghjk".into());
        m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
    }

    #[tokio::test]
    async fn enrolment_stays_pending_until_a_right_code_s9() {
        let mut m = MockPorts::new();
        crypto(&mut m);
        m.with_tokens();
        m.second_factor.expect_get().returning(|_| {
            Ok(SecondFactor { pending_secret: Some(b"sealed:secret".to_vec()), ..SecondFactor::default() })
        });
        m.expect_commit(|w| {
            let Change::EnableTotp { last_step, recovery_code_hashes, .. } = &w.changes[0] else {
                panic!("enable")
            };
            assert_eq!((*last_step, recovery_code_hashes.len()), (7, 10));
            assert!(matches!(w.changes[1], Change::EndSession { reason: EndReason::Rotated, .. }), "S16");
            assert_eq!(w.audit[0].kind, AuditKind::Authn2faEnabled);
        });
        let mut auth = authenticated(SessionStage::Partial);
        auth.admin.totp_enabled = false;
        let ports = m.ports();
        let err = confirm(&ports, &auth, "654321", &client()).await.expect_err("wrong code");
        assert_eq!(err.field(), Some("code"));
        let done = confirm(&ports, &auth, "123456", &client()).await.expect("enabled");
        assert_eq!(done.recovery_codes.len(), 10);
        assert_eq!(done.recovery_codes[0], "abcde-fghjk");
        assert!(done.upgraded.is_some());
    }

    #[tokio::test]
    async fn disabling_needs_the_password_and_a_fresh_code_s9() {
        let mut m = MockPorts::new();
        crypto(&mut m);
        m.passwords.expect_verify().returning(|p, _| p.expose() == "right password");
        m.second_factor.expect_get().returning(|_| {
            Ok(SecondFactor { totp_secret: Some(b"sealed:secret".to_vec()), ..SecondFactor::default() })
        });
        m.second_factor.expect_claim_step().returning(|_, _| Ok(true));
        m.expect_commit(|w| {
            assert!(matches!(w.changes[..], [Change::DisableTotp { .. }]));
            assert_eq!(w.audit[0].kind, AuditKind::Authn2faDisabled);
        });
        let auth = authenticated(SessionStage::Full);
        let ports = m.ports();
        let wrong = SecretString::new("wrong password");
        assert!(disable(&ports, &auth, &wrong, "123456", &client()).await.is_err());
        let right = SecretString::new("right password");
        assert!(disable(&ports, &auth, &right, "000000", &client()).await.is_err());
        disable(&ports, &auth, &right, "123456", &client()).await.expect("disabled");
    }

    #[tokio::test]
    async fn begin_refuses_when_already_enrolled() {
        let ports = MockPorts::new().ports();
        assert_eq!(
            begin(&ports, &authenticated(SessionStage::Full)).await.expect_err("on").field(),
            Some("totp")
        );
    }
}
