//! `audit verify`: walks the whole audit log and checks its hash chain (S28).

use clap::Subcommand;
use gatehouse_application::verify_audit;

use crate::context::Ctx;
use crate::exit::CliError;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Check that no audit record was altered, removed or inserted.
    ///
    /// Prints how many records were verified and the head (`SEQ:HASH` of the last record);
    /// keep the head somewhere else to notice later if the end of the log was cut off. Exits 7
    /// and names the first broken record when the chain is broken.
    Verify,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Verify => {
            let report = verify_audit::run(&ctx.ports, &ctx.actor).await?;
            if ctx.json() {
                output::json(&report)?;
            } else if report.broken.is_none() {
                println!("audit log intact: {} records verified", report.verified);
                println!("head: {}", report.head);
            } else {
                println!("{} records verified before the break", report.verified);
                println!("last good head: {}", report.head);
            }
            match report.broken {
                None => Ok(()),
                Some(b) => {
                    Err(CliError::AuditBroken(format!("chain broken at record {}: {}", b.seq, b.reason))
                        .into())
                }
            }
        }
    }
}
