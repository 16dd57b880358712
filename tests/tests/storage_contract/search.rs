//! The tenant list's text search and totals: a case-insensitive substring of the name, slug or
//! any domain whatever the input's length (the text indexes serve three characters or more,
//! shorter inputs scan), `%`, `_` and the FTS query syntax taken literally, the index in step
//! after every kind of write, and totals exact whichever way they are counted (rollup, page,
//! `COUNT`).

use std::collections::BTreeSet;

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{Change, Page, SortDirection, TenantQuery, TenantSort, Work};
use gatehouse_domain::{AuditKind, Plan, Tenant, TenantId, TenantName, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, host, now, tenant};
use time::Duration;

use super::{insert, save};

contract!(
    search_matches_substrings_of_every_length,
    search_takes_wildcards_and_query_syntax_literally,
    search_follows_domain_changes_and_renames,
    search_finds_bulk_loaded_tenants,
    totals_are_exact_with_and_without_filters,
    filtered_pages_are_the_same_whichever_way_they_are_found,
);

/// Tenants whose fields hold upper case, wildcards, FTS syntax and an internationalised domain.
async fn seed(s: &Storage) -> Vec<Tenant> {
    let specs: [(&str, &str, &[&str]); 8] = [
        ("Zeta Labs", "zeta", &["zeta.example", "shop.zeta-labs.example"]),
        ("Beta 100% Sure", "beta", &["beta.example", "b2.example"]),
        ("Gamma_Ray", "gamma-ray", &["gamma.example", "rays.example"]),
        ("Quote \"Star\" *Corp*", "star-corp", &["star.example", "bücher.example"]),
        ("Back\\slash Ltd", "backslash", &["bs.example", "www.backslash.example"]),
        ("ÅNGSTRÖM Works", "angstrom", &["angstrom.example"]),
        ("Kappa", "kappa", &["kappa-widgets.example", "kw.example"]),
        ("Mu", "mu-corp", &["mu.example", "mu-corp.example"]),
    ];
    let mut out = Vec::new();
    for (name, slug, domains) in specs {
        let t = tenant(name, slug, Plan::Basic, domains, 0);
        insert(s, &t).await.expect("insert");
        out.push(t);
    }
    out
}

/// The fields a search looks into: name, slug, and each domain in ASCII and Unicode form.
fn fields(t: &Tenant) -> Vec<String> {
    let mut out = vec![t.name.as_str().to_owned(), t.slug.as_str().to_owned()];
    for d in &t.domains {
        out.push(d.hostname.as_str().to_owned());
        out.push(d.hostname.to_unicode());
    }
    out
}

/// What a search for `text` must find, worked out here apart from the adapters.
fn expected(all: &[Tenant], text: &str) -> BTreeSet<TenantId> {
    let needle = text.trim().to_lowercase();
    all.iter()
        .filter(|t| fields(t).iter().any(|f| f.to_lowercase().contains(&needle)))
        .map(|t| t.id)
        .collect()
}

/// The tenants a search finds, checking that the total agrees with the page.
async fn found(s: &Storage, text: &str) -> BTreeSet<TenantId> {
    let q = TenantQuery {
        search: Some(text.to_owned()),
        page: Page { limit: 100, offset: 0 },
        ..TenantQuery::default()
    };
    let page = s.tenants.list(&q).await.expect("list");
    assert_eq!(usize::try_from(page.total).expect("small"), page.items.len(), "total of {text:?}");
    page.items.iter().map(|i| i.id).collect()
}

/// Every substring of 1 to 4 characters of every field (and each whole field), in lower, upper
/// and the stored case. Inputs with a space are left out: the stored search text joins the
/// fields with spaces, so such an input could also match across two fields.
async fn search_matches_substrings_of_every_length(db: &TestDb) {
    let s = &db.storage;
    let all = seed(s).await;
    let mut inputs = BTreeSet::new();
    for t in &all {
        for field in fields(t) {
            let chars: Vec<char> = field.chars().collect();
            for len in 1..=4 {
                for w in chars.windows(len) {
                    inputs.insert(w.iter().collect::<String>());
                }
            }
            inputs.insert(field);
        }
    }
    for input in inputs.into_iter().filter(|i| !i.contains(' ')) {
        for text in [input.clone(), input.to_lowercase(), input.to_ascii_uppercase()] {
            let want = expected(&all, &text);
            assert!(!want.is_empty(), "{text:?} is a substring of some field");
            assert_eq!(found(s, &text).await, want, "search {text:?}");
        }
    }
    // Inputs that span words of one field, and surrounding blanks, which are ignored.
    for text in ["zeta lab", "  ZETA LABS  ", "0% s", "ngström w", "ÅNGSTRÖM"] {
        assert_eq!(found(s, text).await, expected(&all, text), "search {text:?}");
    }
    assert_eq!(found(s, "bücher").await, expected(&all, "xn--bcher-kva"), "the Unicode form of a domain");
    assert!(found(s, "zz").await.is_empty());
    assert!(found(s, "no-such-tenant").await.is_empty());
}

async fn search_takes_wildcards_and_query_syntax_literally(db: &TestDb) {
    let s = &db.storage;
    let all = seed(s).await;
    let slug =
        |slug: &str| all.iter().filter(|t| t.slug.as_str() == slug).map(|t| t.id).collect::<BTreeSet<_>>();
    let none = BTreeSet::new();
    for (text, want) in [
        ("%", slug("beta")),
        ("_", slug("gamma-ray")),
        ("100%", slug("beta")),
        ("a_r", slug("gamma-ray")),
        ("a_ray", slug("gamma-ray")),
        ("\\", slug("backslash")),
        ("k\\sl", slug("backslash")),
        ("\"", slug("star-corp")),
        ("\"star\"", slug("star-corp")),
        ("*corp*", slug("star-corp")),
        ("*", slug("star-corp")),
        ("%a%", none.clone()),
        ("z_ta", none.clone()),
        ("g%a", none.clone()),
        ("zeta*", none.clone()),
        ("zeta OR beta", none.clone()),
        ("name:zeta", none.clone()),
        ("NEAR(zeta beta)", none.clone()),
        ("^zeta", none.clone()),
        ("-beta", none.clone()),
    ] {
        assert_eq!(found(s, text).await, want, "search {text:?}");
    }
}

async fn search_follows_domain_changes_and_renames(db: &TestDb) {
    let s = &db.storage;
    let other = tenant("Other", "other", Plan::Free, &["other.example"], 0);
    insert(s, &other).await.expect("other");
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example", "old-shop.example"], 0);
    insert(s, &t).await.expect("insert");
    let just = BTreeSet::from([t.id]);
    assert_eq!(found(s, "old-sh").await, just);

    let mut t = s.tenants.get(t.id).await.expect("get").expect("some");
    let later = now() + Duration::hours(1);
    t.add_domain(host("brand-new.example"), later).expect("add");
    t.remove_domain(&host("old-shop.example"), later).expect("remove");
    save(s, &t).await.expect("save domains");
    assert_eq!(found(s, "brand-n").await, just, "an added domain, by its trigrams");
    assert_eq!(found(s, "d-n").await, just);
    assert_eq!(found(s, "br").await, just, "an added domain, by a scan");
    assert!(found(s, "old-sh").await.is_empty(), "a removed domain");
    assert!(found(s, "d-s").await.is_empty());

    let mut t = s.tenants.get(t.id).await.expect("get").expect("some");
    t.name = TenantName::parse("Renamed Widgets").expect("name");
    save(s, &t).await.expect("rename");
    assert_eq!(found(s, "RENAMED").await, just);
    assert!(found(s, "acme").await.contains(&t.id), "still found by slug and domain");
    let mut t = s.tenants.get(t.id).await.expect("get").expect("some");
    t.name = TenantName::parse("Plain").expect("name");
    save(s, &t).await.expect("rename again");
    assert!(found(s, "widgets").await.is_empty(), "the old name is gone from the index");

    // A save that leaves the search text alone (a status change) keeps the tenant findable.
    let mut t = s.tenants.get(t.id).await.expect("get").expect("some");
    t.change_status(TenantStatus::Active, None, later).expect("activate");
    save(s, &t).await.expect("activate");
    assert_eq!(found(s, "plain").await, just);
    assert_eq!(found(s, "brand-new").await, just);
    assert_eq!(found(s, "other").await, BTreeSet::from([other.id]));
}

async fn search_finds_bulk_loaded_tenants(db: &TestDb) {
    let s = &db.storage;
    let tenants: Vec<Tenant> = (0..30)
        .map(|i| {
            tenant(
                &format!("Bulk Widget {i}"),
                &format!("bulk-{i}"),
                Plan::ALL[i % 4],
                &[&format!("b{i}.example"), &format!("w{i}.bulk-load.example")],
                0,
            )
        })
        .collect();
    s.bulk.load(&tenants, &[], vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
    let ids = |f: &dyn Fn(usize) -> bool| -> BTreeSet<TenantId> {
        tenants.iter().enumerate().filter(|(i, _)| f(*i)).map(|(_, t)| t.id).collect()
    };
    assert_eq!(found(s, "BULK-LOAD").await, ids(&|_| true));
    assert_eq!(found(s, "widget 1").await, ids(&|i| i == 1 || (10..20).contains(&i)));
    assert_eq!(found(s, "w17.").await, ids(&|i| i == 17));
    assert_eq!(found(s, "7").await, ids(&|i| i % 10 == 7));

    let q = TenantQuery {
        search: Some("widget 1".into()),
        page: Page { limit: 4, offset: 0 },
        ..TenantQuery::default()
    };
    let page = s.tenants.list(&q).await.expect("list");
    assert_eq!((page.items.len(), page.total), (4, 11), "a full page counts the rest");
    let q = TenantQuery { plan: Some(Plan::Free), ..q };
    let free = ids(&|i| (i == 1 || (10..20).contains(&i)) && i % 4 == 0);
    assert_eq!(s.tenants.list(&q).await.expect("list").total, u64::try_from(free.len()).expect("small"));
}

/// Every combination of plan and status filter, with and without a search and a scope, on
/// full pages (counted), partial pages (told by the page) and pages past the end.
async fn totals_are_exact_with_and_without_filters(db: &TestDb) {
    let s = &db.storage;
    let mut all = Vec::new();
    for i in 0..24_usize {
        let mut t = tenant(
            &format!("Tenant {i}"),
            &format!("tenant-{i}"),
            Plan::ALL[i % 4],
            &[&format!("t{i}.{}.example", if i % 3 == 0 { "red" } else { "blue" })],
            0,
        );
        insert(s, &t).await.expect("insert");
        // Status changes move tenants between the rollup's cells.
        let to = [TenantStatus::Active, TenantStatus::Suspended, TenantStatus::Cancelled][i % 3];
        if i % 5 != 0 {
            t.change_status(TenantStatus::Active, None, now()).expect("activate");
            if to != TenantStatus::Active {
                t.change_status(to, Some("test"), now()).expect("status");
            }
            save(s, &t).await.expect("save");
            t.version += 1;
        }
        all.push(t);
    }
    let scope: BTreeSet<TenantId> = all.iter().step_by(2).map(|t| t.id).collect();
    let plans = [None, Some(Plan::Free), Some(Plan::Premium)];
    let statuses =
        [None, Some(TenantStatus::Pending), Some(TenantStatus::Active), Some(TenantStatus::Cancelled)];
    for plan in plans {
        for status in statuses {
            for search in [None, Some("red"), Some("t1"), Some("1")] {
                for only in [None, Some(scope.clone())] {
                    let want = all
                        .iter()
                        .filter(|t| plan.is_none_or(|p| t.plan == p))
                        .filter(|t| status.is_none_or(|st| t.status == st))
                        .filter(|t| {
                            search.is_none_or(|text| expected(std::slice::from_ref(t), text).contains(&t.id))
                        })
                        .filter(|t| only.as_ref().is_none_or(|o| o.contains(&t.id)))
                        .count();
                    let want = u64::try_from(want).expect("small");
                    for page in [
                        Page { limit: 2, offset: 0 },
                        Page { limit: 100, offset: 0 },
                        Page { limit: 3, offset: 50 },
                    ] {
                        let q = TenantQuery {
                            plan,
                            status,
                            search: search.map(str::to_owned),
                            only: only.clone(),
                            page,
                            ..TenantQuery::default()
                        };
                        let got = s.tenants.list(&q).await.expect("list");
                        assert_eq!(
                            got.total,
                            want,
                            "{plan:?} {status:?} {search:?} scoped={} {page:?}",
                            only.is_some()
                        );
                    }
                }
            }
        }
    }
    // A tenant that arrives or changes plan is counted at once.
    let late = tenant("Late", "late", Plan::Free, &["late.example"], 0);
    insert(s, &late).await.expect("late");
    let free =
        TenantQuery { plan: Some(Plan::Free), page: Page { limit: 1, offset: 0 }, ..TenantQuery::default() };
    let before = s.tenants.list(&free).await.expect("list").total;
    let mut late = s.tenants.get(late.id).await.expect("get").expect("some");
    late.change_plan(Plan::Premium, now());
    s.work
        .commit(Work::new(Change::UpdateTenant(late.clone()), event(AuditKind::TenantUpdated, Some(late.id))))
        .await
        .expect("plan");
    assert_eq!(s.tenants.list(&free).await.expect("list").total, before - 1);
    assert_eq!(s.tenants.list(&TenantQuery::default()).await.expect("list").total, 25);
}

/// A list filtered by plan and status reads its few matches through the filters' indexes, and
/// walks its sort order's index when there are many (a thousand or more: `filters::FEW_MATCHES`
/// in the adapters). Either way, every page in every order is the unfiltered list's order with
/// the others left out, and a change shows on the next read (the pages are kept per version).
async fn filtered_pages_are_the_same_whichever_way_they_are_found(db: &TestDb) {
    let s = &db.storage;
    let tenants: Vec<Tenant> = (0..1_300_usize)
        .map(|i| {
            let plan = if i % 13 == 0 { Plan::Premium } else { Plan::Basic };
            let mut t = tenant(
                &format!("Walk {}", (i * 7_919) % 1_300),
                &format!("walk-{i}"),
                plan,
                &[&format!("w{i}.example")],
                0,
            );
            if i % 10 != 0 {
                t.change_status(
                    TenantStatus::Active,
                    None,
                    now() + Duration::seconds(i64::try_from(i).expect("small")),
                )
                .expect("activate");
            }
            t
        })
        .collect();
    s.bulk.load(&tenants, &[], vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
    let status_of = |id: TenantId| tenants.iter().find(|t| t.id == id).map(|t| (t.plan, t.status));
    for sort in
        [TenantSort::Name, TenantSort::Slug, TenantSort::Created, TenantSort::Plan, TenantSort::Status]
    {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            let listed = |plan, status, page| TenantQuery {
                plan,
                status,
                sort,
                direction,
                page,
                ..TenantQuery::default()
            };
            let mut order = Vec::new();
            for offset in [0, 500, 1_000] {
                let page =
                    s.tenants.list(&listed(None, None, Page { limit: 500, offset })).await.expect("list");
                order.extend(page.items.iter().map(|i| i.id));
            }
            assert_eq!(order.len(), 1_300, "{sort:?} {direction:?}");
            // basic + active: 1,080 (walked); basic: 1,200; premium + pending: 10 (indexed).
            for (plan, status) in [
                (Some(Plan::Basic), Some(TenantStatus::Active)),
                (Some(Plan::Basic), None),
                (None, Some(TenantStatus::Active)),
                (Some(Plan::Premium), Some(TenantStatus::Pending)),
                (Some(Plan::Premium), None),
            ] {
                let want: Vec<TenantId> = order
                    .iter()
                    .copied()
                    .filter(|id| {
                        let (p, st) = status_of(*id).expect("loaded");
                        plan.is_none_or(|want| p == want) && status.is_none_or(|want| st == want)
                    })
                    .collect();
                for page in [
                    Page { limit: 50, offset: 0 },
                    Page { limit: 7, offset: 993 },
                    Page { limit: 50, offset: 1_190 },
                ] {
                    let got = s.tenants.list(&listed(plan, status, page)).await.expect("list");
                    let window: Vec<TenantId> = want
                        .iter()
                        .skip(usize::try_from(page.offset).expect("small"))
                        .take(usize::try_from(page.limit).expect("small"))
                        .copied()
                        .collect();
                    let ids: Vec<TenantId> = got.items.iter().map(|i| i.id).collect();
                    assert_eq!(ids, window, "{plan:?} {status:?} {sort:?} {direction:?} {page:?}");
                    assert_eq!(got.total, u64::try_from(want.len()).expect("small"));
                }
            }
        }
    }
    // A kept page is read again after a change.
    let basic_active = TenantQuery {
        plan: Some(Plan::Basic),
        status: Some(TenantStatus::Active),
        page: Page { limit: 50, offset: 0 },
        ..TenantQuery::default()
    };
    let before = s.tenants.list(&basic_active).await.expect("list");
    let first = before.items[0].id;
    let mut t = s.tenants.get(first).await.expect("get").expect("some");
    t.change_status(TenantStatus::Suspended, Some("test"), now()).expect("suspend");
    save(s, &t).await.expect("save");
    let after = s.tenants.list(&basic_active).await.expect("list");
    assert_eq!(after.total, before.total - 1);
    assert!(after.items.iter().all(|i| i.id != first), "the suspended tenant left the page");
    assert_eq!(after.items[0].id, before.items[1].id);
}
