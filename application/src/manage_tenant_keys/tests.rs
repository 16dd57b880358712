use gatehouse_domain::parse_key;
use uuid::Uuid;

use super::*;
use crate::testing::{MockPorts, NOW, cli, forbidden_actor, tenant};

fn acme() -> TenantRef {
    "acme".parse().expect("slug")
}

fn stored(n: u128, expires_at: Option<OffsetDateTime>, revoked: bool) -> TenantApiKey {
    TenantApiKey {
        id: TenantKeyId::from_uuid(Uuid::from_u128(n)),
        tenant: tenant(TenantStatus::Active).id,
        prefix: format!("ght_{n:012}"),
        created_at: NOW - Duration::days(10),
        expires_at,
        revoked_at: revoked.then_some(NOW - Duration::days(1)),
        last_used_at: None,
    }
}

/// Ports with tenant `acme` in `status` holding `keys`.
fn ports(status: TenantStatus, keys: Vec<TenantApiKey>) -> MockPorts {
    let mut m = MockPorts::new();
    m.with_tokens();
    m.tenants.expect_get_by_slug().returning(move |_| Ok(Some(tenant(status))));
    m.api_keys.expect_tenant_keys().returning(move |_| Ok(keys.clone()));
    m
}

#[tokio::test]
async fn a_first_key_is_issued_shown_once_and_audited_on_the_tenant() {
    let mut m = ports(TenantStatus::Pending, vec![stored(1, None, true)]);
    m.expect_commit(|w| {
        let [Change::InsertTenantKey { key, hash }] = &w.changes[..] else { panic!("one insert") };
        let text = format!("ght_{}_token-1", key.id.as_uuid().simple());
        assert_eq!(hash, &text.bytes().rev().collect::<Vec<u8>>());
        assert_eq!(key.prefix, text[..16]);
        assert_eq!((w.audit[0].kind, w.audit[0].tenant_id), (AuditKind::TenantKeyIssued, Some(key.tenant)));
        assert!(!serde_json::to_string(&w.audit[0]).expect("json").contains("token-1"), "S27");
    });
    let (key, text) = issue(&m.ports(), &cli(), &acme()).await.expect("issued");
    assert!(text.expose().starts_with(&key.prefix) && text.expose().ends_with("_token-1"));
    assert_eq!(key.state(NOW), KeyStatus::Active);
}

#[tokio::test]
async fn issuing_is_refused_beside_a_live_key_or_for_a_tenant_not_served() {
    let m = ports(TenantStatus::Active, vec![stored(1, None, false)]);
    let err = issue(&m.ports(), &cli(), &acme()).await.expect_err("has one");
    assert_eq!(err.field(), Some("key"));
    for status in [TenantStatus::Suspended, TenantStatus::Cancelled] {
        let p = ports(status, vec![]).ports();
        let err = issue(&p, &cli(), &acme()).await.expect_err("not served");
        assert_eq!(err.field(), Some("status"), "{status}");
        let err = rotate(&p, &cli(), &acme(), DEFAULT_OVERLAP).await.expect_err("not served");
        assert_eq!(err.field(), Some("status"), "{status}");
    }
    let m = ports(TenantStatus::Active, vec![]);
    assert!(issue(&m.ports(), &forbidden_actor(), &acme()).await.expect_err("role").is_forbidden());
}

#[tokio::test]
async fn rotation_gives_the_old_keys_an_end_in_the_same_work() {
    let mut m = ports(TenantStatus::Active, vec![stored(1, None, false)]);
    m.expect_commit(|w| {
        let [Change::ExpireTenantKeys { at, .. }, Change::InsertTenantKey { .. }] = &w.changes[..] else {
            panic!("expire, then insert: {:?}", w.changes)
        };
        assert_eq!(*at, NOW + DEFAULT_OVERLAP);
        assert!(w.audit[0].reason.as_deref().is_some_and(|r| r.contains("2026-11-22T12:00:00Z")));
    });
    let p = m.ports();
    let (key, _) = rotate(&p, &cli(), &acme(), DEFAULT_OVERLAP).await.expect("rotated");
    assert_eq!(key.expires_at, None);
    for bad in [Duration::seconds(-1), MAX_OVERLAP + Duration::seconds(1)] {
        assert_eq!(rotate(&p, &cli(), &acme(), bad).await.expect_err("overlap").field(), Some("overlap"));
    }
}

#[tokio::test]
async fn revoking_all_or_one() {
    let keys =
        vec![stored(1, None, false), stored(2, Some(NOW + Duration::hours(1)), false), stored(3, None, true)];
    let mut m = ports(TenantStatus::Active, keys);
    m.expect_commit(|w| {
        assert!(matches!(w.changes[..], [Change::RevokeTenantKeys { at, .. }] if at == NOW));
        assert_eq!(w.audit[0].kind, AuditKind::TenantKeyRevoked);
        assert_eq!(w.audit[0].reason.as_deref(), Some("revoked ght_000000000001, ght_000000000002"));
    });
    let revoked = revoke(&m.ports(), &cli(), &acme(), Which::All).await.expect("revoked");
    assert_eq!(revoked.iter().map(|k| k.state(NOW)).collect::<Vec<_>>(), [KeyStatus::Revoked; 2]);

    let mut m = ports(TenantStatus::Active, vec![stored(1, None, false), stored(3, None, true)]);
    m.expect_commit(|w| assert!(matches!(w.changes[..], [Change::RevokeTenantKey { id, .. }] if id.as_uuid() == Uuid::from_u128(1))));
    let p = m.ports();
    let one = |n| Which::One(TenantKeyId::from_uuid(Uuid::from_u128(n)));
    assert_eq!(revoke(&p, &cli(), &acme(), one(1)).await.expect("one").len(), 1);
    assert_eq!(revoke(&p, &cli(), &acme(), one(3)).await.expect_err("again").field(), Some("key"));
    assert!(matches!(revoke(&p, &cli(), &acme(), one(9)).await, Err(Error::NotFound { .. })));
    assert!(revoke(&p, &forbidden_actor(), &acme(), Which::All).await.expect_err("role").is_forbidden());

    let m = ports(TenantStatus::Active, vec![stored(3, None, true)]);
    assert!(revoke(&m.ports(), &cli(), &acme(), Which::All).await.expect("nothing left").is_empty());
}

#[tokio::test]
async fn readers_list_the_keys_and_the_text_is_a_tenant_key() {
    let m = ports(TenantStatus::Active, vec![stored(1, None, false)]);
    assert_eq!(list(&m.ports(), &forbidden_actor(), &acme()).await.expect("listed").len(), 1);

    let mut m = MockPorts::new();
    m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
    m.api_keys.expect_tenant_keys().returning(|_| Ok(vec![]));
    m.tokens
        .expect_new_token()
        .returning(|| SecretString::new("x".repeat(gatehouse_domain::api_key::SECRET_LEN)));
    m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
    m.expect_commit(|_| ());
    let (key, text) = issue(&m.ports(), &cli(), &acme()).await.expect("issued");
    assert_eq!(parse_key(text.expose()), Some((KeyKind::Tenant, key.id.as_uuid())));
}

#[test]
fn suspending_and_cancelling_revoke_the_keys() {
    let t = tenant(TenantStatus::Active).id;
    for (to, revokes) in [
        (TenantStatus::Suspended, true),
        (TenantStatus::Cancelled, true),
        (TenantStatus::Active, false),
        (TenantStatus::Pending, false),
    ] {
        let change = revoke_on_status(t, to, NOW);
        assert_eq!(change.is_some(), revokes, "{to}");
        if let Some(c) = change {
            assert_eq!(c, Change::RevokeTenantKeys { tenant: t, at: NOW });
        }
    }
}
