//! `PanelQueries` and the rollups behind it: exact after every kind of write, counts that
//! follow tenants, index-ordered lists, keyset billing pages, and the migration's backfill.

use std::collections::BTreeSet;

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{BillingRow, TenantMonthUsage};
use gatehouse_domain::{AuditKind, DailyUsage, Month, Plan, QuotaLevel, Tenant, TenantId, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, now, tenant, usage};
use time::macros::date;

use super::{insert, save};

contract!(
    panel_month_rollup_stays_exact,
    panel_rollups_of_several_tenants_recorded_at_once,
    panel_counts_follow_status_and_plan,
    panel_top_and_near_quota_orders,
    panel_bulk_load_keeps_rollups_exact,
    panel_billing_pages_cover_every_tenant_once,
    panel_migration_backfills_rollups,
);

fn nov() -> Month {
    "2026-11".parse().expect("month")
}

async fn month_of(s: &Storage, id: TenantId) -> Option<TenantMonthUsage> {
    let top = s.panel.top_tenants(nov(), 1_000).await.expect("top");
    top.into_iter().find(|u| u.tenant.id == id)
}

/// The monthly rollup equals the sum of the tenant's daily rows.
async fn assert_exact(s: &Storage, id: TenantId) {
    let m = nov();
    let totals = s.usage.totals(id, m.first_day(), m.last_day()).await.expect("totals");
    let row = month_of(s, id).await.expect("a month row");
    assert_eq!(
        (row.auth_attempts, row.auth_successes, row.auth_failures, row.api_calls),
        (totals.auth_attempts, totals.auth_successes, totals.auth_failures, totals.api_calls)
    );
}

/// One call with the days of several tenants, over two months, some stored before (as a
/// sync's group commit writes them): every tenant's months and each plan's days exact.
async fn panel_rollups_of_several_tenants_recorded_at_once(db: &TestDb) {
    let s = &db.storage;
    let (a, b) = (active("Acme", "acme", Plan::Basic), active("Bolt", "bolt", Plan::Premium));
    insert(s, &a).await.expect("insert");
    insert(s, &b).await.expect("insert");
    s.usage.record(&[usage(a.id, date!(2026 - 11 - 01), 1_000, 5, 100)]).await.expect("before");
    s.usage
        .record(&[
            usage(a.id, date!(2026 - 10 - 31), 7, 1, 10),
            usage(a.id, date!(2026 - 11 - 01), 100, 5, 100),
            usage(b.id, date!(2026 - 10 - 30), 20, 2, 10),
            usage(b.id, date!(2026 - 11 - 01), 40, 4, 10),
            usage(b.id, date!(2026 - 11 - 02), 60, 6, 10),
        ])
        .await
        .expect("record");
    for id in [a.id, b.id] {
        assert_exact(s, id).await;
    }
    assert_eq!(month_of(s, a.id).await.map(|u| u.auth_attempts), Some(100));
    assert_eq!(month_of(s, b.id).await.map(|u| u.auth_attempts), Some(100));
    let october: Month = "2026-10".parse().expect("month");
    let totals = s.usage.totals(b.id, october.first_day(), october.last_day()).await.expect("totals");
    assert_eq!(totals.auth_attempts, 20);
    assert_eq!(
        plan_attempts(s, date!(2026 - 10 - 30), date!(2026 - 11 - 02)).await,
        vec![
            (date!(2026 - 10 - 30), Plan::Premium, 20),
            (date!(2026 - 10 - 31), Plan::Basic, 7),
            (date!(2026 - 11 - 01), Plan::Basic, 100),
            (date!(2026 - 11 - 01), Plan::Premium, 40),
            (date!(2026 - 11 - 02), Plan::Premium, 60),
        ]
    );
    let system = s.usage.system_daily(date!(2026 - 11 - 01), date!(2026 - 11 - 01)).await.expect("system");
    assert_eq!(system.iter().map(|(_, t)| t.auth_attempts).collect::<Vec<_>>(), vec![140]);
}

/// Each plan's authentication attempts per day from `from` to `to`, as the plan series holds them.
async fn plan_attempts(s: &Storage, from: time::Date, to: time::Date) -> Vec<(time::Date, Plan, u64)> {
    let plan = s.panel.plan_daily(from, to).await.expect("plan series");
    plan.iter().map(|p| (p.day, p.plan, p.totals.auth_attempts)).collect()
}

fn active(name: &str, slug: &str, plan: Plan) -> Tenant {
    let mut t = tenant(name, slug, plan, &[&format!("{slug}.example")], 0);
    t.status = TenantStatus::Active;
    t
}

async fn panel_month_rollup_stays_exact(db: &TestDb) {
    let s = &db.storage;
    let a = active("Acme", "acme", Plan::Basic);
    insert(s, &a).await.expect("insert");
    let days =
        [usage(a.id, date!(2026 - 11 - 01), 100, 5, 100), usage(a.id, date!(2026 - 11 - 02), 200, 9, 40)];
    s.usage.record(&days).await.expect("record");
    s.usage.record(&days).await.expect("record twice");
    assert_exact(s, a.id).await;
    assert_eq!(month_of(s, a.id).await.map(|u| u.auth_attempts), Some(300));
    // Overwriting a day replaces it in every rollup; another month stays apart.
    s.usage.record(&[usage(a.id, date!(2026 - 11 - 01), 50, 5, 100)]).await.expect("overwrite");
    s.usage.record(&[usage(a.id, date!(2026 - 10 - 31), 7, 1, 10)]).await.expect("october");
    assert_exact(s, a.id).await;
    assert_eq!(month_of(s, a.id).await.map(|u| (u.auth_attempts, u.quota)), Some((250, 10_000)));
    assert_eq!(
        plan_attempts(s, date!(2026 - 10 - 31), date!(2026 - 11 - 02)).await,
        vec![
            (date!(2026 - 10 - 31), Plan::Basic, 7),
            (date!(2026 - 11 - 01), Plan::Basic, 50),
            (date!(2026 - 11 - 02), Plan::Basic, 200)
        ]
    );
    // The plan series averages response times weighted by attempts, like the system totals.
    let plan = s.panel.plan_daily(date!(2026 - 11 - 02), date!(2026 - 11 - 02)).await.expect("plan series");
    assert_eq!(plan[0].totals.avg_response_ms, 40);
}

async fn counts(s: &Storage) -> Vec<(TenantStatus, Plan, u64)> {
    s.panel
        .tenant_counts()
        .await
        .expect("counts")
        .into_iter()
        .map(|c| (c.status, c.plan, c.tenants))
        .collect()
}

async fn panel_counts_follow_status_and_plan(db: &TestDb) {
    let s = &db.storage;
    assert_eq!(counts(s).await, vec![]);
    let mut a = tenant("Acme", "acme", Plan::Free, &["acme.example"], 0);
    let b = tenant("Beta", "beta", Plan::Free, &["beta.example"], 0);
    insert(s, &a).await.expect("a");
    insert(s, &b).await.expect("b");
    assert_eq!(counts(s).await, vec![(TenantStatus::Pending, Plan::Free, 2)]);
    a.status = TenantStatus::Active;
    save(s, &a).await.expect("activate");
    a.version += 1;
    a.plan = Plan::Premium;
    save(s, &a).await.expect("upgrade");
    a.version += 1;
    // A refused save changes no count.
    let mut stale = a.clone();
    stale.version -= 1;
    stale.status = TenantStatus::Cancelled;
    assert!(save(s, &stale).await.is_err());
    let mut got = counts(s).await;
    got.sort();
    let mut want = vec![(TenantStatus::Pending, Plan::Free, 1), (TenantStatus::Active, Plan::Premium, 1)];
    want.sort();
    assert_eq!(got, want);
}

async fn panel_top_and_near_quota_orders(db: &TestDb) {
    let s = &db.storage;
    let free = active("Free Co", "free-co", Plan::Free);
    let basic = active("Basic Co", "basic-co", Plan::Basic);
    let premium = active("Premium Co", "premium-co", Plan::Premium);
    let ent = active("Ent Co", "ent-co", Plan::Enterprise);
    for t in [&free, &basic, &premium, &ent] {
        insert(s, t).await.expect("insert");
    }
    let day = date!(2026 - 11 - 10);
    let rows: Vec<DailyUsage> = [(&free, 900), (&basic, 12_000), (&premium, 50_000), (&ent, 1_000)]
        .into_iter()
        .map(|(t, n)| usage(t.id, day, n, 1, 10))
        .collect();
    s.usage.record(&rows).await.expect("record");
    let slugs = |v: Vec<TenantMonthUsage>| v.into_iter().map(|u| u.tenant.slug).collect::<Vec<_>>();
    assert_eq!(
        slugs(s.panel.top_tenants(nov(), 10).await.expect("top")),
        ["premium-co", "basic-co", "ent-co", "free-co"]
    );
    assert_eq!(slugs(s.panel.top_tenants(nov(), 2).await.expect("top 2")), ["premium-co", "basic-co"]);
    let near = s.panel.near_quota(nov(), 10).await.expect("near");
    let levels: Vec<_> = near.iter().map(|u| (u.tenant.slug.as_str(), u.level())).collect();
    assert_eq!(levels, [("basic-co", QuotaLevel::Reached), ("free-co", QuotaLevel::Warning)]);
    // Moving to a plan with a larger quota re-rates the month at once.
    let mut upgraded = free.clone();
    upgraded.plan = Plan::Basic;
    upgraded.features.quotas.monthly_authentications = 10_000;
    upgraded.updated_at = now();
    save(s, &upgraded).await.expect("upgrade");
    assert_eq!(slugs(s.panel.near_quota(nov(), 10).await.expect("near")), ["basic-co"]);
    assert_eq!(month_of(s, free.id).await.map(|u| u.quota), Some(10_000));
    assert!(s.panel.top_tenants("2026-10".parse().expect("month"), 10).await.expect("empty").is_empty());
}

async fn panel_bulk_load_keeps_rollups_exact(db: &TestDb) {
    let s = &db.storage;
    let old = active("Old", "old", Plan::Premium);
    insert(s, &old).await.expect("insert");
    s.usage.record(&[usage(old.id, date!(2026 - 11 - 01), 100, 10, 50)]).await.expect("record");
    let new: Vec<Tenant> =
        (0..12).map(|i| active(&format!("New {i}"), &format!("new-{i}"), Plan::ALL[i % 4])).collect();
    let mut rows: Vec<DailyUsage> = new
        .iter()
        .flat_map(|t| [date!(2026 - 10 - 31), date!(2026 - 11 - 01)].map(|d| usage(t.id, d, 30, 2, 20)))
        .collect();
    rows.push(usage(old.id, date!(2026 - 11 - 02), 11, 20, 70));
    s.bulk.load(&new, &rows, vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
    for t in new.iter().chain([&old]) {
        assert_exact(s, t.id).await;
    }
    assert_eq!(month_of(s, old.id).await.map(|u| u.auth_attempts), Some(111));
    let total: u64 = s.panel.tenant_counts().await.expect("counts").iter().map(|c| c.tenants).sum();
    assert_eq!(total, 13);
    let plan = s.panel.plan_daily(date!(2026 - 11 - 01), date!(2026 - 11 - 01)).await.expect("plans");
    let premium: u64 = plan.iter().filter(|p| p.plan == Plan::Premium).map(|p| p.totals.auth_attempts).sum();
    assert_eq!(premium, 100 + 3 * 30);
    let all: u64 = plan.iter().map(|p| p.totals.auth_attempts).sum();
    let system = s.usage.system_daily(date!(2026 - 11 - 01), date!(2026 - 11 - 01)).await.expect("system");
    assert_eq!(all, system[0].1.auth_attempts);
}

async fn all_billing(s: &Storage, limit: u32) -> Vec<BillingRow> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = s.panel.billing_page(nov(), after, limit).await.expect("page");
        after = page.last().map(|r| r.tenant.id);
        let full = page.len() == limit as usize;
        out.extend(page);
        if !full {
            return out;
        }
    }
}

async fn panel_billing_pages_cover_every_tenant_once(db: &TestDb) {
    let s = &db.storage;
    let tenants: Vec<Tenant> =
        (0..23).map(|i| active(&format!("Bill {i}"), &format!("bill-{i}"), Plan::ALL[i % 4])).collect();
    // Free tenants bill only with usage; of those, every other one used the service.
    let rows: Vec<DailyUsage> = tenants
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 5 != 0)
        .map(|(_, t)| usage(t.id, date!(2026 - 11 - 03), 1_500, 1, 9))
        .collect();
    s.bulk.load(&tenants, &rows, vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
    let mut cancelled = active("Gone", "gone", Plan::Premium);
    cancelled.status = TenantStatus::Cancelled;
    insert(s, &cancelled).await.expect("cancelled");
    let expected: BTreeSet<TenantId> = tenants
        .iter()
        .enumerate()
        .filter(|(i, t)| t.plan != Plan::Free || i % 5 != 0)
        .map(|(_, t)| t.id)
        .collect();
    for limit in [1, 5, 100] {
        let lines = all_billing(s, limit).await;
        let ids: Vec<TenantId> = lines.iter().map(|l| l.tenant.id).collect();
        assert_eq!(ids.len(), expected.len(), "page size {limit}: no tenant twice");
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), expected);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "by id");
    }
    let lines = all_billing(s, 100).await;
    let basic = lines.iter().find(|l| l.plan == Plan::Basic).expect("a basic line");
    assert_eq!((basic.included, basic.used), (10_000, 1_500));
    let idle = lines.iter().find(|l| l.tenant.id == tenants[10].id).expect("premium without usage");
    assert_eq!((idle.plan, idle.included, idle.used), (Plan::Premium, 100_000, 0));
    assert!(!lines.iter().any(|l| l.tenant.id == cancelled.id), "cancelled without usage");
}

async fn panel_migration_backfills_rollups(db: &TestDb) {
    let s = &db.storage;
    let a = active("Acme", "acme", Plan::Basic);
    let b = active("Beta", "beta", Plan::Free);
    for t in [&a, &b] {
        insert(s, t).await.expect("insert");
    }
    s.usage
        .record(&[
            usage(a.id, date!(2026 - 11 - 01), 9_000, 3, 30),
            usage(b.id, date!(2026 - 11 - 01), 5, 1, 1),
        ])
        .await
        .expect("record");
    // Back to the schema before 0003, with the data it held, then forward again.
    for sql in [
        "DROP TABLE usage_tenant_monthly",
        "DROP TABLE usage_plan_daily",
        "DROP TABLE tenant_counts",
        "ALTER TABLE tenants DROP COLUMN auth_quota",
        "DELETE FROM _sqlx_migrations WHERE version = 3",
    ] {
        db.execute(sql).await.expect(sql);
    }
    s.migrate().await.expect("migrate 0003 again");
    assert_exact(s, a.id).await;
    let near = s.panel.near_quota(nov(), 10).await.expect("near");
    assert_eq!(near.iter().map(|u| u.tenant.slug.as_str()).collect::<Vec<_>>(), ["acme"]);
    assert_eq!(near[0].quota, 10_000);
    assert_eq!(
        counts(s).await,
        vec![(TenantStatus::Active, Plan::Basic, 1), (TenantStatus::Active, Plan::Free, 1)]
    );
    let plan = s.panel.plan_daily(date!(2026 - 11 - 01), date!(2026 - 11 - 01)).await.expect("plans");
    assert_eq!(
        plan.iter().map(|p| (p.plan, p.totals.auth_attempts)).collect::<Vec<_>>(),
        [(Plan::Basic, 9_000), (Plan::Free, 5)]
    );
}
