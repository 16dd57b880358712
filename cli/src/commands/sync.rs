//! `sync-tenants`: brings the MFA upstream in line with Gatehouse (registrations, features) and
//! reads the tenants' daily usage back (see `sync_tenants`).

use clap::Args;
use gatehouse_application::ports::SyncTrigger;
use gatehouse_application::sync_tenants::{self, DEFAULT_CONCURRENCY, Progress, Request, TenantOutcome};

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::exit::CliError;
use crate::output;

#[derive(Debug, Args)]
pub struct Opts {
    /// Only this tenant (id or slug).
    #[arg(long, value_name = "TENANT")]
    tenant_id: Option<String>,
    /// Print the changes the sync would make, and make none (reads the upstream's usage).
    #[arg(long)]
    dry_run: bool,
    /// Tenants synced at once (1–64).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_name = "N")]
    concurrency: usize,
}

pub async fn run(opts: Opts, ctx: &Ctx) -> anyhow::Result<()> {
    let tenant = opts.tenant_id.as_deref().map(tenant_ref).transpose()?;
    let request =
        Request { tenant, dry_run: opts.dry_run, concurrency: opts.concurrency, trigger: SyncTrigger::Cli };
    let started = sync_tenants::begin(&ctx.ports, &ctx.actor, request).await?;
    let bar = output::progress_bar(started.total());
    let json = ctx.json();
    let dry_run = opts.dry_run;
    let report = |p: Progress<'_>| {
        bar.set_position(p.counts.done());
        let last = p.last;
        if json {
            return;
        }
        // A dry run prints every change; a real run prints failures (the summary counts the rest).
        let lines: Vec<String> = match &last.outcome {
            TenantOutcome::Failed { reason } => vec![format!("failed: {reason}")],
            _ if dry_run => last.changes.iter().map(|c| format!("would {c}")).collect(),
            _ => Vec::new(),
        };
        for line in lines {
            bar.suspend(|| println!("{}  {line}", last.slug));
        }
    };
    let summary = started.run(&ctx.ports, &report).await;
    bar.finish_and_clear();
    let c = summary.counts;
    if json {
        output::json(&summary)?;
    } else {
        let verb = if dry_run { "would sync" } else { "synced" };
        println!("{} tenants: {} {verb}, {} unchanged, {} failed", c.total, c.synced, c.unchanged, c.failed);
        if let Some(error) = &summary.error {
            println!("stopped early: {error}");
        }
    }
    if summary.succeeded() {
        Ok(())
    } else {
        Err(CliError::SyncFailed(format!("{} of {} tenants failed", c.failed, c.total)).into())
    }
}
