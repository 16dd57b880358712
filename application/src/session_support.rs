//! What the login steps share: the client a request comes from, new sessions with fresh
//! tokens (S16), and safe return paths after login.

use gatehouse_domain::session::{EndReason, Session, SessionStage};
use gatehouse_domain::{AuditEvent, AuditKind, Outcome, SuperAdmin};
use uuid::Uuid;

use crate::ports::{Change, Ports, SecretString};

/// The client a request came from, as the web layer established it (trusted proxies applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

impl Client {
    pub fn new(ip: impl Into<String>, user_agent: impl Into<String>) -> Self {
        let user_agent: String = user_agent.into();
        Client { ip: ip.into(), user_agent: user_agent.chars().take(500).collect() }
    }
}

/// A new session for `admin` with a fresh random token; the token is returned once and only
/// its hash is kept.
pub(crate) fn new_session(
    ports: &Ports,
    admin: &SuperAdmin,
    stage: SessionStage,
    client: &Client,
    remember: bool,
    return_to: Option<String>,
) -> (SecretString, Session) {
    let token = ports.tokens.new_token();
    let now = ports.clock.now();
    let session = Session {
        id: ports.ids.new_id(),
        token_hash: ports.tokens.hash(token.expose()),
        admin_id: admin.id,
        stage,
        created_at: now,
        last_seen_at: now,
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        remember,
        second_factor_failures: 0,
        return_to: return_to.and_then(|p| safe_return_path(&p)),
        ended: None,
    };
    (token, session)
}

/// The second factor is done: a full session under a fresh token replaces the partial one
/// (S16). Returns the token, the new session, the two changes that make the switch, and its
/// `session_created` audit event.
pub(crate) fn rotate_to_full(
    ports: &Ports,
    auth: &crate::validate_session::Authenticated,
    client: &Client,
) -> (SecretString, Session, [Change; 2], AuditEvent) {
    let (token, session) = new_session(
        ports,
        &auth.admin,
        SessionStage::Full,
        client,
        auth.session.remember,
        auth.session.return_to.clone(),
    );
    let changes = [
        Change::EndSession { id: auth.session.id, at: ports.clock.now(), reason: EndReason::Rotated },
        Change::InsertSession(session.clone()),
    ];
    let audit = session_event(ports, &auth.admin, AuditKind::SessionCreated, session.id, client);
    (token, session, changes, audit)
}

/// An audit event by `admin` about one of its sessions.
pub(crate) fn session_event(
    ports: &Ports,
    admin: &SuperAdmin,
    kind: AuditKind,
    session: Uuid,
    client: &Client,
) -> AuditEvent {
    AuditEvent::new(
        ports.ids.new_id(),
        ports.clock.now(),
        kind,
        &gatehouse_domain::Actor::admin(admin),
        Outcome::Success,
    )
    .client(&client.ip, &client.user_agent)
    .reason(format!("session {session}"))
}

/// `path` if it is a same-site absolute path, so a login link cannot send people elsewhere
/// (no open redirect): `/tenants?q=a` passes; `//evil.example`, `/\evil`, `https://…` do not.
pub fn safe_return_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
        && path.len() <= 1000
        && !path.starts_with("/login")
        && !path.starts_with("/logout");
    ok.then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_kept() {
        assert_eq!(safe_return_path("/tenants?q=a").as_deref(), Some("/tenants?q=a"));
        for bad in
            ["//evil.example", "/\\evil.example", "https://evil.example", "evil", "/login/2fa", "/a\nb", ""]
        {
            assert_eq!(safe_return_path(bad), None, "{bad:?}");
        }
    }
}
