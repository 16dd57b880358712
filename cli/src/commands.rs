//! The commands, one module each; every module has its clap options and a `run(opts, ctx)`.

pub mod admin;
pub mod api_keys;
pub mod audit;
pub mod demo;
pub mod domains;
pub mod features;
pub mod migrate;
pub mod sync;
pub mod tenants;

use clap::Subcommand;

use crate::context::Ctx;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or upgrade the database schema (safe to run again; do it after every upgrade).
    Migrate(migrate::Opts),
    /// SuperAdmins: the people who may log in to the panel.
    #[command(subcommand)]
    Admin(admin::Cmd),
    /// Operator API keys for integrations: created, listed and revoked (S29).
    #[command(subcommand)]
    ApiKeys(api_keys::Cmd),
    /// Tenants: the websites that use the MFA service.
    #[command(subcommand)]
    Tenants(tenants::Cmd),
    /// A tenant's domains (hostnames); the primary one is listed first.
    #[command(subcommand)]
    Domains(domains::Cmd),
    /// A tenant's MFA methods, advanced features and quotas.
    #[command(subcommand)]
    Features(features::Cmd),
    /// Demo data for trying Gatehouse out.
    #[command(subcommand)]
    Demo(demo::Cmd),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(audit::Cmd),
    /// Bring the MFA upstream in line: register tenants it does not know, push features that
    /// differ, and record the tenants' daily usage from it. Exits 8 when any tenant failed.
    SyncTenants(sync::Opts),
}

/// Runs one command.
pub async fn run(command: Command, ctx: &Ctx) -> anyhow::Result<()> {
    match command {
        Command::Migrate(opts) => migrate::run(opts, ctx).await,
        Command::Admin(cmd) => admin::run(cmd, ctx).await,
        Command::ApiKeys(cmd) => api_keys::run(cmd, ctx).await,
        Command::Tenants(cmd) => tenants::run(cmd, ctx).await,
        Command::Domains(cmd) => domains::run(cmd, ctx).await,
        Command::Features(cmd) => features::run(cmd, ctx).await,
        Command::Demo(cmd) => demo::run(cmd, ctx).await,
        Command::Audit(cmd) => audit::run(cmd, ctx).await,
        Command::SyncTenants(opts) => sync::run(opts, ctx).await,
    }
}

/// Parses a tenant id or slug; a malformed one is invalid input (exit 3).
pub fn tenant_ref(text: &str) -> anyhow::Result<gatehouse_application::TenantRef> {
    Ok(text.parse::<gatehouse_application::TenantRef>()?)
}
