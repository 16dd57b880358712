//! The storage contract: every behaviour the ports promise, run against SQLite and (when
//! `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL, each test on a fresh database.

use std::collections::BTreeSet;
use std::sync::Arc;

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{
    AuditQuery, Change, Conflict, Page, SortDirection, StoreError, TenantQuery, TenantSort, Work,
};
use gatehouse_domain::audit::ChainVerifier;
use gatehouse_domain::{AuditKind, AuditRecord, Outcome, Plan, Role, Tenant, TenantId, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{admin, event, host, now, tenant, usage};
use time::Duration;
use time::macros::date;

macro_rules! contract {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = gatehouse_tests::sqlite_db().await;
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = gatehouse_tests::postgres_db().await else { return };
                    super::$name(&db).await;
                    db.cleanup().await;
                }
            )+
        }
    };
}

// Operator API keys and tenant keys.
#[path = "storage_contract/api_keys.rs"]
mod api_keys;
// The outbox (e-mails and upstream pushes) and usage inside a unit of work.
#[path = "storage_contract/outbox.rs"]
mod outbox;
// The panel's read models and rollups.
#[path = "storage_contract/panel.rs"]
mod panel;
// The tenant list's text search and totals.
#[path = "storage_contract/search.rs"]
mod search;
// The login ports, one file each (beside this crate root, hence the paths).
#[path = "storage_contract/second_factor.rs"]
mod second_factor;
#[path = "storage_contract/sessions.rs"]
mod sessions;
#[path = "storage_contract/settings.rs"]
mod settings;
// What the speed work must keep exact (caches, merged audit kinds, quick commits).
#[path = "storage_contract/speed.rs"]
mod speed;
#[path = "storage_contract/throttle.rs"]
mod throttle;

contract!(
    tenant_round_trip,
    slug_taken_writes_nothing,
    domain_taken_writes_nothing,
    stale_version_is_refused,
    concurrent_saves_one_wins,
    update_of_missing_tenant_is_not_found,
    domain_changes_persist,
    list_filters_and_search,
    list_sorts_and_pages,
    usage_is_idempotent_with_system_totals,
    concurrent_recorders_keep_the_totals_exact,
    audit_appends_chain,
    a_large_unit_of_work_is_chained_across_insert_chunks,
    audit_list_filters,
    audit_log_refuses_update_and_delete,
    tampering_is_detected,
    concurrent_commits_keep_chain,
    two_instances_appending_keep_one_chain,
    bulk_load_counts,
    migrate_twice_is_noop,
    admins_round_trip,
);

async fn insert(s: &Storage, t: &Tenant) -> Result<(), StoreError> {
    s.work
        .commit(Work::new(Change::InsertTenant(t.clone()), event(AuditKind::TenantCreated, Some(t.id))))
        .await
}

async fn save(s: &Storage, t: &Tenant) -> Result<(), StoreError> {
    s.work
        .commit(Work::new(Change::UpdateTenant(t.clone()), event(AuditKind::TenantUpdated, Some(t.id))))
        .await
}

async fn all_records(s: &Storage) -> Vec<AuditRecord> {
    s.audit.records_after(0, 10_000).await.expect("records")
}

fn verify(records: &[AuditRecord]) -> Result<i64, i64> {
    let mut v = ChainVerifier::default();
    for r in records {
        v.feed(r).map_err(|b| b.seq)?;
    }
    Ok(v.verified())
}

async fn tenant_round_trip(db: &TestDb) {
    let s = &db.storage;
    let mut t = tenant(
        "Acme Corp",
        "acme",
        Plan::Premium,
        &["acme.example", "www.acme.example", "bücher.example"],
        0,
    );
    t.status = TenantStatus::Suspended;
    t.status_reason = Some("unpaid invoice".into());
    insert(s, &t).await.expect("insert");

    assert_eq!(s.tenants.get(t.id).await.expect("get"), Some(t.clone()));
    assert_eq!(s.tenants.get_by_slug(&t.slug).await.expect("by slug"), Some(t.clone()));
    for d in &t.domains {
        assert_eq!(s.tenants.find_by_domain(&d.hostname).await.expect("by domain"), Some(t.id));
    }
    assert_eq!(s.tenants.find_by_domain(&host("other.example")).await.expect("none"), None);
    assert_eq!(s.tenants.get(TenantId::from_uuid(uuid::Uuid::now_v7())).await.expect("none"), None);
    let loaded = s.tenants.get(t.id).await.expect("get").expect("some");
    assert_eq!(loaded.created_at.nanosecond(), 123_456_000, "microseconds kept exactly");
    s.ping().await.expect("ping");
}

async fn slug_taken_writes_nothing(db: &TestDb) {
    let s = &db.storage;
    insert(s, &tenant("Acme", "acme", Plan::Free, &["acme.example"], 0)).await.expect("first");
    let before = all_records(s).await;
    let clash = tenant("Acme Two", "acme", Plan::Free, &["acme2.example"], 0);
    let err = insert(s, &clash).await.expect_err("slug taken");
    assert!(matches!(err, StoreError::Conflict(Conflict::SlugTaken(ref slug)) if slug == "acme"), "{err:?}");
    assert_eq!(s.tenants.get(clash.id).await.expect("get"), None);
    assert_eq!(s.tenants.find_by_domain(&host("acme2.example")).await.expect("domain"), None);
    assert_eq!(all_records(s).await, before, "audit log unchanged");
}

async fn domain_taken_writes_nothing(db: &TestDb) {
    let s = &db.storage;
    let a = tenant("Acme", "acme", Plan::Free, &["acme.example", "shop.acme.example"], 0);
    insert(s, &a).await.expect("first");
    let before = all_records(s).await;
    let clash = tenant("Beta", "beta", Plan::Free, &["beta.example", "shop.acme.example"], 0);
    let err = insert(s, &clash).await.expect_err("domain taken");
    assert!(
        matches!(err, StoreError::Conflict(Conflict::DomainTaken(ref h)) if h == "shop.acme.example"),
        "{err:?}"
    );
    assert_eq!(s.tenants.get(clash.id).await.expect("get"), None);
    assert_eq!(s.tenants.find_by_domain(&host("beta.example")).await.expect("domain"), None);

    // The same rule when an existing tenant adds a hostname another tenant owns.
    let mut c = tenant("Gamma", "gamma", Plan::Free, &["gamma.example"], 0);
    insert(s, &c).await.expect("gamma");
    let stored = s.tenants.get(c.id).await.expect("get");
    c.add_domain(host("acme.example"), now()).expect("add");
    let err = save(s, &c).await.expect_err("domain taken");
    assert!(
        matches!(err, StoreError::Conflict(Conflict::DomainTaken(ref h)) if h == "acme.example"),
        "{err:?}"
    );
    assert_eq!(s.tenants.get(c.id).await.expect("get"), stored);
    assert_eq!(s.tenants.find_by_domain(&host("acme.example")).await.expect("domain"), Some(a.id));
    assert_eq!(all_records(s).await.len(), before.len() + 1, "only gamma's creation was logged");
}

async fn stale_version_is_refused(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let mut first = s.tenants.get(t.id).await.expect("get").expect("some");
    let stale = first.clone();
    first.change_plan(Plan::Premium, now());
    save(s, &first).await.expect("first save");
    let after_first = s.tenants.get(t.id).await.expect("get").expect("some");
    assert_eq!(after_first.version, 2);
    assert_eq!(after_first.plan, Plan::Premium);
    let records = all_records(s).await.len();

    let mut late = stale;
    late.change_plan(Plan::Free, now());
    let err = save(s, &late).await.expect_err("stale");
    assert!(matches!(err, StoreError::VersionConflict { expected: 1 }), "{err:?}");
    assert_eq!(s.tenants.get(t.id).await.expect("get"), Some(after_first));
    assert_eq!(all_records(s).await.len(), records);
}

async fn concurrent_saves_one_wins(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let loaded = s.tenants.get(t.id).await.expect("get").expect("some");
    let mut handles = Vec::new();
    for name in ["Acme One", "Acme Two"] {
        let work = Arc::clone(&s.work);
        let mut copy = loaded.clone();
        copy.name = gatehouse_domain::TenantName::parse(name).expect("name");
        handles.push(tokio::spawn(async move {
            work.commit(Work::new(
                Change::UpdateTenant(copy.clone()),
                event(AuditKind::TenantUpdated, Some(copy.id)),
            ))
            .await
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.expect("join"));
    }
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts =
        results.iter().filter(|r| matches!(r, Err(StoreError::VersionConflict { expected: 1 }))).count();
    assert_eq!((wins, conflicts), (1, 1), "{results:?}");
    assert_eq!(s.tenants.get(t.id).await.expect("get").expect("some").version, 2);
    assert_eq!(verify(&all_records(s).await), Ok(2));
}

async fn update_of_missing_tenant_is_not_found(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Ghost", "ghost", Plan::Free, &["ghost.example"], 0);
    let err = save(s, &t).await.expect_err("missing");
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert!(all_records(s).await.is_empty());
}

async fn domain_changes_persist(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example", "old.acme.example"], 0);
    insert(s, &t).await.expect("insert");
    let mut t = s.tenants.get(t.id).await.expect("get").expect("some");
    let later = now() + Duration::hours(1);
    t.add_domain(host("new.acme.example"), later).expect("add");
    t.remove_domain(&host("old.acme.example"), later).expect("remove");
    t.set_primary_domain(&host("new.acme.example"), later).expect("primary");
    save(s, &t).await.expect("save");
    let stored = s.tenants.get(t.id).await.expect("get").expect("some");
    let expected = Tenant { version: t.version + 1, ..t.clone() };
    assert_eq!(stored, expected);
    assert_eq!(stored.primary_domain(), Some(&host("new.acme.example")));
    assert_eq!(s.tenants.find_by_domain(&host("old.acme.example")).await.expect("old"), None);
    assert_eq!(s.tenants.find_by_domain(&host("new.acme.example")).await.expect("new"), Some(t.id));
    // The released hostname can now go to another tenant.
    insert(s, &tenant("Other", "other", Plan::Free, &["old.acme.example"], 0)).await.expect("reuse");
    let page = s
        .tenants
        .list(&TenantQuery { search: Some("acme".into()), ..TenantQuery::default() })
        .await
        .expect("list");
    let acme = page.items.iter().find(|i| i.id == t.id).expect("listed");
    assert_eq!((acme.primary_domain.as_deref(), acme.domain_count), (Some("new.acme.example"), 2));
}

/// Twelve tenants across plans, statuses and names, inserted in a shuffled order.
async fn seed_list(s: &Storage) -> Vec<Tenant> {
    let specs: [(&str, &str, Plan, TenantStatus, &str); 12] = [
        ("Zeta Labs", "zeta", Plan::Free, TenantStatus::Active, "zeta.example"),
        ("alpha shop", "alpha-shop", Plan::Basic, TenantStatus::Pending, "shop.alpha.example"),
        ("Beta 100% Sure", "beta", Plan::Premium, TenantStatus::Suspended, "beta.example"),
        ("Gamma_Ray", "gamma-ray", Plan::Enterprise, TenantStatus::Active, "gamma.example"),
        ("Delta", "delta", Plan::Free, TenantStatus::Cancelled, "delta.example"),
        ("Epsilon", "epsilon", Plan::Basic, TenantStatus::Active, "eps.example"),
        ("Eta", "eta", Plan::Premium, TenantStatus::Active, "eta.example"),
        ("Theta", "theta", Plan::Free, TenantStatus::Pending, "theta.example"),
        ("Iota", "iota", Plan::Basic, TenantStatus::Active, "iota.example"),
        ("Kappa", "kappa", Plan::Premium, TenantStatus::Pending, "kappa-widgets.example"),
        ("lambda", "lambda", Plan::Enterprise, TenantStatus::Suspended, "lambda.example"),
        ("Mu", "mu-corp", Plan::Free, TenantStatus::Active, "mu.example"),
    ];
    let mut out = Vec::new();
    for (i, (name, slug, plan, status, domain)) in specs.into_iter().enumerate() {
        // Several tenants share a creation minute, so the id tie-break is exercised.
        let mut t = tenant(name, slug, plan, &[domain], i64::try_from(i % 4).expect("small"));
        t.status = status;
        insert(s, &t).await.expect("insert");
        out.push(t);
    }
    out
}

fn ids(items: &[gatehouse_application::ports::TenantSummary]) -> Vec<TenantId> {
    items.iter().map(|i| i.id).collect()
}

async fn list_ids(s: &Storage, q: TenantQuery) -> (Vec<TenantId>, u64) {
    let page = s.tenants.list(&q).await.expect("list");
    (ids(&page.items), page.total)
}

async fn list_filters_and_search(db: &TestDb) {
    let s = &db.storage;
    let all = seed_list(s).await;
    let expect = |f: &dyn Fn(&Tenant) -> bool| -> BTreeSet<TenantId> {
        all.iter().filter(|t| f(t)).map(|t| t.id).collect()
    };
    let got = |(v, total): (Vec<TenantId>, u64)| {
        assert_eq!(usize::try_from(total).expect("small"), v.len());
        v.into_iter().collect::<BTreeSet<_>>()
    };

    let q = TenantQuery { plan: Some(Plan::Free), ..TenantQuery::default() };
    assert_eq!(got(list_ids(s, q).await), expect(&|t| t.plan == Plan::Free));
    let q =
        TenantQuery { status: Some(TenantStatus::Active), plan: Some(Plan::Basic), ..TenantQuery::default() };
    assert_eq!(
        got(list_ids(s, q).await),
        expect(&|t| t.status == TenantStatus::Active && t.plan == Plan::Basic)
    );

    let search = |text: &str| TenantQuery { search: Some(text.into()), ..TenantQuery::default() };
    let by_slug = |slug: &str| expect(&|t| t.slug.as_str() == slug);
    assert_eq!(got(list_ids(s, search("ZETA lab")).await), by_slug("zeta"), "name, case-insensitive");
    assert_eq!(got(list_ids(s, search("mu-co")).await), by_slug("mu-corp"), "slug");
    assert_eq!(got(list_ids(s, search("WIDGETS.EX")).await), by_slug("kappa"), "domain");
    assert_eq!(got(list_ids(s, search("100%")).await), by_slug("beta"), "% is literal");
    assert_eq!(got(list_ids(s, search("a_r")).await), by_slug("gamma-ray"), "_ is literal");
    assert!(
        got(list_ids(s, search("%")).await).is_empty()
            || got(list_ids(s, search("%")).await) == by_slug("beta")
    );
    assert_eq!(got(list_ids(s, search("zz_no_such")).await), BTreeSet::new());
    assert_eq!(got(list_ids(s, search("   ")).await).len(), all.len(), "blank search is no filter");

    let only: BTreeSet<TenantId> = all.iter().step_by(3).map(|t| t.id).collect();
    let q = TenantQuery { only: Some(only.clone()), ..TenantQuery::default() };
    assert_eq!(got(list_ids(s, q).await), only);
    let q = TenantQuery { only: Some(only.clone()), plan: Some(Plan::Free), ..TenantQuery::default() };
    assert_eq!(
        got(list_ids(s, q).await),
        only.iter().copied().filter(|id| all.iter().any(|t| t.id == *id && t.plan == Plan::Free)).collect()
    );
    let q = TenantQuery { only: Some(BTreeSet::new()), ..TenantQuery::default() };
    assert_eq!(list_ids(s, q).await, (vec![], 0));
}

async fn list_sorts_and_pages(db: &TestDb) {
    let s = &db.storage;
    let all = seed_list(s).await;
    for sort in
        [TenantSort::Name, TenantSort::Slug, TenantSort::Created, TenantSort::Plan, TenantSort::Status]
    {
        let mut expected = all.clone();
        expected.sort_by(|a, b| {
            let key = match sort {
                TenantSort::Name => a.name.as_str().to_lowercase().cmp(&b.name.as_str().to_lowercase()),
                TenantSort::Slug => a.slug.as_str().cmp(b.slug.as_str()),
                TenantSort::Created => a.created_at.cmp(&b.created_at),
                TenantSort::Plan => a.plan.cmp(&b.plan),
                TenantSort::Status => a.status.cmp(&b.status),
            };
            key.then(a.id.cmp(&b.id))
        });
        let asc: Vec<TenantId> = expected.iter().map(|t| t.id).collect();
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let want: Vec<TenantId> = if direction == SortDirection::Asc {
                asc.clone()
            } else {
                asc.iter().rev().copied().collect()
            };
            let q = TenantQuery {
                sort,
                direction,
                page: Page { limit: 100, offset: 0 },
                ..TenantQuery::default()
            };
            assert_eq!(list_ids(s, q).await.0, want, "{sort:?} {direction:?}");
            // Pages of 5 cover the list exactly, without overlap.
            let mut paged = Vec::new();
            for offset in (0..12).step_by(5) {
                let q = TenantQuery {
                    sort,
                    direction,
                    page: Page { limit: 5, offset },
                    ..TenantQuery::default()
                };
                let (page, total) = list_ids(s, q).await;
                assert_eq!(total, 12);
                paged.extend(page);
            }
            assert_eq!(paged, want, "{sort:?} {direction:?} paged");
        }
    }
    let q = TenantQuery { page: Page { limit: 5, offset: 100 }, ..TenantQuery::default() };
    assert_eq!(list_ids(s, q).await, (vec![], 12));
}

async fn usage_is_idempotent_with_system_totals(db: &TestDb) {
    let s = &db.storage;
    let a = TenantId::from_uuid(uuid::Uuid::now_v7());
    let b = TenantId::from_uuid(uuid::Uuid::now_v7());
    let (d1, d2, d3) = (date!(2026 - 11 - 01), date!(2026 - 11 - 02), date!(2026 - 11 - 03));
    s.usage
        .record(&[usage(a, d1, 100, 40, 100), usage(a, d2, 300, 25, 200), usage(b, d1, 1000, 10, 50)])
        .await
        .expect("record");
    // Recording a day again replaces it (idempotent), and the system totals follow.
    s.usage.record(&[usage(a, d1, 100, 40, 100)]).await.expect("same again");
    // One call naming a tenant-day twice: the later entry stands, counted once.
    s.usage.record(&[usage(a, d2, 999, 99, 900), usage(a, d2, 200, 30, 300)]).await.expect("overwrite");

    let daily = s.usage.daily(a, d1, d3).await.expect("daily");
    assert_eq!(daily, vec![usage(a, d1, 100, 40, 100), usage(a, d2, 200, 30, 300)]);
    assert_eq!(s.usage.daily(a, d2, d2).await.expect("one day").len(), 1);
    let totals = s.usage.totals(a, d1, d3).await.expect("totals");
    assert_eq!(totals, gatehouse_domain::UsageTotals::sum(&daily));
    assert_eq!(
        (totals.days, totals.auth_attempts, totals.peak_active_users, totals.avg_response_ms),
        (2, 300, 40, 233)
    );
    assert_eq!(s.usage.totals(a, d3, d3).await.expect("empty"), gatehouse_domain::UsageTotals::default());

    let system = s.usage.system_daily(d1, d3).await.expect("system");
    assert_eq!(system.len(), 2);
    let (day, t) = &system[0];
    assert_eq!(*day, d1);
    assert_eq!((t.auth_attempts, t.auth_successes, t.auth_failures), (1100, 990, 110));
    assert_eq!((t.peak_active_users, t.api_calls, t.avg_response_ms, t.days), (50, 2200, 54, 1));
    let (day, t) = &system[1];
    assert_eq!((*day, t.auth_attempts, t.peak_active_users, t.avg_response_ms), (d2, 200, 30, 300));
    assert_eq!(s.usage.system_daily(d2, d2).await.expect("one").len(), 1);
}

/// Recorders of overlapping tenants at once (PostgreSQL lets recorders of different tenants
/// run side by side): every tenant-day replaced many times, and the system totals of each day
/// still the sum of the stored days.
async fn concurrent_recorders_keep_the_totals_exact(db: &TestDb) {
    let tenants: Vec<TenantId> = (0..6).map(|_| TenantId::from_uuid(uuid::Uuid::now_v7())).collect();
    let days = [date!(2026 - 11 - 01), date!(2026 - 11 - 02), date!(2026 - 11 - 03)];
    let mut recorders = Vec::new();
    for round in 0..24_u64 {
        let usage_port = db.storage.usage.clone();
        // Three neighbouring tenants a call, so calls overlap in some tenants and not others.
        let batch: Vec<_> = (0..3)
            .flat_map(|k| {
                let tenant = tenants[usize::try_from(round + k).expect("small") % tenants.len()];
                days.map(|day| usage(tenant, day, 10 + round * 7 + k, 1 + round, 100))
            })
            .collect();
        recorders.push(tokio::spawn(async move { usage_port.record(&batch).await }));
    }
    for recorder in recorders {
        recorder.await.expect("joined").expect("recorded");
    }
    let system = db.storage.usage.system_daily(days[0], days[2]).await.expect("system");
    assert_eq!(system.len(), days.len());
    for (day, totals) in system {
        let mut stored = 0;
        for tenant in &tenants {
            stored += db.storage.usage.totals(*tenant, day, day).await.expect("totals").auth_attempts;
        }
        assert_eq!(totals.auth_attempts, stored, "the system total of {day} is its days' sum");
    }
}

/// More records than one `INSERT` carries (500): every one stored once, in order, chained.
async fn a_large_unit_of_work_is_chained_across_insert_chunks(db: &TestDb) {
    let s = &db.storage;
    let audit: Vec<_> =
        (0..1_201).map(|i| event(AuditKind::AuthzFail, None).reason(format!("#{i}"))).collect();
    s.work.commit(Work { changes: vec![], audit }).await.expect("commit");
    let records = all_records(s).await;
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=1_201).collect::<Vec<i64>>());
    let reasons: Vec<String> = records.iter().filter_map(|r| r.event.reason.clone()).collect();
    assert_eq!(reasons, (0..1_201).map(|i| format!("#{i}")).collect::<Vec<_>>(), "in the order given");
    assert_eq!(verify(&records), Ok(1_201));
}

async fn audit_appends_chain(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    let created = event(AuditKind::TenantCreated, Some(t.id))
        .reason("line one\nline two")
        .client("203.0.113.9", "curl/8")
        .change(None, Some(serde_json::json!({"name": "Acme", "z": [1.5, null, 0.1], "a": {"b": true}})));
    let work = Work {
        changes: vec![Change::InsertTenant(t.clone())],
        audit: vec![created.clone(), event(AuditKind::TenantAccess, Some(t.id))],
    };
    s.work.commit(work).await.expect("commit");
    s.work
        .commit(Work { changes: vec![], audit: vec![event(AuditKind::SyncRun, None)] })
        .await
        .expect("audit only");

    let records = all_records(s).await;
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(records[0].event, created, "stored exactly, JSON and time included");
    assert_eq!(verify(&records), Ok(3));
    assert_eq!(s.audit.records_after(1, 1).await.expect("after"), records[1..2].to_vec());
    assert!(s.audit.records_after(3, 10).await.expect("none").is_empty());
}

async fn audit_list_filters(db: &TestDb) {
    let s = &db.storage;
    let (a, b) = (TenantId::from_uuid(uuid::Uuid::now_v7()), TenantId::from_uuid(uuid::Uuid::now_v7()));
    let mut events = Vec::new();
    for i in 0..10_i64 {
        let mut e = event(
            if i % 2 == 0 { AuditKind::TenantUpdated } else { AuditKind::AuthnLoginFail },
            Some(if i < 5 { a } else { b }),
        );
        e.at = now() + Duration::minutes(i);
        if i % 3 == 0 {
            e.outcome = Outcome::Failure;
        }
        if i == 9 {
            e.actor_label = "alice".into();
        }
        events.push(e);
    }
    s.work.commit(Work { changes: vec![], audit: events }).await.expect("commit");
    let seqs = |rs: Vec<AuditRecord>| rs.iter().map(|r| r.seq).collect::<Vec<_>>();
    let list = |q: AuditQuery| async move { seqs(s.audit.list(&q).await.expect("list")) };

    assert_eq!(
        list(AuditQuery { limit: 100, ..AuditQuery::default() }).await,
        (1..=10).rev().collect::<Vec<_>>()
    );
    assert_eq!(list(AuditQuery::default()).await.len(), 10, "no limit given: a default page");
    assert_eq!(
        list(AuditQuery { tenant: Some(a), limit: 100, ..AuditQuery::default() }).await,
        vec![5, 4, 3, 2, 1]
    );
    assert_eq!(
        list(AuditQuery { kind: Some(AuditKind::AuthnLoginFail), limit: 100, ..AuditQuery::default() }).await,
        vec![10, 8, 6, 4, 2]
    );
    assert_eq!(
        list(AuditQuery { outcome: Some(Outcome::Failure), limit: 100, ..AuditQuery::default() }).await,
        vec![10, 7, 4, 1]
    );
    assert_eq!(
        list(AuditQuery { actor: Some("alice".into()), limit: 100, ..AuditQuery::default() }).await,
        vec![10]
    );
    let window = AuditQuery {
        since: Some(now() + Duration::minutes(2)),
        until: Some(now() + Duration::minutes(4)),
        limit: 100,
        ..AuditQuery::default()
    };
    assert_eq!(list(window).await, vec![5, 4, 3]);
    assert_eq!(list(AuditQuery { before_seq: Some(4), limit: 2, ..AuditQuery::default() }).await, vec![3, 2]);
    assert_eq!(
        list(AuditQuery {
            tenant: Some(b),
            outcome: Some(Outcome::Failure),
            limit: 100,
            ..AuditQuery::default()
        })
        .await,
        vec![10, 7]
    );
}

async fn audit_log_refuses_update_and_delete(db: &TestDb) {
    let s = &db.storage;
    s.work
        .commit(Work { changes: vec![], audit: vec![event(AuditKind::SyncRun, None)] })
        .await
        .expect("commit");
    assert!(
        db.execute("UPDATE audit_log SET reason = 'forged' WHERE seq = 1").await.is_err(),
        "update refused"
    );
    assert!(db.execute("DELETE FROM audit_log WHERE seq = 1").await.is_err(), "delete refused");
    assert_eq!(verify(&all_records(s).await), Ok(1));
}

async fn tampering_is_detected(db: &TestDb) {
    let s = &db.storage;
    let events = (0..4).map(|_| event(AuditKind::TenantUpdated, None)).collect();
    s.work.commit(Work { changes: vec![], audit: events }).await.expect("commit");
    assert_eq!(verify(&all_records(s).await), Ok(4));
    db.drop_audit_update_trigger().await;
    assert_eq!(db.execute("UPDATE audit_log SET reason = 'forged' WHERE seq = 2").await.expect("tamper"), 1);
    assert_eq!(verify(&all_records(s).await), Err(2));
}

async fn concurrent_commits_keep_chain(db: &TestDb) {
    let s = &db.storage;
    let mut handles = Vec::new();
    for i in 0..20 {
        let work = Arc::clone(&s.work);
        handles.push(tokio::spawn(async move {
            let e = event(AuditKind::TenantAccess, None).reason(format!("task {i}"));
            work.commit(Work { changes: vec![], audit: vec![e] }).await
        }));
    }
    for h in handles {
        h.await.expect("join").expect("commit");
    }
    let records = all_records(s).await;
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
    assert_eq!(verify(&records), Ok(20));
}

/// Two instances (two servers, or a server and `gatehouse-ctl`) appending to one database, in
/// turns and at once: one chain, each record after the other instance's.
async fn two_instances_appending_keep_one_chain(db: &TestDb) {
    let first = &db.storage;
    let second = Storage::connect(db.url()).await.expect("a second instance");
    let append = |s: &Storage, reason: String| {
        let work = Arc::clone(&s.work);
        async move {
            work.commit(Work { changes: vec![], audit: vec![event(AuditKind::SyncRun, None).reason(reason)] })
                .await
        }
    };
    for round in 0..3 {
        append(first, format!("first {round}")).await.expect("first");
        append(first, format!("first {round} again")).await.expect("first again");
        append(&second, format!("second {round}")).await.expect("second");
    }
    // Both at once.
    let mut handles = Vec::new();
    for i in 0..10 {
        handles.push(tokio::spawn(append(if i % 2 == 0 { first } else { &second }, format!("at once {i}"))));
    }
    for h in handles {
        h.await.expect("join").expect("commit");
    }
    let records = all_records(first).await;
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), (1..=19).collect::<Vec<_>>());
    assert_eq!(verify(&records), Ok(19));
    let reasons: Vec<&str> = records.iter().take(9).filter_map(|r| r.event.reason.as_deref()).collect();
    assert_eq!(reasons[2..4], ["second 0", "first 1"], "each chained after the other's");
    second.close().await;
}

async fn bulk_load_counts(db: &TestDb) {
    let s = &db.storage;
    let tenants: Vec<Tenant> = (0..50)
        .map(|i| {
            tenant(
                &format!("Bulk {i}"),
                &format!("bulk-{i}"),
                Plan::ALL[i % 4],
                &[&format!("b{i}.example"), &format!("www.b{i}.example")],
                0,
            )
        })
        .collect();
    let days = [date!(2026 - 11 - 01), date!(2026 - 11 - 02), date!(2026 - 11 - 03)];
    let rows: Vec<_> =
        tenants.iter().flat_map(|t| days.iter().map(|d| usage(t.id, *d, 10, 3, 100))).collect();
    s.bulk.load(&tenants, &rows, vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");

    assert_eq!(s.tenants.list(&TenantQuery::default()).await.expect("list").total, 50);
    assert_eq!(s.tenants.get(tenants[7].id).await.expect("get"), Some(tenants[7].clone()));
    assert_eq!(s.tenants.find_by_domain(&host("www.b9.example")).await.expect("domain"), Some(tenants[9].id));
    assert_eq!(s.usage.daily(tenants[3].id, days[0], days[2]).await.expect("daily").len(), 3);
    let system = s.usage.system_daily(days[0], days[2]).await.expect("system");
    assert_eq!(system.len(), 3);
    assert!(
        system
            .iter()
            .all(|(_, t)| t.auth_attempts == 500 && t.peak_active_users == 150 && t.avg_response_ms == 100)
    );
    let records = all_records(s).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].event.kind, AuditKind::DemoSeeded);

    // A second chunk after the first keeps the sums and the chain going.
    let more = vec![tenant("Bulk more", "bulk-more", Plan::Free, &["more.example"], 0)];
    let more_rows = vec![usage(more[0].id, days[0], 10, 3, 100)];
    s.bulk.load(&more, &more_rows, vec![event(AuditKind::DemoSeeded, None)]).await.expect("second");
    assert_eq!(s.usage.system_daily(days[0], days[0]).await.expect("system")[0].1.auth_attempts, 510);
    assert_eq!(verify(&all_records(s).await), Ok(2));
    // A clash in a bulk chunk rolls the whole chunk back.
    let clash = vec![tenant("Clash", "bulk-1", Plan::Free, &["clash.example"], 0)];
    let err = s.bulk.load(&clash, &[], vec![event(AuditKind::DemoSeeded, None)]).await.expect_err("clash");
    assert!(matches!(err, StoreError::Conflict(Conflict::SlugTaken(_))), "{err:?}");
    assert_eq!(all_records(s).await.len(), 2);
}

async fn migrate_twice_is_noop(db: &TestDb) {
    let s = &db.storage;
    insert(s, &tenant("Acme", "acme", Plan::Free, &["acme.example"], 0)).await.expect("insert");
    s.migrate().await.expect("again");
    s.migrate().await.expect("and again");
    assert_eq!(s.tenants.list(&TenantQuery::default()).await.expect("list").total, 1);
    assert!(["sqlite", "postgres"].contains(&s.backend()));
}

async fn admins_round_trip(db: &TestDb) {
    let s = &db.storage;
    let mut zoe = admin("zoe", Role::Auditor);
    zoe.scope = gatehouse_domain::TenantScope::Only(
        [TenantId::from_uuid(uuid::Uuid::now_v7())].into_iter().collect(),
    );
    zoe.totp_enabled = true;
    let amy = admin("amy", Role::Owner);
    for a in [&zoe, &amy] {
        s.work
            .commit(Work::new(Change::InsertAdmin(a.clone()), event(AuditKind::AdminCreated, None)))
            .await
            .expect("insert");
    }
    assert_eq!(s.admins.get(zoe.id).await.expect("get"), Some(zoe.clone()));
    assert_eq!(s.admins.get_by_username(&amy.username).await.expect("by name"), Some(amy.clone()));
    assert_eq!(s.admins.list().await.expect("list"), vec![amy.clone(), zoe.clone()]);
    let twin = admin("zoe", Role::Owner);
    let err = s
        .work
        .commit(Work::new(Change::InsertAdmin(twin.clone()), event(AuditKind::AdminCreated, None)))
        .await
        .expect_err("taken");
    assert!(matches!(err, StoreError::Conflict(Conflict::UsernameTaken(ref u)) if u == "zoe"), "{err:?}");
    assert_eq!(s.admins.get(twin.id).await.expect("get"), None);
    assert_eq!(all_records(s).await.len(), 2);
}

#[tokio::test]
async fn unknown_url_scheme_is_a_clear_error() {
    let err = Storage::connect("mysql://root:secret@localhost/db").await.expect_err("unsupported");
    let text = err.to_string();
    assert!(text.contains("unsupported database URL scheme \"mysql\""), "{text}");
    assert!(!text.contains("secret"), "the password is not echoed: {text}");
}
