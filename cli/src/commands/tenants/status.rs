//! `tenants activate|suspend|cancel`.

use clap::Args;
use gatehouse_application::change_tenant_status;
use gatehouse_domain::TenantStatus;

use crate::commands::tenant_ref;
use crate::commands::tenants::describe;
use crate::context::Ctx;
use crate::{output, prompt};

#[derive(Debug, Args)]
pub struct Opts {
    /// The tenant's id or slug.
    tenant: String,
    /// Why (required to suspend or cancel); kept with the tenant and in the audit trail.
    #[arg(long)]
    reason: Option<String>,
    /// Do not ask for confirmation (needed for cancel when not at a terminal).
    #[arg(long)]
    yes: bool,
}

pub async fn run(opts: Opts, to: TenantStatus, ctx: &Ctx) -> anyhow::Result<()> {
    let tenant = tenant_ref(&opts.tenant)?;
    if to == TenantStatus::Cancelled {
        prompt::confirm(&format!("Cancel tenant {tenant} for good? This cannot be undone."), opts.yes)?;
    }
    let req = change_tenant_status::Request { tenant, to, reason: opts.reason, expected_version: None };
    let t = change_tenant_status::run(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        output::json(&t)
    } else {
        println!("{}", describe(&t));
        Ok(())
    }
}
