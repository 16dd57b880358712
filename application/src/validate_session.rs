//! Checking the session behind a request (S18–S20): every request of a logged-in admin passes
//! here before anything else.

use gatehouse_domain::session::{EndReason, Session, SessionStage};
use gatehouse_domain::{Actor, AdminStatus, AuditEvent, AuditKind, Outcome, SuperAdmin};
use time::{Duration, OffsetDateTime};

use crate::Result;
use crate::ports::{Change, Ports, Work};
use crate::session_support::Client;

/// Activity is written at most this often, so busy pages do not write on every request.
const TOUCH_EVERY: Duration = Duration::seconds(30);

/// A request's valid session, its admin, and what the admin may do.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: Session,
    pub admin: SuperAdmin,
    pub actor: Actor,
    pub expires_at: OffsetDateTime,
    /// The maintenance banner to show on every page, if one is set.
    pub banner: Option<String>,
}

impl Authenticated {
    /// A full session: both login steps done (S11).
    pub fn is_full(&self) -> bool {
        self.session.stage == SessionStage::Full
    }
}

/// Whether a request shows a person at work (it keeps the session alive) or a page reloading
/// itself (it must not, or an open dashboard would defeat the idle timeout, S18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    User,
    Background,
}

/// Why there is no valid session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No such token, or the session already ended.
    Unknown,
    /// It ended just now, for this reason.
    Ended(EndReason),
}

pub async fn run(
    ports: &Ports,
    token: &str,
    client: &Client,
    activity: Activity,
) -> Result<Result<Authenticated, Invalid>> {
    let hash = ports.tokens.hash(token);
    let Some((session, admin)) = ports.sessions.by_token_hash(&hash).await?.filter(|(s, _)| s.is_active())
    else {
        return Ok(Err(Invalid::Unknown));
    };
    let settings = ports.settings.get().await?;
    let now = ports.clock.now();
    let verdict = if admin.status == AdminStatus::Disabled {
        Err(EndReason::AdminDisabled)
    } else {
        settings.session.check(&session.facts(), now, &client.ip, &client.user_agent)
    };
    if let Err(reason) = verdict {
        end(ports, &admin, &session, reason, client).await?;
        return Ok(Err(Invalid::Ended(reason)));
    }
    let mut session = session;
    if activity == Activity::User {
        if now - session.last_seen_at >= TOUCH_EVERY {
            ports.sessions.touch(session.id, now).await?;
        }
        session.last_seen_at = session.last_seen_at.max(now);
    }
    let expires_at = settings.session.expires_at(&session.facts());
    Ok(Ok(Authenticated {
        actor: Actor::admin(&admin),
        expires_at,
        session,
        admin,
        banner: settings.maintenance_banner,
    }))
}

/// Ends `session` for `reason`, audited as an expiry, a suspected hijack or a revocation.
pub(crate) async fn end(
    ports: &Ports,
    admin: &SuperAdmin,
    session: &Session,
    reason: EndReason,
    client: &Client,
) -> Result<()> {
    let (kind, outcome) = if reason.is_timeout() {
        (AuditKind::SessionExpired, Outcome::Success)
    } else if reason.is_suspected_hijack() {
        (AuditKind::SessionHijackSuspected, Outcome::Denied)
    } else if reason == EndReason::Logout {
        (AuditKind::SessionEnded, Outcome::Success)
    } else {
        (AuditKind::SessionRevoked, Outcome::Success)
    };
    let now = ports.clock.now();
    let audit = AuditEvent::new(ports.ids.new_id(), now, kind, &Actor::admin(admin), outcome)
        .client(&client.ip, &client.user_agent)
        .reason(format!(
            "session {} ended: {} (started from {} / {})",
            session.id,
            reason.as_str(),
            session.ip,
            session.user_agent
        ));
    let change = Change::EndSession { id: session.id, at: now, reason };
    ports.work.commit(Work::new(change, audit)).await.map_err(Into::into)
}

#[cfg(test)]
mod tests;
