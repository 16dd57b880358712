//! A hand-run benchmark of the bulk loader at `demo seed` scale (100,000 tenants × 30 days =
//! 3,000,000 usage rows, loaded in chunks as the seeder does), on SQLite and, when
//! `GATEHOUSE_TEST_DATABASE_URL` is set, PostgreSQL:
//!
//! ```text
//! GATEHOUSE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p gatehouse-tests --example storage_bench
//! ```
//!
//! A benchmark, not a test: it reports figures and fails only if the load itself fails.
//! `GATEHOUSE_BENCH_TENANTS`, `GATEHOUSE_BENCH_DAYS` and `GATEHOUSE_BENCH_CHUNK` change the scale.

use std::time::{Duration, Instant};

use gatehouse_application::ports::{Page, SortDirection, TenantQuery, TenantSort};
use gatehouse_domain::{AuditKind, DailyUsage, Plan, Tenant, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, tenant, usage};
use time::macros::date;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn chunk(start: usize, len: usize, days: usize) -> (Vec<Tenant>, Vec<DailyUsage>) {
    let plans = Plan::ALL;
    let tenants: Vec<Tenant> = (start..start + len)
        .map(|i| {
            let domains = [format!("t{i}.example"), format!("www.t{i}.example")];
            let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
            tenant(&format!("Tenant {i}"), &format!("tenant-{i}"), plans[i % 4], &refs, 0)
        })
        .collect();
    let first = date!(2026 - 10 - 01);
    let rows = tenants
        .iter()
        .flat_map(|t| {
            (0..days).map(move |d| {
                let n = u64::try_from(d).expect("small");
                usage(
                    t.id,
                    first + time::Duration::days(i64::try_from(d).expect("small")),
                    100 + n,
                    10 + n,
                    120,
                )
            })
        })
        .collect();
    (tenants, rows)
}

async fn bench(db: TestDb) {
    let (total, days, size) = (
        setting("GATEHOUSE_BENCH_TENANTS", 100_000),
        setting("GATEHOUSE_BENCH_DAYS", 30),
        setting("GATEHOUSE_BENCH_CHUNK", 2_000),
    );
    let (mut generating, mut loading) = (Duration::ZERO, Duration::ZERO);
    let mut start = 0;
    while start < total {
        let len = size.min(total - start);
        let t0 = Instant::now();
        let (tenants, rows) = chunk(start, len, days);
        generating += t0.elapsed();
        let t1 = Instant::now();
        db.storage.bulk.load(&tenants, &rows, vec![event(AuditKind::DemoSeeded, None)]).await.expect("load");
        loading += t1.elapsed();
        start += len;
    }
    let listed = db.storage.tenants.list(&TenantQuery::default()).await.expect("list");
    assert_eq!(listed.total, u64::try_from(total).expect("fits"));
    let queries = [
        ("first page by name", TenantQuery::default()),
        (
            "plan desc, pending only, offset 5000",
            TenantQuery {
                sort: TenantSort::Plan,
                direction: SortDirection::Desc,
                status: Some(TenantStatus::Pending),
                page: Page { limit: 50, offset: 5_000 },
                ..TenantQuery::default()
            },
        ),
        ("search a hostname", TenantQuery { search: Some("www.t4242.".into()), ..TenantQuery::default() }),
    ];
    for (what, q) in queries {
        let t = Instant::now();
        let page = db.storage.tenants.list(&q).await.expect("list");
        eprintln!(
            "  list {what}: {} of {} in {:.1} ms",
            page.items.len(),
            page.total,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    eprintln!(
        "BULK LOAD {}: {total} tenants × {days} days ({} usage rows) in chunks of {size}: load {:.1} s, data generation {:.1} s",
        db.backend(),
        total * days,
        loading.as_secs_f64(),
        generating.as_secs_f64()
    );
    db.cleanup().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    bench(gatehouse_tests::sqlite_db().await).await;
    if let Some(db) = gatehouse_tests::postgres_db().await {
        bench(db).await;
    }
}
