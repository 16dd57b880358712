//! `admin create|list|disable|enable|set-role|unlock|reset-2fa`: SuperAdmins, the people who
//! log in to the panel. The changes to an existing admin live in [`update`].

mod update;

use clap::{Args, Subcommand};
use gatehouse_application::manage_admins::{self, CreateAdmin};
use gatehouse_domain::{Role, TenantScope};
use serde_json::json;

use crate::context::Ctx;
use crate::output::{self, Table, when};
use crate::prompt;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create a SuperAdmin. The password is typed twice at the terminal (not shown), or read
    /// from the first line of stdin with --password-stdin; it is never given as an argument.
    ///
    /// Example: gatehouse-ctl admin create --username alice --email alice@example.com --role owner
    Create(CreateOpts),
    /// List every SuperAdmin: username, e-mail, role, status, 2FA and creation time.
    List,
    /// Disable an admin: they can no longer log in and their sessions end. Asks for
    /// confirmation (--yes without a terminal). The last active owner cannot be disabled.
    ///
    /// Example: gatehouse-ctl admin disable bob --reason "left the company" --yes
    Disable(update::DestructiveOpts),
    /// Enable a disabled admin again.
    Enable(update::Opts),
    /// Change an admin's role (owner, operator, support or auditor). The last active owner
    /// cannot be demoted.
    SetRole(update::SetRoleOpts),
    /// Lift an admin's lockout after failed logins, before it ends by itself.
    Unlock(update::Opts),
    /// Remove an admin's two-factor authentication (a lost phone): their sessions end and
    /// their next login sets it up again. Asks for confirmation (--yes without a terminal).
    #[command(name = "reset-2fa")]
    Reset2fa(update::DestructiveOpts),
}

#[derive(Debug, Args)]
pub struct CreateOpts {
    /// Login name: 3–32 letters, digits, '.', '_' or '-', starting with a letter.
    #[arg(long)]
    username: String,
    /// Where security notices are sent.
    #[arg(long)]
    email: String,
    /// owner (everything), operator (tenants day to day), support (read + support view) or
    /// auditor (read usage, billing and audit).
    #[arg(long)]
    role: String,
    /// Read the password from the first line of stdin, e.g. from a secrets manager:
    /// `vault read -field=pw secret/gh | gatehouse-ctl admin create … --password-stdin`.
    #[arg(long)]
    password_stdin: bool,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Create(opts) => create(opts, ctx).await,
        Cmd::List => list(ctx).await,
        Cmd::Disable(opts) => update::disable(opts, ctx).await,
        Cmd::Enable(opts) => update::simple(opts, update::Simple::Enable, ctx).await,
        Cmd::SetRole(opts) => update::set_role(opts, ctx).await,
        Cmd::Unlock(opts) => update::simple(opts, update::Simple::Unlock, ctx).await,
        Cmd::Reset2fa(opts) => update::reset_2fa(opts, ctx).await,
    }
}

async fn create(opts: CreateOpts, ctx: &Ctx) -> anyhow::Result<()> {
    let role: Role = opts.role.parse()?;
    let password = prompt::new_password(opts.password_stdin)?;
    let req =
        CreateAdmin { username: opts.username, email: opts.email, role, scope: TenantScope::All, password };
    let admin = manage_admins::create(&ctx.ports, &ctx.actor, req).await?;
    if ctx.json() {
        output::json(&admin)
    } else {
        println!(
            "created {} {} ({}); two-factor setup happens at first login",
            admin.role, admin.username, admin.id
        );
        Ok(())
    }
}

async fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let admins = manage_admins::list(&ctx.ports, &ctx.actor).await?;
    if ctx.json() {
        return output::json(&json!({ "items": admins }));
    }
    let mut t = Table::new(&["USERNAME", "EMAIL", "ROLE", "STATUS", "2FA", "CREATED"]);
    for a in &admins {
        t.row(vec![
            a.username.to_string(),
            a.email.to_string(),
            a.role.to_string(),
            update::status(a).to_owned(),
            if a.totp_enabled { "on" } else { "off" }.into(),
            when(a.created_at),
        ]);
    }
    if t.is_empty() {
        println!(
            "no SuperAdmins yet; create the first owner with `gatehouse-ctl admin create --role owner …`"
        );
    } else {
        print!("{t}");
    }
    Ok(())
}
