use gatehouse_domain::AdminStatus;
use gatehouse_domain::session::SessionStage;

use super::*;
use crate::testing::{MockPorts, NOW, owner, session};

/// Ports whose clock reads `NOW`, holding `session(Full)` last seen `idle` ago.
fn ports_with(m: &mut MockPorts, last_seen_ago: Duration, status: AdminStatus) {
    m.with_default_settings().with_tokens();
    m.sessions.expect_by_token_hash().returning(move |_| {
        let mut s = session(SessionStage::Full);
        s.created_at = NOW - last_seen_ago;
        s.last_seen_at = NOW - last_seen_ago;
        Ok(Some((s, SuperAdmin { status, ..owner() })))
    });
}

fn firefox() -> Client {
    Client::new("203.0.113.9", "Firefox")
}

#[tokio::test]
async fn a_fresh_session_is_valid_and_touched() {
    let mut m = MockPorts::new();
    ports_with(&mut m, Duration::minutes(5), AdminStatus::Active);
    m.sessions.expect_touch().times(1).returning(|_, at| {
        assert_eq!(at, NOW);
        Ok(())
    });
    let auth = run(&m.ports(), "tok", &firefox(), Activity::User).await.expect("ran").expect("valid");
    assert!(auth.is_full());
    assert_eq!(auth.banner, None);
    assert_eq!(auth.expires_at, NOW + Duration::hours(2));
}

#[tokio::test]
async fn idle_timeout_ends_and_audits_the_session_s18() {
    let mut m = MockPorts::new();
    ports_with(&mut m, Duration::hours(2) + Duration::seconds(1), AdminStatus::Active);
    m.expect_commit(|w| {
        assert!(matches!(w.changes[..], [Change::EndSession { reason: EndReason::IdleTimeout, .. }]));
        assert_eq!(w.audit[0].kind, AuditKind::SessionExpired);
    });
    let invalid =
        run(&m.ports(), "tok", &firefox(), Activity::User).await.expect("ran").expect_err("expired");
    assert_eq!(invalid, Invalid::Ended(EndReason::IdleTimeout));
}

#[tokio::test]
async fn another_address_is_a_suspected_hijack_s20() {
    let mut m = MockPorts::new();
    ports_with(&mut m, Duration::minutes(1), AdminStatus::Active);
    m.expect_commit(|w| {
        assert_eq!(w.audit[0].kind, AuditKind::SessionHijackSuspected);
        assert_eq!(w.audit[0].ip.as_deref(), Some("198.51.100.1"));
    });
    let invalid =
        run(&m.ports(), "tok", &Client::new("198.51.100.1", "Firefox"), Activity::User).await.expect("ran");
    assert_eq!(invalid.expect_err("hijack"), Invalid::Ended(EndReason::IpChanged));
}

#[tokio::test]
async fn a_disabled_admin_loses_its_sessions_s19() {
    let mut m = MockPorts::new();
    ports_with(&mut m, Duration::minutes(1), AdminStatus::Disabled);
    m.expect_commit(|w| assert_eq!(w.audit[0].kind, AuditKind::SessionRevoked));
    let invalid = run(&m.ports(), "tok", &firefox(), Activity::User).await.expect("ran");
    assert_eq!(invalid.expect_err("disabled"), Invalid::Ended(EndReason::AdminDisabled));
}

#[tokio::test]
async fn unknown_and_ended_tokens_are_invalid() {
    let mut m = MockPorts::new();
    m.with_tokens();
    m.sessions.expect_by_token_hash().returning(|h| {
        Ok((h == b"dne".as_slice()).then(|| {
            let mut s = session(SessionStage::Full);
            s.ended = Some(gatehouse_domain::session::SessionEnd { at: NOW, reason: EndReason::Logout });
            (s, owner())
        }))
    });
    let ports = m.ports();
    assert_eq!(
        run(&ports, "zzz", &firefox(), Activity::User).await.expect("ran").expect_err("unknown"),
        Invalid::Unknown
    );
    assert_eq!(
        run(&ports, "end", &firefox(), Activity::User).await.expect("ran").expect_err("ended"),
        Invalid::Unknown
    );
}

#[tokio::test]
async fn a_self_reloading_page_does_not_keep_the_session_alive_s18() {
    let mut m = MockPorts::new();
    ports_with(&mut m, Duration::minutes(90), AdminStatus::Active);
    // No touch expected: a background reload is checked but leaves `last_seen_at` alone.
    let auth =
        run(&m.ports(), "tok", &firefox(), Activity::Background).await.expect("ran").expect("still valid");
    assert_eq!(auth.session.last_seen_at, NOW - Duration::minutes(90));
    assert_eq!(auth.expires_at, NOW + Duration::minutes(30));
}
