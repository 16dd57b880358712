//! `tenants keys list|issue|rotate|revoke`: a tenant's keys for the MFA service (S29). A new
//! key is printed once; Gatehouse keeps only a hash of it.

use clap::{Args, Subcommand};
use gatehouse_application::manage_tenant_keys::{self, DEFAULT_OVERLAP, Which};
use gatehouse_domain::{TenantApiKey, TenantKeyId};
use serde_json::json;

use crate::commands::api_keys::parse_duration;
use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::output::{self, Table, when};
use crate::prompt;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List a tenant's keys: prefix, state, issued, end, last use.
    List(TenantOpts),
    /// Issue a key to a tenant that has none (or only revoked or ending ones); prints it once.
    Issue(TenantOpts),
    /// Issue a new key and give the old ones an end after an overlap (default 24h, at most 30d),
    /// so the website can switch over; prints the new key once.
    ///
    /// Example: gatehouse-ctl tenants keys rotate acme-corp --overlap 48h
    Rotate(RotateOpts),
    /// Revoke one key (--key ID) or every key (--all) at once. Asks for confirmation (--yes
    /// without a terminal).
    Revoke(RevokeOpts),
}

#[derive(Debug, Args)]
pub struct TenantOpts {
    /// The tenant's id or slug.
    tenant: String,
}

#[derive(Debug, Args)]
pub struct RotateOpts {
    /// The tenant's id or slug.
    tenant: String,
    /// How long the old keys keep working: hours or days, e.g. 24h or 7d (0h ends them now).
    #[arg(long, value_name = "DURATION")]
    overlap: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevokeOpts {
    /// The tenant's id or slug.
    tenant: String,
    /// The key's id (from `tenants keys list --output json`).
    #[arg(long, value_name = "ID", conflicts_with = "all", required_unless_present = "all")]
    key: Option<String>,
    /// Every key of the tenant.
    #[arg(long)]
    all: bool,
    /// Do not ask for confirmation (needed when not at a terminal).
    #[arg(long)]
    yes: bool,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::List(opts) => list(opts, ctx).await,
        Cmd::Issue(opts) => {
            let (key, text) =
                manage_tenant_keys::issue(&ctx.ports, &ctx.actor, &tenant_ref(&opts.tenant)?).await?;
            shown_once(&key, text.expose(), ctx)
        }
        Cmd::Rotate(opts) => {
            let overlap =
                opts.overlap.as_deref().map_or(Ok(DEFAULT_OVERLAP), |o| parse_duration("overlap", o))?;
            let tenant = tenant_ref(&opts.tenant)?;
            let (key, text) = manage_tenant_keys::rotate(&ctx.ports, &ctx.actor, &tenant, overlap).await?;
            shown_once(&key, text.expose(), ctx)?;
            if !ctx.json() {
                println!("older keys end at {}", when(key.created_at + overlap));
            }
            Ok(())
        }
        Cmd::Revoke(opts) => revoke(opts, ctx).await,
    }
}

/// Prints a new key: the one time it is ever shown.
pub fn shown_once(key: &TenantApiKey, text: &str, ctx: &Ctx) -> anyhow::Result<()> {
    if ctx.json() {
        return output::json(&json!({ "tenant_key": key, "key": text }));
    }
    println!("tenant key (shown only this once; store it now): {text}");
    Ok(())
}

async fn list(opts: TenantOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let keys = manage_tenant_keys::list(&ctx.ports, &ctx.actor, &tenant_ref(&opts.tenant)?).await?;
    let now = ctx.ports.clock.now();
    if ctx.json() {
        return output::json_items_with_state(&keys, |k| k.state(now));
    }
    if keys.is_empty() {
        println!("no keys");
        return Ok(());
    }
    let mut t = Table::new(&["PREFIX", "STATE", "ISSUED", "ENDS", "LAST USED", "ID"]);
    for k in &keys {
        t.row(vec![
            format!("{}…", k.prefix),
            k.state(now).to_string(),
            when(k.created_at),
            k.revoked_at.or(k.expires_at).map_or_else(|| "-".to_owned(), when),
            k.last_used_at.map_or_else(|| "never".to_owned(), when),
            k.id.to_string(),
        ]);
    }
    print!("{t}");
    Ok(())
}

async fn revoke(opts: RevokeOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let tenant = tenant_ref(&opts.tenant)?;
    let which = match &opts.key {
        Some(id) => Which::One(id.parse::<TenantKeyId>()?),
        None => Which::All,
    };
    let what = if which == Which::All { "every key" } else { "this key" };
    prompt::confirm(&format!("Revoke {what} of {tenant}? The website is refused at once."), opts.yes)?;
    let revoked = manage_tenant_keys::revoke(&ctx.ports, &ctx.actor, &tenant, which).await?;
    if ctx.json() {
        return output::json(&json!({ "revoked": revoked }));
    }
    if revoked.is_empty() {
        println!("no key left to revoke");
    }
    for k in &revoked {
        println!("revoked {}…", k.prefix);
    }
    Ok(())
}
