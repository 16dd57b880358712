//! `admin disable|enable|set-role|unlock|reset-2fa`: changes to an existing admin, each with a
//! required reason kept in the audit trail. Disabling and resetting 2FA ask for confirmation.

use clap::Args;
use gatehouse_application::manage_admins::{self, AdminAction};
use gatehouse_application::setup_totp;
use gatehouse_domain::{AdminStatus, Role, SuperAdmin};

use crate::context::Ctx;
use crate::exit::CliError;
use crate::{output, prompt};

#[derive(Debug, Args)]
pub struct Opts {
    /// The admin's username.
    username: String,
    /// Why (required); kept in the audit trail.
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct DestructiveOpts {
    #[command(flatten)]
    target: Opts,
    /// Do not ask for confirmation (needed when not at a terminal).
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, Args)]
pub struct SetRoleOpts {
    /// The admin's username.
    username: String,
    /// The new role: owner, operator, support or auditor.
    role: String,
    /// Why (required); kept in the audit trail.
    #[arg(long)]
    reason: Option<String>,
}

/// The changes that need neither a confirmation nor an argument.
#[derive(Debug, Clone, Copy)]
pub enum Simple {
    Enable,
    Unlock,
}

/// The `--reason`, required and not blank (exit 3 otherwise, before anything is asked).
fn reason(reason: Option<&str>) -> anyhow::Result<&str> {
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(r),
        Some(_) => Err(CliError::invalid("reason", "must not be empty")),
        None => Err(CliError::invalid(
            "reason",
            "a reason is required (--reason \"…\"); it is kept in the audit trail",
        )),
    }
}

pub async fn disable(opts: DestructiveOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let why = reason(opts.target.reason.as_deref())?;
    let name = &opts.target.username;
    prompt::confirm(&format!("Disable {name}? They will be logged out everywhere."), opts.yes)?;
    let admin = manage_admins::update(&ctx.ports, &ctx.actor, name, AdminAction::Disable, why).await?;
    done(&admin, "disabled; their sessions have ended", ctx)
}

pub async fn simple(opts: Opts, what: Simple, ctx: &Ctx) -> anyhow::Result<()> {
    let why = reason(opts.reason.as_deref())?;
    let (action, message) = match what {
        Simple::Enable => (AdminAction::Enable, "enabled"),
        Simple::Unlock => (AdminAction::Unlock, "unlocked; failed logins are forgotten"),
    };
    let admin = manage_admins::update(&ctx.ports, &ctx.actor, &opts.username, action, why).await?;
    done(&admin, message, ctx)
}

pub async fn set_role(opts: SetRoleOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let why = reason(opts.reason.as_deref())?;
    let role: Role = opts.role.parse()?;
    let action = AdminAction::SetRole(role);
    let admin = manage_admins::update(&ctx.ports, &ctx.actor, &opts.username, action, why).await?;
    done(&admin, &format!("is now {}", admin.role), ctx)
}

pub async fn reset_2fa(opts: DestructiveOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let why = reason(opts.target.reason.as_deref())?;
    let name = opts.target.username.trim().to_lowercase();
    let admin = find(&name, ctx).await?;
    prompt::confirm(
        &format!("Remove {name}'s two-factor authentication? They will set it up again at their next login."),
        opts.yes,
    )?;
    setup_totp::reset(&ctx.ports, &ctx.actor, admin.id, why).await?;
    let admin = find(&name, ctx).await?;
    done(&admin, "two-factor authentication removed; set-up happens at their next login", ctx)
}

/// The admin named `name`, through the permission-checked list.
async fn find(name: &str, ctx: &Ctx) -> anyhow::Result<SuperAdmin> {
    manage_admins::list(&ctx.ports, &ctx.actor)
        .await?
        .into_iter()
        .find(|a| a.username.as_str() == name)
        .ok_or_else(|| gatehouse_application::Error::NotFound { what: "admin", key: name.to_owned() }.into())
}

fn done(admin: &SuperAdmin, message: &str, ctx: &Ctx) -> anyhow::Result<()> {
    if ctx.json() {
        output::json(admin)
    } else {
        println!("{} ({}, {}): {message}", admin.username, admin.role, status(admin));
        Ok(())
    }
}

/// `active` or `disabled`.
pub fn status(admin: &SuperAdmin) -> &'static str {
    match admin.status {
        AdminStatus::Active => "active",
        AdminStatus::Disabled => "disabled",
    }
}
