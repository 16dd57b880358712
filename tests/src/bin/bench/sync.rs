//! The `sync` figures: `sync_tenants` over every seeded tenant against a stand-in upstream
//! served in this process over real HTTP (loopback), as `gatehouse-ctl sync-tenants` runs it.
//! The first run registers every tenant and reads its usage from the start of the previous
//! month (or its creation); the second finds nothing to do but still reads every tenant's
//! latest day, which is what a scheduled run costs on a quiet day.

use std::time::Instant;

use anyhow::Context as _;
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::wiring::{Migrate, wire};
use gatehouse_application::ports::SyncTrigger;
use gatehouse_application::sync_tenants::{self, Request};
use gatehouse_domain::Actor;
use gatehouse_tests::stand_in::StandIn;
use secrecy::SecretString;

use crate::options::Options;
use crate::report::Report;

const TOKEN: &str = "bench-stand-in-token";

pub async fn run(settings: &Settings, opts: &Options, report: &mut Report) -> anyhow::Result<()> {
    let upstream = StandIn::spawn(TOKEN).await;
    let mut settings = settings.clone();
    settings.upstream.base_url = Some(upstream.url.parse().context("the stand-in's URL")?);
    settings.upstream.api_key = Some(SecretString::from(TOKEN));
    let wiring = wire(&settings, Migrate::No).await.context("wiring with the stand-in")?;
    let ports = wiring.ports;
    let today = time::OffsetDateTime::now_utc().date();
    upstream.set_today(today);
    #[expect(clippy::cast_precision_loss, reason = "a concurrency far below 2^52")]
    report.figure("sync_concurrency", opts.sync_concurrency as f64, "count");
    for name in ["sync_first_run", "sync_second_run"] {
        let request = Request {
            tenant: None,
            dry_run: false,
            concurrency: opts.sync_concurrency,
            trigger: SyncTrigger::Cli,
        };
        let started = Instant::now();
        let run = sync_tenants::begin(&ports, &Actor::cli("bench"), request).await?;
        let summary = run.run(&ports, &|_| {}).await;
        report.figure(name, started.elapsed().as_secs_f64(), "s");
        let c = summary.counts;
        println!(
            "  {name}: {} tenants, {} synced, {} unchanged, {} failed",
            c.total, c.synced, c.unchanged, c.failed
        );
        report.detail(name, serde_json::to_value(c)?);
        if !summary.succeeded() {
            anyhow::bail!("{name}: {:?} {:?}", summary.error, summary.failures.first());
        }
    }
    wiring.storage.close().await;
    Ok(())
}
