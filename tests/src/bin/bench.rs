//! `bench`: one reproducible measurement of the admin panel at scale.
//!
//! ```text
//! cargo run --release -p gatehouse-tests --bin bench -- --db sqlite|postgres [--quick]
//!     [--tenants N] [--days D] [--connections C] [--seconds S]
//! ```
//!
//! From nothing it creates a database (a SQLite file in a temporary directory, or
//! `gh_bench_<uuid>` on the PostgreSQL server of `--database-url` /
//! `GATEHOUSE_TEST_DATABASE_URL`), migrates, seeds it with the demo generator through
//! `seed_demo::load_chunk` (as `gatehouse-ctl demo seed` does), runs `ANALYZE`, serves the real
//! server in-process, logs an owner in over HTTP, and drives a fixed number of connections
//! from a load generator on a runtime (and threads) of its own against the busiest pages. It
//! prints one `name: value unit` line per figure, writes them as JSON to
//! `target/bench/<db>-<timestamp>.json`, and removes everything it created.
//!
//! A benchmark, not a test: it never runs in `cargo test`, and fails only when a step fails.
//! New pages to measure are new [`load::Scenario`]s in [`scenarios`]. The `sync` figures time
//! `sync_tenants` over every seeded tenant against an in-process stand-in upstream (see
//! [`sync`]); the login figures measure the argon2id ceiling and storms of whole logins against
//! it (see [`login`]). (A crate root's modules would live beside it, hence the `#[path]`s into
//! `bench/`.)

/// The server binary's allocator (`web/src/main.rs`), so the in-process server measures as it runs.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[path = "bench/accounts.rs"]
mod accounts;
#[path = "bench/apart.rs"]
mod apart;
#[path = "bench/database.rs"]
mod database;
#[path = "bench/hashing.rs"]
mod hashing;
#[path = "bench/load.rs"]
mod load;
#[path = "bench/login.rs"]
mod login;
#[path = "bench/options.rs"]
mod options;
#[path = "bench/outcome.rs"]
mod outcome;
#[path = "bench/process.rs"]
mod process;
#[path = "bench/report.rs"]
mod report;
#[path = "bench/seed_cache.rs"]
mod seed_cache;
#[path = "bench/server.rs"]
mod server;
#[path = "bench/sync.rs"]
mod sync;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Parser as _;
use gatehouse_adapters::wiring::{Migrate, install_crypto_provider, wire};
use serde_json::json;

use crate::database::BenchDb;
use crate::load::{Credentials, Scenario, Target};
use crate::options::Options;
use crate::process::{CpuTimes, LOAD_THREADS, SERVER_THREADS, resident_mib};
use crate::report::Report;
use crate::seed_cache::SeedCache;

fn main() -> anyhow::Result<()> {
    if std::env::args().nth(1).as_deref() == Some(apart::SERVE) {
        return apart::serve();
    }
    let opts = Options::parse();
    install_crypto_provider();
    let server_runtime =
        tokio::runtime::Builder::new_multi_thread().thread_name(SERVER_THREADS).enable_all().build()?;
    // The load generator's own runtime and threads, so its CPU can be told from the server's.
    let load_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.load_threads.max(1))
        .thread_name(LOAD_THREADS)
        .enable_all()
        .build()?;
    let result = server_runtime.block_on(run(&opts, load_runtime.handle()));
    drop(load_runtime);
    drop(server_runtime);
    result
}

/// The filtered and searched tenants list, as the figure `name`.
fn tenants_list(name: &'static str, opts: &Options) -> Scenario {
    let search: String = serde_urlencoded::to_string([("q", opts.search.as_str())]).unwrap_or_default();
    Scenario {
        name,
        target: Target::Fixed(format!("/tenants?plan=basic&status=active&{search}")),
        credentials: Credentials::Session,
    }
}

/// The pages under load; the names are the figures' prefixes.
fn scenarios(opts: &Options, slugs: Vec<String>) -> Vec<Scenario> {
    vec![
        tenants_list("tenants_list_filtered", opts),
        Scenario {
            name: "tenant_page",
            target: Target::OneOf { prefix: "/tenants/".into(), choices: Arc::new(slugs) },
            credentials: Credentials::Session,
        },
        Scenario { name: "dashboard", target: Target::Fixed("/".into()), credentials: Credentials::Session },
        // 50 rows (the API's default page), filtered by plan and status.
        Scenario {
            name: "api_tenants_filtered",
            target: Target::Fixed("/api/v1/tenants?plan=basic&status=active".into()),
            credentials: Credentials::ApiKey,
        },
    ]
}

/// The server's own resident memory (`server_rss_*`): the same pages, up to 5 s each, against
/// the server in a process of its own on the same database (see [`apart`]). Returns the pages
/// that answered errors there.
async fn server_apart(
    db: &BenchDb,
    load: &load::Settings,
    pages: &[Scenario],
    load_runtime: &tokio::runtime::Handle,
    report: &mut Report,
) -> anyhow::Result<Vec<String>> {
    let server = apart::Apart::start(db).await?;
    report.figure("server_rss_idle", server.resident_mib()?.0, "MiB");
    let load = server.load(load);
    let mut failed = Vec::new();
    for scenario in pages {
        failed.extend(load::run(load_runtime, &load, scenario).await?.failure(scenario.name));
    }
    let (after, peak) = server.resident_mib()?;
    report.figure("server_rss_after_pages", after, "MiB");
    report.figure("server_rss_peak", peak, "MiB");
    server.stop().await?;
    Ok(failed)
}

/// Migrates the new database and seeds it, with every connection closed afterwards.
async fn seed_fresh(
    settings: &gatehouse_adapters::config::Settings,
    opts: &Options,
    report: &mut Report,
) -> anyhow::Result<database::Seeded> {
    let started = Instant::now();
    let wiring = wire(settings, Migrate::Yes).await.context("creating and migrating the database")?;
    report.figure("create_and_migrate", started.elapsed().as_secs_f64(), "s");
    let seeded = database::seed(&wiring.ports, opts).await.context("seeding")?;
    wiring.storage.close().await;
    Ok(seeded)
}

async fn run(opts: &Options, load_runtime: &tokio::runtime::Handle) -> anyhow::Result<()> {
    let mut report = Report::default();
    println!(
        "bench: {} tenants × {} days on {}, {} connections, {} s per page",
        opts.tenants(),
        opts.days,
        opts.db.name(),
        opts.connections,
        opts.seconds()
    );
    let db = BenchDb::create(opts)?;
    let settings = db.settings()?;
    let cache = if opts.seed_cache { Some(SeedCache::for_options(opts)?) } else { None };
    let restored = match &cache {
        Some(cache) => cache.restore(&db).await.context("restoring the seed cache")?,
        None => None,
    };
    report.figure("seed_cached", if restored.is_some() { 1.0 } else { 0.0 }, "count");
    let seeded = if let Some(seeded) = restored {
        seeded
    } else {
        db.create_empty().await?;
        let seeded = seed_fresh(&settings, opts, &mut report).await?;
        let started = Instant::now();
        db.analyze().await.context("ANALYZE")?;
        report.figure("analyze_time", started.elapsed().as_secs_f64(), "s");
        if let Some(cache) = &cache {
            cache.save(&db, &seeded).await.context("saving the seed cache")?;
        }
        seeded
    };
    #[expect(clippy::cast_precision_loss, reason = "row counts far below 2^52")]
    {
        report.figure("seeded_tenants", seeded.tenants as f64, "count");
        report.figure("seeded_usage_days", seeded.usage_days as f64, "count");
    }
    report.figure("seed_time", seeded.seconds, "s");

    let server = server::start(settings).await?;
    report.figure("start_to_ready", server.start_to_ready.as_secs_f64() * 1000.0, "ms");
    let started = Instant::now();
    let browser = server.login().await?;
    report.figure("first_run_and_login", started.elapsed().as_secs_f64() * 1000.0, "ms");
    let (idle, _) = resident_mib();
    report.figure("rss_idle", idle, "MiB");
    let api_key = server.api_key().await?;

    let load = load::Settings {
        base: server.base.clone(),
        cookie: browser.cookie_header(),
        user_agent: "TestBrowser/1.0".into(),
        api_key,
        connections: opts.connections.max(1),
        warmup: Duration::from_secs(opts.warmup),
        measure: Duration::from_secs(opts.seconds()),
    };
    drop(browser);
    // Pages that answered errors measured nothing: the run fails after its report is written.
    let mut failed_pages = Vec::new();
    let pages: Vec<Scenario> =
        scenarios(opts, seeded.slugs).into_iter().filter(|s| opts.runs(s.name)).collect();
    for scenario in &pages {
        let (cpu_before, wall) = (CpuTimes::now(), Instant::now());
        let outcome = load::run(load_runtime, &load, scenario).await?;
        let cpu = CpuTimes::now().since(&cpu_before);
        report.scenario(scenario.name, report::REQUESTS, &outcome, &cpu, wall.elapsed().as_secs_f64());
        failed_pages.extend(outcome.failure(scenario.name));
    }
    if !pages.is_empty() {
        failed_pages.extend(server_apart(&db, &load, &pages, load_runtime, &mut report).await?);
    }
    // Before the login storms: argon2's blocks (19 MiB a verification) stay resident after them.
    report.figure("rss_after_pages", resident_mib().0, "MiB");
    if login::selected(opts) {
        let list = tenants_list(login::DURING_STORM, opts);
        let failed =
            login::figures(&db, server.ports(), opts, load_runtime, &load, &list, &mut report).await?;
        failed_pages.extend(failed);
    }
    if opts.runs("sync") {
        sync::run(&db.settings()?, opts, &mut report).await.context("the tenant sync")?;
    }
    let (after, peak) = resident_mib();
    report.figure("rss_after_load", after, "MiB");
    report.figure("rss_peak", peak, "MiB");
    report.detail("process_cpu_total_s", json!(CpuTimes::now().process));

    server.stop().await?;
    let path = report.write(opts, seeded.usage_days)?;
    println!("wrote {}", path.display());
    drop(db);
    anyhow::ensure!(
        failed_pages.is_empty(),
        "pages answered errors (cause: count): {}",
        failed_pages.join("; ")
    );
    Ok(())
}
