//! `tenants bulk …`: one action over many tenants, applied to all of them or to none.

use clap::{Args, Subcommand};
use gatehouse_application::bulk_action::{self, BulkAction};

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::{output, prompt};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Activate every listed tenant.
    Activate(Targets),
    /// Suspend every listed tenant.
    Suspend {
        /// Why; recorded for each tenant.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Cancel every listed tenant for good.
    Cancel {
        /// Why; recorded for each tenant.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Move every listed tenant to PLAN (free, basic, premium, enterprise).
    SetPlan {
        plan: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Switch an MFA method on for every listed tenant (totp, email_otp, sms, passkeys, backup_codes).
    EnableMethod {
        method: String,
        #[command(flatten)]
        targets: Targets,
    },
    /// Switch an MFA method off for every listed tenant.
    DisableMethod {
        method: String,
        #[command(flatten)]
        targets: Targets,
    },
}

/// The tenants a bulk action applies to.
#[derive(Debug, Args)]
pub struct Targets {
    /// A tenant id or slug; repeat for each tenant.
    #[arg(long = "tenant", required = true, value_name = "TENANT")]
    tenants: Vec<String>,
    /// Do not ask for confirmation (required when not at a terminal).
    #[arg(long)]
    yes: bool,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let (action, targets) = match cmd {
        Cmd::Activate(t) => (BulkAction::Activate, t),
        Cmd::Suspend { reason, targets } => (BulkAction::Suspend { reason }, targets),
        Cmd::Cancel { reason, targets } => (BulkAction::Cancel { reason }, targets),
        Cmd::SetPlan { plan, targets } => (BulkAction::ChangePlan(plan.parse()?), targets),
        Cmd::EnableMethod { method, targets } => (BulkAction::EnableMethod(method.parse()?), targets),
        Cmd::DisableMethod { method, targets } => (BulkAction::DisableMethod(method.parse()?), targets),
    };
    let tenants = targets.tenants.iter().map(|t| tenant_ref(t)).collect::<anyhow::Result<Vec<_>>>()?;
    prompt::confirm(&format!("Apply this action to {} tenant(s)?", tenants.len()), targets.yes)?;
    let outcome = bulk_action::run(&ctx.ports, &ctx.actor, bulk_action::Request { tenants, action }).await?;
    if ctx.json() {
        return output::json(&outcome);
    }
    println!("{} changed, {} already so", outcome.changed.len(), outcome.unchanged.len());
    Ok(())
}
