//! What the speed work (migration 0005, docs/performance.md) must not change: searched lists
//! kept in memory are exact — paged, re-asked and after writes by this or another process
//! (a second storage handle on the same database) — as are searches with too many matches to
//! keep; the dashboard's rollups follow this process's writes at once; several audit kinds
//! are the newest of each merged; and a look at a tenant, committed without waiting for the
//! disk on PostgreSQL, is chained like any other record. A server's lists, which on PostgreSQL
//! follow the announced tenant-list version instead of reading it (migration 0012), see their
//! own process's writes at once and another's as soon as it is announced, also across a lost
//! listener connection. A server's SQLite log is checkpointed in the background.

use std::collections::BTreeSet;
use std::str::FromStr as _;

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{AuditQuery, Page, TenantQuery, Work};
use gatehouse_domain::{AuditKind, Month, Plan, Tenant, TenantId, TenantName, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, now, tenant, usage};
use time::Duration;

use super::{all_records, insert, save, verify};

contract!(
    a_kept_search_pages_and_follows_every_write,
    a_kept_search_sees_another_process_writing,
    searches_with_too_many_matches_to_keep_stay_exact,
    dashboard_rollups_follow_this_process_at_once,
    dashboard_events_follow_this_process_at_once,
    several_audit_kinds_are_the_newest_of_each_merged,
    a_look_at_a_tenant_is_chained_like_any_record,
    concurrent_looks_are_appended_together_and_chained,
    a_watched_list_sees_every_write,
);

fn searched(text: &str, page: Page) -> TenantQuery {
    TenantQuery { search: Some(text.to_owned()), page, ..TenantQuery::default() }
}

async fn slugs(s: &Storage, q: &TenantQuery) -> (Vec<String>, u64) {
    let page = s.tenants.list(q).await.expect("list");
    (page.items.into_iter().map(|i| i.slug).collect(), page.total)
}

async fn a_kept_search_pages_and_follows_every_write(db: &TestDb) {
    let s = &db.storage;
    let mut all: Vec<Tenant> = Vec::new();
    for i in 0..7 {
        let t =
            tenant(&format!("Orbit {i}"), &format!("orbit-{i}"), Plan::Basic, &[&format!("o{i}.example")], 0);
        insert(s, &t).await.expect("insert");
        all.push(t);
    }
    insert(s, &tenant("Other", "other", Plan::Basic, &["other.example"], 0)).await.expect("other");
    let page = |offset| searched("orbit", Page { limit: 3, offset });
    assert_eq!(slugs(s, &page(0)).await, (vec!["orbit-0".into(), "orbit-1".into(), "orbit-2".into()], 7));
    // Asked again and paged: the same answer, windows in order, the total throughout.
    assert_eq!(slugs(s, &page(0)).await.0, ["orbit-0", "orbit-1", "orbit-2"]);
    assert_eq!(slugs(s, &page(3)).await, (vec!["orbit-3".into(), "orbit-4".into(), "orbit-5".into()], 7));
    assert_eq!(slugs(s, &page(6)).await, (vec!["orbit-6".into()], 7));
    assert_eq!(slugs(s, &page(9)).await, (vec![], 7), "past the end");

    // A rename out of the search, a status change under a filter, a new tenant: each seen next.
    let mut gone = s.tenants.get(all[1].id).await.expect("get").expect("some");
    gone.name = TenantName::parse("Renamed").expect("name");
    gone.slug = gatehouse_domain::TenantSlug::parse("renamed").expect("slug");
    save(s, &gone).await.expect("rename");
    assert_eq!(slugs(s, &page(0)).await, (vec!["orbit-0".into(), "orbit-2".into(), "orbit-3".into()], 6));
    let active = TenantQuery { status: Some(TenantStatus::Active), ..page(0) };
    assert_eq!(slugs(s, &active).await.1, 0);
    let mut on = s.tenants.get(all[4].id).await.expect("get").expect("some");
    on.change_status(TenantStatus::Active, None, now()).expect("activate");
    save(s, &on).await.expect("activate");
    assert_eq!(slugs(s, &active).await, (vec!["orbit-4".into()], 1));
    insert(s, &tenant("Orbit 00", "orbit-00", Plan::Free, &["o00.example"], 0)).await.expect("new");
    assert_eq!(slugs(s, &page(0)).await, (vec!["orbit-0".into(), "orbit-00".into(), "orbit-2".into()], 7));
}

async fn a_kept_search_sees_another_process_writing(db: &TestDb) {
    let s = &db.storage;
    let other = Storage::connect(db.url()).await.expect("a second handle");
    insert(s, &tenant("Nova One", "nova-one", Plan::Basic, &["nova1.example"], 0)).await.expect("one");
    let q = searched("nova", Page { limit: 10, offset: 0 });
    assert_eq!(slugs(s, &q).await.1, 1);
    insert(&other, &tenant("Nova Two", "nova-two", Plan::Basic, &["nova2.example"], 0)).await.expect("two");
    assert_eq!(slugs(s, &q).await, (vec!["nova-one".into(), "nova-two".into()], 2));
    let mut two = other
        .tenants
        .get_by_slug(&gatehouse_domain::TenantSlug::parse("nova-two").expect("slug"))
        .await
        .expect("get")
        .expect("some");
    two.change_plan(Plan::Premium, now());
    save(&other, &two).await.expect("plan");
    let basic = TenantQuery { plan: Some(Plan::Basic), ..q.clone() };
    assert_eq!(slugs(s, &basic).await, (vec!["nova-one".into()], 1));
    other.close().await;
}

/// One more match than the adapter keeps in memory: paged and counted in SQL, still exact.
async fn searches_with_too_many_matches_to_keep_stay_exact(db: &TestDb) {
    let s = &db.storage;
    let count = 10_001_usize;
    let tenants: Vec<Tenant> = (0..count)
        .map(|i| {
            tenant(
                &format!("Crowd {i:05}"),
                &format!("crowd-{i:05}"),
                Plan::ALL[i % 4],
                &[&format!("c{i}.example")],
                0,
            )
        })
        .collect();
    for chunk in tenants.chunks(2_000) {
        s.bulk.load(chunk, &[], vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
    }
    let q = searched("crowd", Page { limit: 2, offset: 0 });
    assert_eq!(slugs(s, &q).await, (vec!["crowd-00000".into(), "crowd-00001".into()], 10_001));
    let last = searched("crowd", Page { limit: 2, offset: 10_000 });
    assert_eq!(slugs(s, &last).await, (vec!["crowd-10000".into()], 10_001));
    let premium = TenantQuery { plan: Some(Plan::Premium), ..q.clone() };
    assert_eq!(slugs(s, &premium).await, (vec!["crowd-00002".into(), "crowd-00006".into()], 2_500));
    insert(s, &tenant("Crowd Late", "crowd-late", Plan::Free, &["late.example"], 0)).await.expect("late");
    assert_eq!(slugs(s, &q).await.1, 10_002);
}

async fn dashboard_rollups_follow_this_process_at_once(db: &TestDb) {
    let s = &db.storage;
    let today = now().date();
    let month = Month::of(today);
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let total =
        |cells: Vec<gatehouse_application::ports::TenantCount>| cells.iter().map(|c| c.tenants).sum::<u64>();
    assert_eq!(total(s.panel.tenant_counts().await.expect("counts")), 1);
    assert!(s.panel.top_tenants(month, 10).await.expect("top").is_empty());
    let days = s.usage.system_daily(today - Duration::days(1), today).await.expect("days");
    assert!(days.is_empty());

    insert(s, &tenant("Beta", "beta", Plan::Free, &["beta.example"], 0)).await.expect("beta");
    s.usage.record(&[usage(t.id, today, 9_000, 10, 50)]).await.expect("usage");
    assert_eq!(total(s.panel.tenant_counts().await.expect("counts")), 2, "a new tenant counts at once");
    let top = s.panel.top_tenants(month, 10).await.expect("top");
    assert_eq!(top.iter().map(|u| (u.tenant.id, u.auth_attempts)).collect::<Vec<_>>(), [(t.id, 9_000)]);
    let near = s.panel.near_quota(month, 10).await.expect("near");
    assert_eq!(near.iter().map(|u| u.tenant.id).collect::<Vec<_>>(), [t.id], "9,000 of 10,000");
    let days = s.usage.system_daily(today - Duration::days(1), today).await.expect("days");
    assert_eq!(days.iter().map(|(d, u)| (*d, u.auth_attempts)).collect::<Vec<_>>(), [(today, 9_000)]);
}

async fn dashboard_events_follow_this_process_at_once(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let security = [AuditKind::AuthnLoginFail, AuditKind::AuthzFail];
    let kinds = |records: Vec<gatehouse_domain::AuditRecord>| {
        records.iter().map(|r| r.event.kind).collect::<Vec<_>>()
    };
    assert!(s.audit.recent(&security, 10).await.expect("recent").is_empty());
    // A look and a session's activity are not security events; the kept answer may stay.
    let look = Work { changes: vec![], audit: vec![event(AuditKind::TenantAccess, Some(t.id))] };
    s.work.commit(look).await.expect("look");
    assert!(s.audit.recent(&security, 10).await.expect("recent").is_empty());
    let failed = Work { changes: vec![], audit: vec![event(AuditKind::AuthnLoginFail, None)] };
    s.work.commit(failed).await.expect("failed login");
    assert_eq!(
        kinds(s.audit.recent(&security, 10).await.expect("recent")),
        [AuditKind::AuthnLoginFail],
        "at once"
    );
    let mut activated = s.tenants.get(t.id).await.expect("get").expect("some");
    activated.change_status(TenantStatus::Active, None, now()).expect("activate");
    save(s, &activated).await.expect("save");
    let audited = kinds(
        s.audit.recent(&[AuditKind::TenantUpdated, AuditKind::AuthnLoginFail], 10).await.expect("recent"),
    );
    assert_eq!(
        audited,
        [AuditKind::TenantUpdated, AuditKind::AuthnLoginFail],
        "another set of kinds, newest first"
    );
    let counts = s.panel.tenant_counts().await.expect("counts");
    assert!(
        counts.iter().any(|c| c.status == TenantStatus::Active && c.tenants == 1),
        "a status counts at once: {counts:?}"
    );
}

async fn several_audit_kinds_are_the_newest_of_each_merged(db: &TestDb) {
    let s = &db.storage;
    let acme = TenantId::from_uuid(uuid::Uuid::now_v7());
    // seq 1…30: a failed login every 10th, a denial every 7th, looks at tenants in between.
    let kinds: Vec<AuditKind> = (1..=30)
        .map(|seq| match (seq % 10, seq % 7) {
            (0, _) => AuditKind::AuthnLoginFail,
            (_, 0) => AuditKind::AuthzFail,
            _ => AuditKind::TenantAccess,
        })
        .collect();
    let events = kinds.iter().enumerate().map(|(i, k)| event(*k, (i % 2 == 0).then_some(acme))).collect();
    s.work.commit(Work { changes: vec![], audit: events }).await.expect("commit");
    let seqs = |q: AuditQuery| async move {
        s.audit.list(&q).await.expect("list").iter().map(|r| r.seq).collect::<Vec<i64>>()
    };
    let security = vec![AuditKind::AuthnLoginFail, AuditKind::AuthzFail, AuditKind::Authn2faFail];
    let q = AuditQuery { kinds: security.clone(), limit: 4, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [30, 28, 21, 20]);
    let q = AuditQuery { kinds: security.clone(), limit: 100, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [30, 28, 21, 20, 14, 10, 7]);
    // With another filter (odd seqs are acme's: its events were the even indexes) and a page.
    let q = AuditQuery { kinds: security.clone(), tenant: Some(acme), limit: 100, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [21, 7]);
    let q = AuditQuery { kinds: security.clone(), before_seq: Some(21), limit: 2, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [20, 14]);
    let q =
        AuditQuery { kinds: security, kind: Some(AuditKind::AuthzFail), limit: 100, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [28, 21, 14, 7], "kind and kinds together: both hold");
    let q = AuditQuery { kinds: vec![AuditKind::AuthnLoginFail], limit: 100, ..AuditQuery::default() };
    assert_eq!(seqs(q).await, [30, 20, 10]);
}

async fn a_look_at_a_tenant_is_chained_like_any_record(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let look = Work { changes: vec![], audit: vec![event(AuditKind::TenantAccess, Some(t.id))] };
    s.work.commit(look).await.expect("look");
    let mut moved = s.tenants.get(t.id).await.expect("get").expect("some");
    moved.change_plan(Plan::Premium, now());
    save(s, &moved).await.expect("save");
    let records = all_records(s).await;
    let kinds: Vec<AuditKind> = records.iter().map(|r| r.event.kind).collect();
    assert_eq!(kinds, [AuditKind::TenantCreated, AuditKind::TenantAccess, AuditKind::TenantUpdated]);
    assert_eq!(verify(&records), Ok(3));
    let looks: BTreeSet<i64> =
        records.iter().filter(|r| r.event.kind == AuditKind::TenantAccess).map(|r| r.seq).collect();
    assert_eq!(looks, BTreeSet::from([2]));
}

/// Looks arriving together are appended in batches: every one of them once, in a chain that
/// verifies, between other units of work.
async fn concurrent_looks_are_appended_together_and_chained(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let mut tasks = Vec::new();
    for i in 0..40 {
        let work = std::sync::Arc::clone(&s.work);
        let mut look = event(AuditKind::TenantAccess, Some(t.id));
        look.reason = Some(format!("look {i}"));
        let units = if i % 10 == 0 {
            // Now and then a unit of work that is not a look, through the usual path.
            vec![Work { changes: vec![], audit: vec![event(AuditKind::AuthzFail, None)] }]
        } else {
            vec![]
        };
        tasks.push(tokio::spawn(async move {
            work.commit(Work { changes: vec![], audit: vec![look] }).await.expect("look");
            for unit in units {
                work.commit(unit).await.expect("other");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let records = all_records(s).await;
    assert_eq!(verify(&records), Ok(45), "1 creation, 40 looks, 4 denials, chained");
    let looks: BTreeSet<String> = records
        .iter()
        .filter(|r| r.event.kind == AuditKind::TenantAccess)
        .filter_map(|r| r.event.reason.clone())
        .collect();
    assert_eq!(looks, (0..40).map(|i| format!("look {i}")).collect::<BTreeSet<_>>());
}

/// How long another process's write may take to show in a watched list (its announcement
/// arrives within milliseconds; the bound only keeps a broken watch from hanging the test).
const ANNOUNCED_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The slugs of the unsearched first page (a list the adapter keeps per version).
async fn first_page(s: &Storage) -> Vec<String> {
    slugs(s, &TenantQuery::default()).await.0
}

/// Waits until `s`'s first page holds `slug`, and says whether it did in time.
async fn shows(s: &Storage, slug: &str) -> bool {
    let deadline = std::time::Instant::now() + ANNOUNCED_WITHIN;
    while std::time::Instant::now() < deadline {
        if first_page(s).await.iter().any(|x| x == slug) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

/// The backends of `db` listening to the tenant-list announcements (PostgreSQL only).
async fn listeners(db: &TestDb) -> Vec<i32> {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(db.url()).await.expect("connect");
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND query LIKE 'LISTEN \"gatehouse_tenant_list\"%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("listeners")
}

/// Waits until `db` has a listener other than `except`, and returns its backend.
async fn a_listener(db: &TestDb, except: Option<i32>) -> i32 {
    let deadline = std::time::Instant::now() + ANNOUNCED_WITHIN;
    loop {
        if let Some(pid) = listeners(db).await.into_iter().find(|&p| Some(p) != except) {
            return pid;
        }
        assert!(std::time::Instant::now() < deadline, "the server never listened");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn a_watched_list_sees_every_write(db: &TestDb) {
    let s = &db.storage;
    s.watch_tenant_list();
    let postgres = db.backend() == "postgres";
    if postgres {
        a_listener(db, None).await;
    }
    let other = Storage::connect(db.url()).await.expect("a second handle");
    insert(s, &tenant("Watch One", "watch-one", Plan::Basic, &["w1.example"], 0)).await.expect("one");
    assert_eq!(first_page(s).await, ["watch-one"], "this process's write, at once");
    assert_eq!(first_page(s).await, ["watch-one"], "asked again");

    insert(&other, &tenant("Watch Two", "watch-two", Plan::Basic, &["w2.example"], 0)).await.expect("two");
    assert!(shows(s, "watch-two").await, "another process's write, once announced");
    insert(s, &tenant("Watch Three", "watch-three", Plan::Basic, &["w3.example"], 0)).await.expect("three");
    assert_eq!(first_page(s).await, ["watch-one", "watch-three", "watch-two"], "this process's, at once");

    if postgres {
        // The listener's connection is cut: the lists read the version until it listens again.
        let cut = a_listener(db, None).await;
        db.execute(&format!("SELECT pg_terminate_backend({cut})")).await.expect("terminate");
        insert(&other, &tenant("Watch Four", "watch-four", Plan::Basic, &["w4.example"], 0))
            .await
            .expect("four");
        assert!(shows(s, "watch-four").await, "seen while the listener is away");
        a_listener(db, Some(cut)).await;
        insert(&other, &tenant("Watch Five", "watch-five", Plan::Basic, &["w5.example"], 0))
            .await
            .expect("five");
        assert!(shows(s, "watch-five").await, "announced again after the reconnection");
    }
    other.close().await;
}

/// A server's SQLite log is checkpointed in the background: a write reaches the database file
/// itself within a few checkpoints, where without them a few writes stay in the log (a commit
/// checkpoints only past 10,000 pages). The file is read alone, as `immutable`, which ignores
/// the log; while a checkpoint writes the file such a read may fail, and is tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_checkpoints_its_log_in_the_background() {
    let unchecked = gatehouse_tests::sqlite_db().await;
    let checked = gatehouse_tests::sqlite_db().await;
    checked.storage.checkpoint_in_background();
    for db in [&unchecked, &checked] {
        insert(&db.storage, &tenant("Logged", "logged", Plan::Basic, &["logged.example"], 0))
            .await
            .expect("insert");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !matches!(in_the_file(&checked, "logged").await, Ok(true)) {
        assert!(std::time::Instant::now() < deadline, "never checkpointed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let unchecked_file = in_the_file(&unchecked, "logged").await.expect("nothing writes that file");
    assert!(!unchecked_file, "without them, the write is only in the log");
    assert_eq!(first_page(&checked.storage).await, ["logged"], "and the store reads it as before");
}

/// Whether the tenant `slug` is in `db`'s database file itself, not counting its log.
async fn in_the_file(db: &TestDb, slug: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(db.url())?.read_only(true).immutable(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let table: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'tenants'")
            .fetch_optional(&mut conn)
            .await?;
    let found = match table {
        Some(_) => sqlx::query_scalar::<_, i64>("SELECT 1 FROM tenants WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut conn)
            .await?
            .is_some(),
        None => false,
    };
    conn.close().await?;
    Ok(found)
}
