//! `tenants …`: list, show, create, change status and plan, bulk actions, and keys.

mod bulk;
mod create;
mod keys;
mod list;
mod show;
mod status;

use clap::{Args, Subcommand};
use gatehouse_application::change_plan;
use gatehouse_domain::Tenant;

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List tenants, filtered, searched, sorted and paged.
    ///
    /// Example: gatehouse-ctl tenants list --plan premium --status active --sort created --desc
    List(list::Opts),
    /// Show one tenant (by id or slug): status, plan, domains, features, usage this month.
    Show(show::Opts),
    /// Register a website as a new tenant (pending until activated).
    ///
    /// Example: gatehouse-ctl tenants create --name "Acme Corp" --domain acme.example
    ///          --domain www.acme.example --plan basic --email ops@acme.example --activate
    Create(create::Opts),
    /// Put a pending or suspended tenant into service.
    Activate(status::Opts),
    /// Stop an active tenant temporarily (needs --reason); it can be activated again.
    Suspend(status::Opts),
    /// End a tenant for good (needs --reason; asks for confirmation, or --yes).
    Cancel(status::Opts),
    /// Move a tenant to another plan; prints what the new plan switched off.
    ///
    /// Example: gatehouse-ctl tenants set-plan acme-corp free
    SetPlan(SetPlanOpts),
    /// Apply one action to many tenants, all or nothing (asks for confirmation, or --yes).
    ///
    /// Example: gatehouse-ctl tenants bulk suspend --reason "payment overdue" --tenant a --tenant b
    #[command(subcommand)]
    Bulk(bulk::Cmd),
    /// A tenant's keys for the MFA service: list, issue, rotate, revoke.
    ///
    /// Example: gatehouse-ctl tenants keys rotate acme-corp --overlap 48h
    #[command(subcommand)]
    Keys(keys::Cmd),
}

#[derive(Debug, Args)]
pub struct SetPlanOpts {
    /// The tenant's id or slug.
    tenant: String,
    /// free, basic, premium or enterprise.
    plan: String,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    use gatehouse_domain::TenantStatus as S;
    match cmd {
        Cmd::List(opts) => list::run(opts, ctx).await,
        Cmd::Show(opts) => show::run(opts, ctx).await,
        Cmd::Create(opts) => create::run(opts, ctx).await,
        Cmd::Activate(opts) => status::run(opts, S::Active, ctx).await,
        Cmd::Suspend(opts) => status::run(opts, S::Suspended, ctx).await,
        Cmd::Cancel(opts) => status::run(opts, S::Cancelled, ctx).await,
        Cmd::SetPlan(opts) => set_plan(opts, ctx).await,
        Cmd::Bulk(cmd) => bulk::run(cmd, ctx).await,
        Cmd::Keys(cmd) => keys::run(cmd, ctx).await,
    }
}

async fn set_plan(opts: SetPlanOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let req = change_plan::Request {
        tenant: tenant_ref(&opts.tenant)?,
        plan: opts.plan.parse()?,
        expected_version: None,
    };
    let outcome = change_plan::run(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        return output::json(&outcome);
    }
    println!("{} is on the {} plan", outcome.tenant.slug, outcome.tenant.plan);
    if outcome.switched_off.is_empty() {
        println!("nothing was switched off");
    } else {
        println!("switched off or lowered:");
        for change in &outcome.switched_off {
            println!("  - {change}");
        }
    }
    Ok(())
}

/// One line about a tenant after a change.
pub fn describe(t: &Tenant) -> String {
    let primary = t.primary_domain().map(ToString::to_string).unwrap_or_default();
    format!("{} ({}) — {}, {} plan, {}", t.slug, t.id, t.status, t.plan, primary)
}
