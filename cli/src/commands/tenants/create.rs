//! `tenants create`.

use clap::Args;
use gatehouse_application::register_tenant;

use crate::commands::tenants::describe;
use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub struct Opts {
    /// Display name, e.g. "Acme Corp".
    #[arg(long)]
    name: String,
    /// Short handle used in URLs and commands; derived from the name when left out.
    #[arg(long)]
    slug: Option<String>,
    /// A hostname of the website (repeat for more); the first is the primary domain.
    #[arg(long = "domain", required = true, value_name = "HOSTNAME")]
    domains: Vec<String>,
    /// free (default), basic, premium or enterprise.
    #[arg(long)]
    plan: Option<String>,
    /// The tenant's technical contact.
    #[arg(long)]
    email: String,
    /// Put the tenant into service right away instead of leaving it pending.
    #[arg(long)]
    activate: bool,
}

pub async fn run(opts: Opts, ctx: &Ctx) -> anyhow::Result<()> {
    let req = register_tenant::Request {
        name: opts.name,
        slug: opts.slug,
        contact_email: opts.email,
        plan: opts.plan.as_deref().map(str::parse).transpose()?,
        domains: opts.domains,
        features: None,
        activate: opts.activate,
    };
    let tenant = register_tenant::run(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        output::json(&tenant)
    } else {
        println!("created {}", describe(&tenant));
        Ok(())
    }
}
