//! `migrate`: applies the embedded schema migrations that have not run yet.

use clap::Args;
use serde_json::json;

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub struct Opts {}

pub async fn run(_opts: Opts, ctx: &Ctx) -> anyhow::Result<()> {
    ctx.storage.migrate().await?;
    let backend = ctx.storage.backend();
    if ctx.json() {
        output::json(&json!({"database": ctx.database, "backend": backend, "migrated": true}))
    } else {
        println!("database {} ({backend}) is up to date", ctx.database);
        Ok(())
    }
}
