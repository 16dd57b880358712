use gatehouse_domain::api_key::SECRET_LEN;
use gatehouse_domain::{KeyName, Permission, TenantScope, key_text};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::testing::{MockPorts, NOW};

const ID: u128 = 42;

fn text(secret: char) -> String {
    key_text(KeyKind::Operator, Uuid::from_u128(ID), &secret.to_string().repeat(SECRET_LEN))
}

fn key(last_used_at: Option<OffsetDateTime>) -> ApiKey {
    ApiKey {
        id: ApiKeyId::from_uuid(Uuid::from_u128(ID)),
        name: KeyName::parse("CRM sync").expect("name"),
        scopes: [Permission::TenantsView].into(),
        tenants: TenantScope::All,
        expires_at: Some(NOW + Duration::days(1)),
        rate_per_minute: None,
        created_by: "admin alice".into(),
        created_at: NOW - Duration::days(1),
        last_used_at,
        revoked_at: None,
    }
}

fn client() -> Client {
    Client::new("203.0.113.9", "curl/8")
}

/// Ports where only the text `text('a')` hashes to the stored `key`.
fn ports_with(stored: ApiKey, m: &mut MockPorts) {
    m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
    let good = text('a').into_bytes();
    let found = stored.clone();
    m.api_keys.expect_by_hash().returning(move |h| Ok((h == good.as_slice()).then(|| found.clone())));
    m.api_keys.expect_get().returning(move |id| Ok((id == stored.id).then(|| stored.clone())));
}

#[tokio::test]
async fn an_active_key_acts_with_its_scopes_and_its_use_is_noted_once_a_minute() {
    let mut m = MockPorts::new();
    ports_with(key(None), &mut m);
    m.api_keys
        .expect_touch()
        .withf(|id, at| id.as_uuid() == Uuid::from_u128(ID) && *at == NOW)
        .times(1)
        .returning(|_, _| Ok(()));
    let principal = run(&m.ports(), &text('a'), &client()).await.expect("ran").expect("accepted");
    assert_eq!(principal.actor.permissions, [Permission::TenantsView].into());
    assert_eq!(principal.key.last_used_at, Some(NOW));

    // Used 30 seconds ago: no write at all (mockall fails on an unexpected touch).
    let mut m = MockPorts::new();
    ports_with(key(Some(NOW - Duration::seconds(30))), &mut m);
    assert!(run(&m.ports(), &text('a'), &client()).await.expect("ran").is_ok());
}

#[tokio::test]
async fn malformed_and_unknown_keys_are_unknown_and_not_audited() {
    let mut m = MockPorts::new();
    ports_with(key(None), &mut m);
    let ports = m.ports();
    let tenant_key = key_text(KeyKind::Tenant, Uuid::from_u128(ID), &"a".repeat(SECRET_LEN));
    let other_id = key_text(KeyKind::Operator, Uuid::from_u128(7), &"a".repeat(SECRET_LEN));
    for presented in ["", "Bearer x", "gh_123", tenant_key.as_str(), other_id.as_str()] {
        let refused = run(&ports, presented, &client()).await.expect("ran").expect_err("refused");
        assert_eq!(refused, KeyRefused::Unknown, "{presented}");
    }
}

#[tokio::test]
async fn a_wrong_secret_is_unknown_to_the_caller_and_audited() {
    let mut m = MockPorts::new();
    ports_with(key(None), &mut m);
    m.expect_commit(|w| {
        assert!(matches!(w.changes[..], [Change::NoteKeyRefusal { at, quiet_since, .. }] if at == NOW && quiet_since == NOW - REFUSAL_AUDIT_EVERY));
        let a = &w.audit[0];
        assert_eq!((a.kind, a.outcome, a.actor_type.as_str()), (AuditKind::AuthnTokenReuse, Outcome::Denied, "api_key"));
        assert!(a.reason.as_deref().is_some_and(|r| r.ends_with("refused: a wrong secret")), "{a:?}");
        assert_eq!(a.ip.as_deref(), Some("203.0.113.9"));
        assert!(!serde_json::to_string(a).expect("json").contains("bbbb"), "no secret in the trail");
    });
    let refused = run(&m.ports(), &text('b'), &client()).await.expect("ran").expect_err("refused");
    assert_eq!(refused, KeyRefused::Unknown);
}

#[tokio::test]
async fn revoked_and_expired_keys_are_refused_and_audited_once_per_quiet_period() {
    let mut revoked = key(None);
    revoked.revoked_at = Some(NOW - Duration::hours(1));
    let mut m = MockPorts::new();
    ports_with(revoked, &mut m);
    // The first refusal is noted; the next ones inside the quiet period are not (storage says
    // NotFound and writes nothing), and the caller sees no difference.
    let mut calls = 0;
    m.work.expect_commit().times(2).returning(move |_| {
        calls += 1;
        if calls == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    });
    let ports = m.ports();
    for _ in 0..2 {
        assert_eq!(
            run(&ports, &text('a'), &client()).await.expect("ran").expect_err("revoked"),
            KeyRefused::Revoked
        );
    }

    let mut expired = key(None);
    expired.expires_at = Some(NOW);
    let mut m = MockPorts::new();
    ports_with(expired, &mut m);
    m.expect_commit(|w| assert!(w.audit[0].reason.as_deref().is_some_and(|r| r.ends_with("expired"))));
    assert_eq!(
        run(&m.ports(), &text('a'), &client()).await.expect("ran").expect_err("expired"),
        KeyRefused::Expired
    );
}

#[tokio::test]
async fn a_storage_failure_is_an_error_not_a_refusal() {
    let mut m = MockPorts::new();
    m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
    m.api_keys.expect_by_hash().returning(|_| Err(StoreError::backend(std::io::Error::other("down"))));
    assert!(matches!(run(&m.ports(), &text('a'), &client()).await, Err(Error::Store(_))));
}

#[tokio::test]
async fn tenant_keys_are_checked_alike_without_an_audit_row() {
    use gatehouse_domain::{TenantApiKey, TenantId, TenantKeyId};
    let text = key_text(KeyKind::Tenant, Uuid::from_u128(ID), &"t".repeat(SECRET_LEN));
    let key = |revoked: bool| {
        let mut k = TenantApiKey::issue(
            TenantKeyId::from_uuid(Uuid::from_u128(ID)),
            TenantId::from_uuid(Uuid::from_u128(1)),
            &text,
            NOW - Duration::days(1),
        );
        k.revoked_at = revoked.then_some(NOW - Duration::hours(1));
        k
    };
    for (revoked, want) in [(false, None), (true, Some(KeyRefused::Revoked))] {
        let mut m = MockPorts::new();
        m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
        let (good, stored) = (text.clone().into_bytes(), key(revoked));
        m.api_keys
            .expect_tenant_key_by_hash()
            .returning(move |h| Ok((h == good.as_slice()).then(|| stored.clone())));
        m.api_keys.expect_touch_tenant_key().times(usize::from(!revoked)).returning(|_, _| Ok(()));
        let ports = m.ports();
        let verdict = tenant_key(&ports, &text).await.expect("ran");
        assert_eq!(verdict.as_ref().err().copied(), want);
        assert_eq!(verdict.ok().and_then(|k| k.last_used_at), (!revoked).then_some(NOW));
        let operator_key = key_text(KeyKind::Operator, Uuid::from_u128(ID), &"t".repeat(SECRET_LEN));
        assert_eq!(tenant_key(&ports, &operator_key).await.expect("ran").err(), Some(KeyRefused::Unknown));
        let wrong = key_text(KeyKind::Tenant, Uuid::from_u128(ID), &"u".repeat(SECRET_LEN));
        assert_eq!(tenant_key(&ports, &wrong).await.expect("ran").err(), Some(KeyRefused::Unknown));
    }
}
