//! `admin create` and `admin list`: SuperAdmins, the people who log in to the panel.

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
    /// List every SuperAdmin.
    List,
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
            format!("{:?}", a.status).to_ascii_lowercase(),
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
