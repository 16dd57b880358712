//! The password step of the SuperAdmin login (S13–S16): throttled per account and per client,
//! identical failures for unknown users, wrong passwords, disabled and locked accounts, and a
//! fresh session token on success.

use gatehouse_domain::lockout::{FailureCounts, LockoutPolicy};
use gatehouse_domain::session::{Session, SessionStage};
use gatehouse_domain::{AdminStatus, AuditEvent, AuditKind, Outcome, SuperAdmin, Username};
use time::Duration;

use crate::ports::{Change, KeyState, Ports, SecretString, ThrottleKey, Work};
use crate::session_support::{Client, new_session};
use crate::{Error, Result};

/// Failures from one client address that lock the address: several times an account's limit,
/// so one office behind a NAT is not locked by one forgetful admin (S13).
pub const CLIENT_FAILURE_FACTOR: u32 = 4;

#[derive(Debug, Clone)]
pub struct Request {
    pub username: String,
    pub password: SecretString,
    pub client: Client,
    pub remember: bool,
    /// A same-site path to go to once logged in.
    pub return_to: Option<String>,
}

/// Where a correct password leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Fully logged in.
    Done,
    /// Enter a TOTP or recovery code at `/login/2fa`.
    SecondFactor,
    /// 2FA is required and not set up: only the set-up pages are open.
    SetupSecondFactor,
}

#[derive(Debug)]
pub struct LoggedIn {
    pub token: SecretString,
    pub session: Session,
    pub admin: SuperAdmin,
    pub next: Next,
}

/// A refused login. Every cause gets the same public answer; `delay` is how long to hold the
/// answer back (growing with failures, S13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub delay: Duration,
}

/// Why a login failed, for the audit trail only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    UnknownUser,
    WrongPassword,
    Disabled,
    Locked,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::UnknownUser => "unknown_user",
            Cause::WrongPassword => "wrong_password",
            Cause::Disabled => "account_disabled",
            Cause::Locked => "locked",
        }
    }
}

pub async fn run(ports: &Ports, req: Request) -> Result<Result<LoggedIn, Refused>> {
    let settings = ports.settings.get().await?;
    let policy = &settings.lockout;
    let now = ports.clock.now();
    let typed = req.username.trim().to_lowercase();
    let admin = match Username::parse(&typed) {
        Ok(name) => ports.admins.get_by_username(&name).await?,
        Err(_) => None,
    };
    let account_key = admin
        .as_ref()
        .map_or_else(|| ThrottleKey::UnknownAccount(typed.clone()), |a| ThrottleKey::Account(a.id));
    let client_key = ThrottleKey::ClientIp(req.client.ip.clone());
    let attempt = ports.ids.new_id();
    let states = ports
        .throttle
        .begin_attempt(&[account_key.clone(), client_key.clone()], attempt, now, policy.window)
        .await?;
    let [account, client] = states[..] else {
        let broken = std::io::Error::other("the login throttle answered for the wrong number of keys");
        return Err(Error::Store(crate::ports::StoreError::backend(broken)));
    };
    let locked = is_locked(policy, account, 1, now) || is_locked(policy, client, CLIENT_FAILURE_FACTOR, now);

    let cause = match (&admin, locked) {
        (_, true) => {
            ports.passwords.verify_dummy(&req.password).await;
            Some(Cause::Locked)
        }
        (None, false) => {
            ports.passwords.verify_dummy(&req.password).await;
            Some(Cause::UnknownUser)
        }
        (Some(a), false) => {
            if !ports.passwords.verify(&req.password, &a.password_hash).await {
                Some(Cause::WrongPassword)
            } else if a.status == AdminStatus::Disabled {
                Some(Cause::Disabled)
            } else {
                None
            }
        }
    };

    let Some(admin) = admin.filter(|_| cause.is_none()) else {
        let cause = cause.unwrap_or(Cause::UnknownUser);
        if cause == Cause::Locked {
            // Not checked, so not counted: a lock must not extend itself while it is tried.
            ports.throttle.succeed(attempt, &[]).await?;
        }
        return Ok(Err(
            refuse(ports, &req, &typed, cause, (account_key, account), (client_key, client)).await?
        ));
    };

    // Forgotten in the login's own transaction, with the session it starts; the account's
    // earlier failures and lock too, when the count found any besides this attempt.
    let reset = if had_failures(account) { vec![account_key] } else { Vec::new() };
    let mut changes = vec![Change::SucceedLoginAttempt { attempt, reset }];
    if ports.passwords.needs_rehash(&admin.password_hash) {
        let mut rehashed = admin.clone();
        rehashed.password_hash = ports.passwords.hash(&req.password).await?;
        rehashed.updated_at = now;
        changes.push(Change::UpdateAdmin(rehashed));
    }
    let next = if admin.totp_enabled {
        Next::SecondFactor
    } else if settings.require_2fa {
        Next::SetupSecondFactor
    } else {
        Next::Done
    };
    let stage = if next == Next::Done { SessionStage::Full } else { SessionStage::Partial };
    let (token, session) =
        new_session(ports, &admin, stage, &req.client, req.remember, req.return_to.clone());
    changes.push(Change::InsertSession(session.clone()));
    let actor = gatehouse_domain::Actor::admin(&admin);
    let audit = vec![
        AuditEvent::new(ports.ids.new_id(), now, AuditKind::AuthnLoginSuccess, &actor, Outcome::Success)
            .client(&req.client.ip, &req.client.user_agent)
            .reason(match next {
                Next::Done => "password accepted; session started",
                Next::SecondFactor => "password accepted; second factor required",
                Next::SetupSecondFactor => "password accepted; second factor must be set up",
            }),
    ];
    ports.work.commit(Work { changes, audit }).await?;
    Ok(Ok(LoggedIn { token, session, admin, next }))
}

/// Whether a key counted more than the attempt just begun, or has a lock (even an expired one).
fn had_failures(state: KeyState) -> bool {
    state.counts.in_window > 1 || state.counts.in_last_hour > 1 || state.locked_until.is_some()
}

fn is_locked(policy: &LockoutPolicy, state: KeyState, factor: u32, now: time::OffsetDateTime) -> bool {
    LockoutPolicy::is_locked(state.locked_until, now)
        || (policy.enabled && state.counts.in_window > policy.max_failures.saturating_mul(factor))
        || state.counts.in_last_hour > policy.max_failures_per_hour.min(100).saturating_mul(factor)
}

/// Records a failed attempt: locks what crossed its limit and audits the cause.
async fn refuse(
    ports: &Ports,
    req: &Request,
    typed: &str,
    cause: Cause,
    (account_key, account): (ThrottleKey, KeyState),
    (client_key, client): (ThrottleKey, KeyState),
) -> Result<Refused> {
    let settings = ports.settings.get().await?;
    let policy = &settings.lockout;
    let now = ports.clock.now();
    let mut audit = vec![
        AuditEvent::anonymous(ports.ids.new_id(), now, AuditKind::AuthnLoginFail, typed, Outcome::Failure)
            .client(&req.client.ip, &req.client.user_agent)
            .reason(cause.as_str()),
    ];
    let decision = policy.after_failure(account.counts, now);
    if cause != Cause::Locked {
        if let Some(until) = decision.lock_until {
            ports.throttle.lock(&account_key, until).await?;
            audit.push(lock_event(
                ports,
                typed,
                req,
                &format!("account locked until {until} after {} failures", account.counts.in_window),
            ));
        }
        let client_counts = FailureCounts {
            in_window: client.counts.in_window / CLIENT_FAILURE_FACTOR,
            in_last_hour: client.counts.in_last_hour / CLIENT_FAILURE_FACTOR,
        };
        if let Some(until) = policy.after_failure(client_counts, now).lock_until {
            ports.throttle.lock(&client_key, until).await?;
            audit.push(lock_event(
                ports,
                typed,
                req,
                &format!("client {} locked until {until}", req.client.ip),
            ));
        }
    }
    ports.work.commit(Work { changes: vec![], audit }).await?;
    Ok(Refused { delay: decision.delay })
}

fn lock_event(ports: &Ports, typed: &str, req: &Request, reason: &str) -> AuditEvent {
    AuditEvent::anonymous(
        ports.ids.new_id(),
        ports.clock.now(),
        AuditKind::AuthnLoginLocked,
        typed,
        Outcome::Denied,
    )
    .client(&req.client.ip, &req.client.user_agent)
    .reason(reason)
}

#[cfg(test)]
mod tests;
