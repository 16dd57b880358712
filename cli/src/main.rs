//! `gatehouse-ctl`: the operator's command line for Gatehouse. Every command is a thin shell
//! around one use case: parse the arguments, call it as the CLI operator, print the result as
//! an aligned table or as JSON, and exit with a code scripts can rely on (see `exit`).

mod commands;
mod context;
mod exit;
mod output;
mod prompt;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Command;
use crate::output::Format;

/// jemalloc rather than the system allocator: a quarter more API calls a second on two cores,
/// where glibc's malloc, free and memmove were about a sixth of the server threads' time
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Manage Gatehouse from the command line: tenants, their domains, features and plans,
/// SuperAdmins, demo data and the audit trail.
///
/// Configuration comes from the same environment variables (and optional .env file) as the
/// server; see docs/configuration.md. Start with `gatehouse-ctl migrate`, then
/// `gatehouse-ctl admin create` for the first owner.
#[derive(Debug, Parser)]
#[command(
    name = "gatehouse-ctl",
    version,
    after_long_help = exit::HELP,
    after_help = "Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 not found, 5 conflict, 6 permission denied, 7 audit broken, 8 sync failed (details: --help)"
)]
struct Cli {
    /// Database to use: sqlite://path/to/file.db or postgres://user@host/db. Defaults to the
    /// SQLite file in GATEHOUSE_DATA_DIR (./data/gatehouse.db).
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: Option<String>,

    /// How to print results: aligned tables for people, or JSON for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    output: Format,

    #[command(subcommand)]
    command: Command,
}

#[tokio::main]
async fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unexpected failure".to_owned());
        eprintln!("error: internal error: {message}");
    }));
    let cli = Cli::parse();
    let result = async {
        let ctx = context::Ctx::connect(cli.database_url.as_deref(), cli.output).await?;
        let result = commands::run(cli.command, &ctx).await;
        ctx.close().await;
        result
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e),
    }
}
