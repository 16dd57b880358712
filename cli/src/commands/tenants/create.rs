//! `tenants create`: prints the new tenant and its first key, once.

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
    let registered = register_tenant::run(&ctx.ports, &ctx.actor, req).await?;
    let key = registered.key_text.expose();
    if ctx.json() {
        let mut out = serde_json::to_value(&registered.tenant)?;
        // The same two fields as `tenants keys issue`: the key's record and its text.
        out["tenant_key"] = serde_json::to_value(&registered.key)?;
        out["key"] = key.into();
        output::json(&out)
    } else {
        println!("created {}", describe(&registered.tenant));
        println!("tenant key (shown only this once; store it now): {key}");
        Ok(())
    }
}
