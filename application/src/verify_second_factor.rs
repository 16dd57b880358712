//! The second login step: a TOTP code or a recovery code turns a partial session into a full
//! one, under a fresh token (S7, S8, S10, S12, S16).

use gatehouse_domain::second_factor::{MAX_SECOND_FACTOR_FAILURES, normalise_recovery_code, parse_totp_code};
use gatehouse_domain::session::{EndReason, Session, SessionStage};
use gatehouse_domain::{AuditKind, Outcome};

use crate::ports::{Change, Conflict, Ports, SecretString, StoreError, ThrottleKey, Work};
use crate::session_support::{Client, rotate_to_full, session_event};
use crate::validate_session::{Authenticated, end};
use crate::{Error, Result};

/// What a correct code was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Totp,
    RecoveryCode,
}

#[derive(Debug)]
pub struct Passed {
    pub token: SecretString,
    pub session: Session,
    pub method: Method,
    /// Recovery codes left (worth a warning when low).
    pub recovery_codes_left: usize,
}

/// A wrong code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Try again; this many tries remain.
    Wrong { tries_left: u32 },
    /// Too many wrong codes: the partial session is over; log in again (S12).
    SessionEnded,
}

/// Checks `code` for the partial session in `auth`.
pub async fn run(
    ports: &Ports,
    auth: &Authenticated,
    code: &str,
    client: &Client,
) -> Result<Result<Passed, Failed>> {
    let admin = &auth.admin;
    if auth.session.stage != SessionStage::Partial || !admin.totp_enabled {
        return Err(gatehouse_domain::ValidationError::new("code", "no second factor is awaited").into());
    }
    let factor = ports.second_factor.get(admin.id).await?;
    let now = ports.clock.now();
    // A TOTP code's step is claimed in the same unit of work as the session it opens.
    let (method, claim) = if let Ok(digits) = parse_totp_code(code) {
        let step = factor
            .totp_secret
            .as_deref()
            .and_then(|sealed| ports.secrets.open(sealed))
            .and_then(|secret| ports.totp.matching_step(&secret, &digits, now));
        (step.map(|_| Method::Totp), step.map(|step| Change::ClaimTotpStep { admin: admin.id, step }))
    } else if let Some(recovery) = normalise_recovery_code(code) {
        let hash = ports.tokens.hash(&recovery);
        let used = ports.second_factor.use_recovery_code(admin.id, &hash, now).await?;
        (used.then_some(Method::RecoveryCode), None)
    } else {
        (None, None)
    };

    let Some(method) = method else {
        return Ok(Err(wrong_code(ports, auth, client, false).await?));
    };
    let (token, session, rotation, created) = rotate_to_full(ports, auth, client);
    let changes: Vec<Change> = claim.into_iter().chain(rotation).collect();
    let recovery_codes_left =
        factor.unused_recovery_codes.saturating_sub(usize::from(method == Method::RecoveryCode));
    let kind =
        if method == Method::Totp { AuditKind::Authn2faSuccess } else { AuditKind::AuthnRecoveryCodeUsed };
    let audit = vec![
        session_event(ports, admin, kind, session.id, client).reason(format!(
            "second factor accepted ({}); {recovery_codes_left} recovery codes left",
            if method == Method::Totp { "TOTP" } else { "recovery code" }
        )),
        created,
    ];
    match ports.work.commit(Work { changes, audit }).await {
        // The step was taken since the code was checked: a replay, and nothing was written.
        Err(StoreError::Conflict(Conflict::TotpStepUsed)) => {
            Ok(Err(wrong_code(ports, auth, client, true).await?))
        }
        committed => {
            committed?;
            Ok(Ok(Passed { token, session, method, recovery_codes_left }))
        }
    }
}

async fn wrong_code(ports: &Ports, auth: &Authenticated, client: &Client, replay: bool) -> Result<Failed> {
    let admin = &auth.admin;
    let failures = ports.sessions.add_second_factor_failure(auth.session.id).await?;
    let kind = if replay { AuditKind::Authn2faReplay } else { AuditKind::Authn2faFail };
    let mut audit = session_event(ports, admin, kind, auth.session.id, client).reason(if replay {
        "a TOTP code was reused (S8)"
    } else {
        "wrong second-factor code"
    });
    audit.outcome = Outcome::Failure;
    ports.work.commit(Work { changes: vec![], audit: vec![audit] }).await?;
    if failures < MAX_SECOND_FACTOR_FAILURES {
        return Ok(Failed::Wrong { tries_left: MAX_SECOND_FACTOR_FAILURES - failures });
    }
    // The partial session ends and the whole login counts as one failure for lockout (S12).
    end(ports, admin, &auth.session, EndReason::TooManySecondFactorFailures, client).await?;
    let settings = ports.settings.get().await?;
    let now = ports.clock.now();
    let attempt = ports.ids.new_id();
    let key = ThrottleKey::Account(admin.id);
    let states = ports
        .throttle
        .begin_attempt(std::slice::from_ref(&key), attempt, now, settings.lockout.window)
        .await?;
    if let Some(state) = states.first()
        && let Some(until) = settings.lockout.after_failure(state.counts, now).lock_until
    {
        ports.throttle.lock(&key, until).await?;
    }
    Ok(Failed::SessionEnded)
}

impl From<Failed> for Error {
    fn from(f: Failed) -> Self {
        gatehouse_domain::ValidationError::new(
            "code",
            match f {
                Failed::Wrong { .. } => "the code is not valid",
                Failed::SessionEnded => "too many wrong codes; log in again",
            },
        )
        .into()
    }
}

#[cfg(test)]
mod tests;
