//! `api-keys create|list|revoke`: operator API keys for integrations (S29). A key is printed
//! once, when it is created; Gatehouse keeps only a hash of it.

use clap::{Args, Subcommand};
use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_domain::{ApiKey, ApiKeyId, TenantScope};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::exit::CliError;
use crate::output::{self, Table, when};
use crate::prompt;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create a key and print it once: it cannot be shown again. The key carries the scopes
    /// given (permission names, never more than the operator holds) on every tenant, or only
    /// on the tenants named.
    ///
    /// Example: gatehouse-ctl api-keys create --name "CRM sync" --scope tenants:view
    ///          --scope usage:view --tenant acme-corp --expires-in 90d --rate-per-minute 120
    Create(CreateOpts),
    /// List keys: id, name, state, scopes, tenants, expiry, rate and last use (revoked ones
    /// with --all).
    List(ListOpts),
    /// Revoke a key at once: the next request made with it is refused. Asks for confirmation
    /// (--yes without a terminal).
    Revoke(RevokeOpts),
}

#[derive(Debug, Args)]
pub struct CreateOpts {
    /// What uses the key, e.g. "CRM sync" (1–100 characters).
    #[arg(long)]
    name: String,
    /// A permission the key carries (repeat for more), e.g. tenants:view, usage:view.
    #[arg(long = "scope", required = true, value_name = "PERMISSION")]
    scopes: Vec<String>,
    /// Restrict the key to this tenant, by id or slug (repeat for more); every tenant without.
    #[arg(long = "tenant", value_name = "TENANT")]
    tenants: Vec<String>,
    /// When the key stops working: a date (2027-01-31, at 00:00 UTC) or an RFC 3339 time.
    #[arg(long, value_name = "DATE", conflicts_with = "expires_in")]
    expires: Option<String>,
    /// How long the key works from now: days or hours, e.g. 90d or 12h.
    #[arg(long, value_name = "DURATION")]
    expires_in: Option<String>,
    /// Requests per minute allowed to the key (the server's default without).
    #[arg(long, value_name = "N")]
    rate_per_minute: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ListOpts {
    /// Include revoked keys.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
pub struct RevokeOpts {
    /// The key's id (the `ID` column of `api-keys list`).
    id: String,
    /// Do not ask for confirmation (needed when not at a terminal).
    #[arg(long)]
    yes: bool,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Create(opts) => create(opts, ctx).await,
        Cmd::List(opts) => list(opts, ctx).await,
        Cmd::Revoke(opts) => revoke(opts, ctx).await,
    }
}

/// `90d` or `12h` as a duration; `field` names the option in the error.
pub fn parse_duration(field: &'static str, text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let invalid = || CliError::invalid(field, format!("{text:?} is not a duration such as 90d or 12h"));
    let (number, unit) = text.split_at_checked(text.len().saturating_sub(1)).ok_or_else(invalid)?;
    let n: i64 = number.parse().map_err(|_| invalid())?;
    match unit {
        "d" if (0..=36_500).contains(&n) => Ok(Duration::days(n)),
        "h" if (0..=876_000).contains(&n) => Ok(Duration::hours(n)),
        _ => Err(invalid()),
    }
}

/// The end of a key from `--expires` or `--expires-in`, if either is given.
fn expiry(opts: &CreateOpts, now: OffsetDateTime) -> anyhow::Result<Option<OffsetDateTime>> {
    if let Some(text) = &opts.expires {
        let text = text.trim();
        let date = Date::parse(text, format_description!("[year]-[month]-[day]"))
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc());
        return date.or_else(|_| OffsetDateTime::parse(text, &Rfc3339)).map(Some).map_err(|_| {
            CliError::invalid(
                "expires",
                format!("{text:?} is not a date such as 2027-01-31 or an RFC 3339 time"),
            )
        });
    }
    opts.expires_in.as_deref().map(|d| Ok(now + parse_duration("expires_in", d)?)).transpose()
}

async fn create(opts: CreateOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let req = CreateApiKey {
        name: opts.name.clone(),
        scopes: opts.scopes.iter().map(|s| s.parse()).collect::<Result<_, _>>()?,
        tenants: opts.tenants.iter().map(|t| tenant_ref(t)).collect::<anyhow::Result<_>>()?,
        expires_at: expiry(&opts, ctx.ports.clock.now())?,
        rate_per_minute: opts.rate_per_minute,
    };
    let (key, text) = manage_api_keys::create(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        return output::json(&json!({ "api_key": key, "key": text.expose() }));
    }
    println!("created API key {:?} ({}): {}", key.name.as_str(), key.id, summary(&key));
    println!("key (shown only this once; store it now): {}", text.expose());
    Ok(())
}

fn scopes(key: &ApiKey) -> String {
    key.scopes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

fn tenants(key: &ApiKey) -> String {
    match &key.tenants {
        TenantScope::All => "all".to_owned(),
        TenantScope::Only(set) => set.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
    }
}

fn summary(key: &ApiKey) -> String {
    let expires =
        key.expires_at.map_or_else(|| "never expires".to_owned(), |t| format!("expires {}", when(t)));
    format!("{}; tenants: {}; {expires}", scopes(key), tenants(key))
}

async fn list(opts: ListOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let keys = manage_api_keys::list(&ctx.ports, &ctx.actor, opts.all).await?;
    let now = ctx.ports.clock.now();
    if ctx.json() {
        return output::json_items_with_state(&keys, |k| k.state(now));
    }
    if keys.is_empty() {
        println!("no API keys");
        return Ok(());
    }
    let mut t =
        Table::new(&["ID", "NAME", "STATE", "SCOPES", "TENANTS", "EXPIRES", "RATE", "LAST USED", "CREATED"]);
    for k in &keys {
        t.row(vec![
            k.id.to_string(),
            k.name.to_string(),
            k.state(now).to_string(),
            scopes(k),
            tenants(k),
            k.expires_at.map_or_else(|| "never".to_owned(), when),
            k.rate_per_minute.map_or_else(|| "default".to_owned(), |r| r.to_string()),
            k.last_used_at.map_or_else(|| "never".to_owned(), when),
            when(k.created_at),
        ]);
    }
    print!("{t}");
    Ok(())
}

async fn revoke(opts: RevokeOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let id: ApiKeyId = opts.id.parse()?;
    prompt::confirm(&format!("Revoke API key {id}? It stops working at once."), opts.yes)?;
    let key = manage_api_keys::revoke(&ctx.ports, &ctx.actor, id).await?;
    if ctx.json() {
        output::json(&key)
    } else {
        println!("revoked API key {:?} ({})", key.name.as_str(), key.id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_days_or_hours() {
        assert_eq!(parse_duration("x", "90d").ok(), Some(Duration::days(90)));
        assert_eq!(parse_duration("x", " 12h ").ok(), Some(Duration::hours(12)));
        for bad in ["", "d", "90", "1w", "-1d", "1.5d", "99999999d"] {
            assert!(parse_duration("x", bad).is_err(), "{bad}");
        }
    }
}
