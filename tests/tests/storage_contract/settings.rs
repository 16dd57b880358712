//! `SettingsStore`, first-run setup tokens, and migrating a database that holds login data.

use gatehouse_application::ports::{Change, StoreError, Work};
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{AuditKind, Plan, Role};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{admin, event, now};
use time::Duration;

contract!(settings_default_then_saved, setup_token_is_single_use, migrating_again_keeps_login_data);

async fn save(db: &TestDb, settings: &SystemSettings) {
    let work = Work::new(Change::SaveSettings(settings.clone()), event(AuditKind::SettingsChanged, None));
    db.storage.work.commit(work).await.expect("save");
}

async fn settings_default_then_saved(db: &TestDb) {
    let s = &db.storage;
    assert_eq!(s.settings.get().await.expect("defaults"), SystemSettings::default());
    let mut changed =
        SystemSettings { require_2fa: false, default_plan: Plan::Premium, ..SystemSettings::default() };
    changed.session.idle_timeout = Duration::minutes(30);
    changed.lockout.base_delay = Duration::milliseconds(125);
    changed.maintenance_banner = Some("Upgrade tonight at 22:00 UTC".into());
    save(db, &changed).await;
    assert_eq!(s.settings.get().await.expect("saved"), changed);
    changed.maintenance_banner = None;
    save(db, &changed).await;
    assert_eq!(s.settings.get().await.expect("saved again"), changed);
}

async fn setup_token_is_single_use(db: &TestDb) {
    let s = &db.storage;
    let token = b"hash-of-setup-token".to_vec();
    let expires_at = now() + Duration::hours(1);
    let insert = Change::InsertSetupToken { token_hash: token.clone(), expires_at };
    s.work.commit(Work { changes: vec![insert], audit: vec![] }).await.expect("token");
    let expired = b"hash-of-expired-token".to_vec();
    let insert = Change::InsertSetupToken { token_hash: expired.clone(), expires_at: now() };
    s.work.commit(Work { changes: vec![insert], audit: vec![] }).await.expect("expired token");

    // Spending the token and creating the first owner happen together or not at all.
    let first_owner = |name: &str, token_hash: &[u8]| {
        let owner = admin(name, Role::Owner);
        let work = Work {
            changes: vec![
                Change::UseSetupToken { token_hash: token_hash.to_vec(), at: now() },
                Change::InsertAdmin(owner.clone()),
            ],
            audit: vec![event(AuditKind::AdminCreated, None)],
        };
        (owner, work)
    };
    let (owner, work) = first_owner("owner", &token);
    s.work.commit(work).await.expect("first use");
    assert!(s.admins.get(owner.id).await.expect("get").is_some());
    let audit_before = s.audit.records_after(0, 100).await.expect("audit");

    for (name, token_hash) in [("again", &token), ("late", &expired), ("nobody", &b"unknown".to_vec())] {
        let (intruder, work) = first_owner(name, token_hash);
        let err = s.work.commit(work).await.expect_err(name);
        assert!(matches!(err, StoreError::NotFound), "{name}: {err:?}");
        assert_eq!(s.admins.get(intruder.id).await.expect("get"), None, "{name}: nothing written");
    }
    assert_eq!(s.audit.records_after(0, 100).await.expect("audit"), audit_before, "no audit either");
}

async fn migrating_again_keeps_login_data(db: &TestDb) {
    let s = &db.storage;
    let changed = SystemSettings { require_2fa: false, ..SystemSettings::default() };
    save(db, &changed).await;
    s.migrate().await.expect("again");
    s.migrate().await.expect("and again");
    assert_eq!(s.settings.get().await.expect("kept"), changed);
}
