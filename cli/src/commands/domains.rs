//! `domains add|remove|set-primary`: a tenant's hostnames.

use clap::{Args, Subcommand};
use gatehouse_application::manage_domains::{self, Action};

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Add a hostname to a tenant (it must not belong to another tenant).
    ///
    /// Example: gatehouse-ctl domains add acme-corp login.acme.example
    Add(Opts),
    /// Remove a hostname (not the primary one: make another primary first; not the last one).
    Remove(Opts),
    /// Make a hostname the tenant's primary domain.
    SetPrimary(Opts),
}

#[derive(Debug, Args)]
pub struct Opts {
    /// The tenant's id or slug.
    tenant: String,
    /// The hostname, e.g. www.acme.example (internationalised names are accepted).
    hostname: String,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let (action, opts) = match cmd {
        Cmd::Add(o) => (Action::Add, o),
        Cmd::Remove(o) => (Action::Remove, o),
        Cmd::SetPrimary(o) => (Action::SetPrimary, o),
    };
    let req = manage_domains::Request {
        tenant: tenant_ref(&opts.tenant)?,
        action,
        hostname: opts.hostname,
        expected_version: None,
    };
    let t = manage_domains::run(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        return output::json(&t);
    }
    println!("{} domains:", t.slug);
    for d in &t.domains {
        println!("  {}{}", d.hostname, if d.is_primary { "  (primary)" } else { "" });
    }
    Ok(())
}
