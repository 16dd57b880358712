use std::collections::BTreeSet;

use gatehouse_domain::{KeyStatus, Role, TenantId, TenantStatus, parse_key};

use super::*;
use crate::testing::{MockPorts, NOW, admin, cli, forbidden_actor, tenant};

fn request(scopes: &[Permission], tenants: &[&str]) -> CreateApiKey {
    CreateApiKey {
        name: "  CRM sync ".into(),
        scopes: scopes.iter().copied().collect(),
        tenants: tenants.iter().map(|t| t.parse().expect("slug")).collect(),
        expires_at: Some(NOW + time::Duration::days(90)),
        rate_per_minute: Some(120),
    }
}

fn stored(tenants: TenantScope, revoked: bool) -> ApiKey {
    ApiKey {
        id: ApiKeyId::from_uuid(Uuid::from_u128(42)),
        name: KeyName::parse("CRM sync").expect("name"),
        scopes: [Permission::TenantsView].into(),
        tenants,
        expires_at: None,
        rate_per_minute: None,
        created_by: "admin alice".into(),
        created_at: NOW,
        last_used_at: None,
        revoked_at: revoked.then_some(NOW),
    }
}

#[tokio::test]
async fn creates_a_key_shown_once_and_stored_as_a_hash() {
    let mut m = MockPorts::new();
    m.with_tokens();
    m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
    m.expect_commit(|w| {
        let [Change::InsertApiKey { key, hash }] = &w.changes[..] else { panic!("one insert") };
        let text = format!("gh_{}_token-1", key.id.as_uuid().simple());
        assert_eq!(hash, &text.bytes().rev().collect::<Vec<u8>>(), "the keyed hash of the whole text");
        assert_eq!(key.tenants, TenantScope::Only([tenant(TenantStatus::Active).id].into()));
        assert_eq!((key.name.as_str(), key.rate_per_minute), ("CRM sync", Some(120)));
        assert_eq!(w.audit[0].kind, AuditKind::ApiKeyCreated);
        assert_eq!(w.audit[0].tenant_id, Some(tenant(TenantStatus::Active).id), "one tenant: in its trail");
        let audited = serde_json::to_string(&w.audit[0]).expect("json");
        assert!(!audited.contains("token-1"), "the key never reaches the audit trail (S27)");
    });
    let (key, text) =
        create(&m.ports(), &cli(), request(&[Permission::TenantsView], &["acme"])).await.expect("created");
    assert_eq!(text.expose(), format!("gh_{}_token-1", key.id.as_uuid().simple()));
    assert_eq!(key.state(NOW), KeyStatus::Active);
    assert_eq!(key.created_by, "CLI operator tester");
}

#[tokio::test]
async fn the_text_is_a_well_formed_key() {
    let mut m = MockPorts::new();
    m.tokens
        .expect_new_token()
        .returning(|| SecretString::new("s".repeat(gatehouse_domain::api_key::SECRET_LEN)));
    m.tokens.expect_hash().returning(|t| t.as_bytes().to_vec());
    m.expect_commit(|_| ());
    let (key, text) =
        create(&m.ports(), &cli(), request(&[Permission::UsageView], &[])).await.expect("created");
    assert_eq!(parse_key(text.expose()), Some((KeyKind::Operator, key.id.as_uuid())));
    assert_eq!(key.tenants, TenantScope::All);
}

#[tokio::test]
async fn refusals_write_nothing() {
    let mut m = MockPorts::new();
    m.tenants.expect_get_by_slug().returning(|_| Ok(None));
    let ports = m.ports();
    let operator = admin(Role::Operator, TenantScope::All);
    let err =
        create(&ports, &operator, request(&[Permission::AdminsManage], &[])).await.expect_err("stronger");
    assert!(err.is_forbidden(), "{err}");
    let err =
        create(&ports, &forbidden_actor(), request(&[Permission::TenantsView], &[])).await.expect_err("role");
    assert!(err.is_forbidden(), "{err}");
    let err =
        create(&ports, &cli(), request(&[Permission::TenantsView], &["ghost"])).await.expect_err("tenant");
    assert!(matches!(err, Error::NotFound { what: "tenant", .. }), "{err}");
    let err = create(&ports, &cli(), CreateApiKey { name: " ".into(), ..request(&[], &[]) })
        .await
        .expect_err("name");
    assert_eq!(err.field(), Some("name"));
    let err = create(&ports, &cli(), request(&[], &[])).await.expect_err("no scope");
    assert_eq!(err.field(), Some("scopes"));
}

#[tokio::test]
async fn restricted_admins_list_only_keys_within_their_tenants() {
    let mine = TenantId::from_uuid(Uuid::from_u128(1));
    let mut m = MockPorts::new();
    m.api_keys.expect_list().withf(|all| !*all).returning(move |_| {
        Ok(vec![stored(TenantScope::All, false), stored(TenantScope::Only([mine].into()), false)])
    });
    let ports = m.ports();
    assert_eq!(list(&ports, &cli(), false).await.expect("all").len(), 2);
    let scoped = admin(Role::Operator, TenantScope::Only([mine].into()));
    let seen = list(&ports, &scoped, false).await.expect("mine");
    assert_eq!(seen.iter().map(|k| &k.tenants).collect::<Vec<_>>(), [&TenantScope::Only([mine].into())]);
    assert!(list(&ports, &forbidden_actor(), false).await.expect_err("role").is_forbidden());
}

#[tokio::test]
async fn revoking_is_audited_once_and_refused_after() {
    let mut m = MockPorts::new();
    m.api_keys.expect_get().returning(|id| {
        Ok((id.as_uuid() != Uuid::from_u128(7))
            .then(|| stored(TenantScope::All, id.as_uuid() == Uuid::from_u128(9))))
    });
    m.expect_commit(|w| {
        assert!(matches!(w.changes[..], [Change::RevokeApiKey { at, .. }] if at == NOW));
        assert_eq!((w.audit[0].kind, w.audit[0].outcome), (AuditKind::ApiKeyRevoked, Outcome::Success));
        assert!(w.audit[0].before.is_some() && w.audit[0].after.is_some());
    });
    let ports = m.ports();
    let id = |n| ApiKeyId::from_uuid(Uuid::from_u128(n));
    let key = revoke(&ports, &cli(), id(42)).await.expect("revoked");
    assert_eq!(key.state(NOW), KeyStatus::Revoked);
    assert_eq!(revoke(&ports, &cli(), id(9)).await.expect_err("twice").field(), Some("key"));
    assert!(matches!(revoke(&ports, &cli(), id(7)).await, Err(Error::NotFound { what: "API key", .. })));
    let scoped = admin(Role::Operator, TenantScope::Only(BTreeSet::new()));
    assert!(revoke(&ports, &scoped, id(42)).await.expect_err("scope").is_forbidden());
}
