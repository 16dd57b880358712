//! `ApiKeyStore` and the key changes of a unit of work (S29): operator keys found by their
//! keyed hash, revoked once, refusals noted once per quiet period; tenant keys rotated with an
//! overlap, revoked one or all, tied to their tenant.

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{Change, StoreError, Work};
use gatehouse_domain::{
    ApiKey, ApiKeyId, AuditKind, KeyName, Permission, Plan, Tenant, TenantApiKey, TenantKeyId, TenantScope,
};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, now, tenant};
use time::Duration;
use uuid::Uuid;

contract!(
    api_keys_round_trip_and_revoke_once,
    key_use_only_moves_forward,
    refusals_are_noted_once_per_quiet_period,
    tenant_keys_rotate_with_an_overlap_and_revoke,
    tenant_keys_belong_to_an_existing_tenant,
);

fn api_key(name: &str, minutes: i64, tenants: TenantScope) -> ApiKey {
    ApiKey {
        id: ApiKeyId::from_uuid(Uuid::now_v7()),
        name: KeyName::parse(name).expect("name"),
        scopes: [Permission::TenantsView, Permission::UsageView].into(),
        tenants,
        expires_at: Some(now() + Duration::days(90)),
        rate_per_minute: Some(600),
        created_by: "admin alice".into(),
        created_at: now() + Duration::minutes(minutes),
        last_used_at: None,
        revoked_at: None,
    }
}

fn tenant_key(t: &Tenant, minutes: i64) -> TenantApiKey {
    let id = TenantKeyId::from_uuid(Uuid::now_v7());
    TenantApiKey::issue(
        id,
        t.id,
        &format!("ght_{}_x", id.as_uuid().simple()),
        now() + Duration::minutes(minutes),
    )
}

fn hash(name: &str) -> Vec<u8> {
    format!("hash-of-{name}").into_bytes()
}

async fn apply(s: &Storage, change: Change, kind: AuditKind) -> Result<(), StoreError> {
    s.work.commit(Work::new(change, event(kind, None))).await
}

async fn audit_rows(s: &Storage) -> usize {
    s.audit.records_after(0, 10_000).await.expect("records").len()
}

async fn with_tenant(s: &Storage) -> Tenant {
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    apply(s, Change::InsertTenant(t.clone()), AuditKind::TenantCreated).await.expect("tenant");
    t
}

async fn api_keys_round_trip_and_revoke_once(db: &TestDb) {
    let s = &db.storage;
    let t = with_tenant(s).await;
    let older = api_key("CRM sync", 0, TenantScope::Only([t.id].into()));
    let newer =
        ApiKey { expires_at: None, rate_per_minute: None, ..api_key("Billing export", 5, TenantScope::All) };
    for (k, name) in [(&older, "older"), (&newer, "newer")] {
        let insert = Change::InsertApiKey { key: k.clone(), hash: hash(name) };
        apply(s, insert, AuditKind::ApiKeyCreated).await.expect("insert");
    }
    assert_eq!(s.api_keys.get(older.id).await.expect("get"), Some(older.clone()));
    assert_eq!(s.api_keys.by_hash(&hash("newer")).await.expect("by hash"), Some(newer.clone()));
    assert_eq!(s.api_keys.by_hash(&hash("nobody")).await.expect("unknown"), None);
    assert_eq!(s.api_keys.get(ApiKeyId::from_uuid(Uuid::now_v7())).await.expect("missing"), None);
    assert_eq!(
        s.api_keys.list(false).await.expect("list"),
        vec![newer.clone(), older.clone()],
        "newest first"
    );

    let at = now() + Duration::hours(1);
    apply(s, Change::RevokeApiKey { id: older.id, at }, AuditKind::ApiKeyRevoked).await.expect("revoke");
    let revoked = ApiKey { revoked_at: Some(at), ..older.clone() };
    assert_eq!(s.api_keys.by_hash(&hash("older")).await.expect("still found"), Some(revoked.clone()));
    assert_eq!(s.api_keys.list(false).await.expect("active"), vec![newer.clone()]);
    assert_eq!(s.api_keys.list(true).await.expect("all"), vec![newer, revoked]);

    let rows = audit_rows(s).await;
    let again = apply(s, Change::RevokeApiKey { id: older.id, at }, AuditKind::ApiKeyRevoked).await;
    assert!(matches!(again, Err(StoreError::NotFound)), "{again:?}");
    assert_eq!(audit_rows(s).await, rows, "a refused revocation writes no audit row");
}

async fn key_use_only_moves_forward(db: &TestDb) {
    let s = &db.storage;
    let k = api_key("CRM sync", 0, TenantScope::All);
    apply(s, Change::InsertApiKey { key: k.clone(), hash: hash("k") }, AuditKind::ApiKeyCreated)
        .await
        .expect("key");
    let used = |key: Option<ApiKey>| key.expect("key").last_used_at;
    s.api_keys.touch(k.id, now() + Duration::minutes(10)).await.expect("touch");
    assert_eq!(used(s.api_keys.get(k.id).await.expect("get")), Some(now() + Duration::minutes(10)));
    s.api_keys.touch(k.id, now() + Duration::minutes(3)).await.expect("late request");
    assert_eq!(
        used(s.api_keys.get(k.id).await.expect("get")),
        Some(now() + Duration::minutes(10)),
        "not back"
    );

    let t = with_tenant(s).await;
    let tk = tenant_key(&t, 0);
    apply(s, Change::InsertTenantKey { key: tk.clone(), hash: hash("tk") }, AuditKind::TenantKeyIssued)
        .await
        .expect("tenant key");
    s.api_keys.touch_tenant_key(tk.id, now() + Duration::minutes(2)).await.expect("touch");
    s.api_keys.touch_tenant_key(tk.id, now() + Duration::minutes(1)).await.expect("late");
    let stored = s.api_keys.tenant_key_by_hash(&hash("tk")).await.expect("by hash").expect("found");
    assert_eq!(stored.last_used_at, Some(now() + Duration::minutes(2)));
}

async fn refusals_are_noted_once_per_quiet_period(db: &TestDb) {
    let s = &db.storage;
    let k = api_key("CRM sync", 0, TenantScope::All);
    apply(s, Change::InsertApiKey { key: k.clone(), hash: hash("k") }, AuditKind::ApiKeyCreated)
        .await
        .expect("key");
    let note = |minutes: i64| Change::NoteKeyRefusal {
        id: k.id,
        at: now() + Duration::seconds(minutes * 60),
        quiet_since: now() + Duration::seconds(minutes * 60 - 60),
    };
    apply(s, note(0), AuditKind::AuthnTokenReuse).await.expect("first refusal is noted");
    let rows = audit_rows(s).await;
    let quiet = apply(s, note(0) /* same minute */, AuditKind::AuthnTokenReuse).await;
    assert!(matches!(quiet, Err(StoreError::NotFound)), "{quiet:?}");
    assert_eq!(audit_rows(s).await, rows, "nothing audited inside the quiet period");
    apply(s, note(1), AuditKind::AuthnTokenReuse).await.expect("a minute later, noted again");
    assert_eq!(audit_rows(s).await, rows + 1);
    let unknown =
        Change::NoteKeyRefusal { id: ApiKeyId::from_uuid(Uuid::now_v7()), at: now(), quiet_since: now() };
    assert!(matches!(apply(s, unknown, AuditKind::AuthnTokenReuse).await, Err(StoreError::NotFound)));
}

async fn tenant_keys_rotate_with_an_overlap_and_revoke(db: &TestDb) {
    let s = &db.storage;
    let t = with_tenant(s).await;
    let first = tenant_key(&t, 0);
    apply(s, Change::InsertTenantKey { key: first.clone(), hash: hash("first") }, AuditKind::TenantKeyIssued)
        .await
        .expect("first");
    assert_eq!(s.api_keys.tenant_key_by_hash(&hash("first")).await.expect("by hash"), Some(first.clone()));
    assert_eq!(s.api_keys.tenant_key_by_hash(&hash("other")).await.expect("unknown"), None);

    // Rotation: the old key gets an end, the new one none, in one work.
    let ends = now() + Duration::hours(24);
    let second = tenant_key(&t, 1);
    let work = Work {
        changes: vec![
            Change::ExpireTenantKeys { tenant: t.id, at: ends },
            Change::InsertTenantKey { key: second.clone(), hash: hash("second") },
        ],
        audit: vec![event(AuditKind::TenantKeyIssued, Some(t.id))],
    };
    s.work.commit(work).await.expect("rotate");
    let first_ending = TenantApiKey { expires_at: Some(ends), ..first.clone() };
    assert_eq!(s.api_keys.tenant_keys(t.id).await.expect("keys"), vec![second.clone(), first_ending.clone()]);
    // A later end never extends a sooner one.
    let later = Change::ExpireTenantKeys { tenant: t.id, at: ends + Duration::days(1) };
    apply(s, later, AuditKind::TenantKeyIssued).await.expect("expire later");
    let keys = s.api_keys.tenant_keys(t.id).await.expect("keys");
    assert_eq!(keys[1].expires_at, Some(ends));
    assert_eq!(keys[0].expires_at, Some(ends + Duration::days(1)));

    let at = now() + Duration::hours(2);
    let one = Change::RevokeTenantKey { tenant: t.id, id: first.id, at };
    apply(s, one.clone(), AuditKind::TenantKeyRevoked).await.expect("revoke one");
    assert!(matches!(apply(s, one, AuditKind::TenantKeyRevoked).await, Err(StoreError::NotFound)), "twice");
    let other = with_other_tenant(s).await;
    let foreign = Change::RevokeTenantKey { tenant: other.id, id: second.id, at };
    assert!(matches!(apply(s, foreign, AuditKind::TenantKeyRevoked).await, Err(StoreError::NotFound)));

    apply(
        s,
        Change::RevokeTenantKeys { tenant: t.id, at: at + Duration::minutes(1) },
        AuditKind::TenantKeyRevoked,
    )
    .await
    .expect("revoke all");
    let keys = s.api_keys.tenant_keys(t.id).await.expect("keys");
    let revoked: Vec<_> = keys.iter().map(|k| k.revoked_at).collect();
    assert_eq!(revoked, [Some(at + Duration::minutes(1)), Some(at)], "each keeps its own revocation time");
    apply(s, Change::RevokeTenantKeys { tenant: t.id, at }, AuditKind::TenantKeyRevoked)
        .await
        .expect("none left is fine");
    assert!(s.api_keys.tenant_keys(other.id).await.expect("none").is_empty());
}

async fn with_other_tenant(s: &Storage) -> Tenant {
    let t = tenant("Beta", "beta", Plan::Free, &["beta.example"], 0);
    apply(s, Change::InsertTenant(t.clone()), AuditKind::TenantCreated).await.expect("tenant");
    t
}

async fn tenant_keys_belong_to_an_existing_tenant(db: &TestDb) {
    let s = &db.storage;
    let ghost = tenant("Ghost", "ghost", Plan::Free, &["ghost.example"], 0);
    let key = tenant_key(&ghost, 0);
    let err =
        apply(s, Change::InsertTenantKey { key, hash: hash("ghost") }, AuditKind::TenantKeyIssued).await;
    assert!(matches!(err, Err(StoreError::Backend(_))), "{err:?}");
    assert_eq!(audit_rows(s).await, 0, "nothing written");
    assert_eq!(s.api_keys.tenant_key_by_hash(&hash("ghost")).await.expect("lookup"), None);
}
