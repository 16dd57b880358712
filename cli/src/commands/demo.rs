//! `demo seed`: fills the database with realistic generated tenants and usage, fast.
//!
//! Generation (CPU) runs on a blocking thread one chunk ahead of the database writes, so both
//! cores stay busy; each chunk is stored in one transaction, with each tenant's creation and
//! the chunk itself on the audit record.

use std::time::Instant;

use clap::{Args, Subcommand};
use gatehouse_adapters::demo::{self, DemoChunk, DemoOptions};
use gatehouse_application::seed_demo;
use gatehouse_domain::DomainError;
use serde_json::json;

use crate::context::Ctx;
use crate::exit::CliError;
use crate::output;

/// The most tenants one run may create.
const MAX_TENANTS: u64 = 1_000_000;
/// The most days of usage per tenant.
const MAX_DAYS: u32 = 366;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Generate demo tenants (plausible companies, SaaS-like plans and statuses) with daily
    /// usage for the last DAYS days, and store them. Runs can be repeated: each seed gives
    /// its tenants their own slugs.
    ///
    /// Example: gatehouse-ctl demo seed --tenants 1000 --days 30
    Seed(SeedOpts),
}

#[derive(Debug, Args)]
pub struct SeedOpts {
    /// How many tenants to create (1–1,000,000).
    #[arg(long, default_value_t = 100)]
    tenants: u64,
    /// Days of usage per tenant, ending today (1–366).
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Seed of the generator: the same seed gives the same data. Random when left out (and
    /// printed, to repeat a run).
    #[arg(long)]
    seed: Option<u64>,
    /// Tenants stored per transaction.
    #[arg(long, default_value_t = 2_000, hide = true)]
    chunk_size: usize,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let Cmd::Seed(opts) = cmd;
    if !(1..=MAX_TENANTS).contains(&opts.tenants) {
        return Err(CliError::invalid("tenants", format!("must be between 1 and {MAX_TENANTS}")));
    }
    if !(1..=MAX_DAYS).contains(&opts.days) {
        return Err(CliError::invalid("days", format!("must be between 1 and {MAX_DAYS}")));
    }
    if !(1..=50_000).contains(&opts.chunk_size) {
        return Err(CliError::invalid("chunk_size", "must be between 1 and 50000"));
    }
    let seed = opts.seed.unwrap_or_else(|| u64::from(uuid::Uuid::new_v4().as_fields().0));
    let started = Instant::now();
    let bar = output::progress_bar(opts.tenants);

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<DemoChunk, DomainError>>(1);
    let generator = DemoOptions {
        tenants: opts.tenants,
        days: opts.days,
        seed,
        chunk_size: opts.chunk_size,
        now: ctx.ports.clock.now(),
    };
    let producer = tokio::task::spawn_blocking(move || {
        for chunk in demo::generate(generator) {
            if tx.blocking_send(chunk).is_err() {
                break;
            }
        }
    });
    let (mut tenants, mut days) = (0u64, 0u64);
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        seed_demo::load_chunk(&ctx.ports, &ctx.actor, &chunk.tenants, &chunk.usage).await?;
        tenants += chunk.tenants.len() as u64;
        days += chunk.usage.len() as u64;
        bar.set_position(tenants);
    }
    drop(rx);
    producer.await?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if ctx.json() {
        return output::json(
            &json!({"tenants": tenants, "usage_days": days, "seed": seed, "seconds": seconds}),
        );
    }
    println!("seeded {tenants} tenants with {days} days of usage in {seconds:.1} s (seed {seed})");
    Ok(())
}
