//! `features show|set`: a tenant's MFA methods, advanced features and quotas.

use clap::{Args, Subcommand};
use gatehouse_application::show_tenant;
use gatehouse_application::update_features::{self, FeaturePatch, Update};
use gatehouse_domain::{AdvancedFeature, MfaMethod, Plan, Tenant};
use serde_json::json;

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::exit::CliError;
use crate::output::{self, Table};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// What the tenant has switched on, and what its plan allows.
    Show(ShowOpts),
    /// Switch methods and features on or off and set quotas; refused (exit 3) with the reason
    /// when the tenant's plan does not allow the result.
    ///
    /// Example: gatehouse-ctl features set acme-corp --enable sms,passkeys --disable email_otp
    ///          --quota monthly_authentications=5000 --quota max_users=unlimited
    Set(SetOpts),
}

#[derive(Debug, Args)]
pub struct ShowOpts {
    /// The tenant's id or slug.
    tenant: String,
}

#[derive(Debug, Args)]
pub struct SetOpts {
    /// The tenant's id or slug.
    tenant: String,
    /// MFA methods (totp, email_otp, sms, passkeys, backup_codes) or advanced features
    /// (rate_limiting, custom_branding, api_access, …) to switch on; comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    enable: Vec<String>,
    /// Methods or features to switch off; comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    disable: Vec<String>,
    /// A quota as NAME=VALUE: monthly_authentications, max_users (a number or unlimited),
    /// api_requests_per_minute, api_requests_per_hour. Repeat for several.
    #[arg(long, value_name = "NAME=VALUE")]
    quota: Vec<String>,
}

pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    match cmd {
        Cmd::Show(opts) => {
            let d = show_tenant::run(&ctx.ports, &ctx.actor, &tenant_ref(&opts.tenant)?).await?;
            show(&d.tenant, ctx)
        }
        Cmd::Set(opts) => {
            let tenant = tenant_ref(&opts.tenant)?;
            let patch = patch(&opts)?;
            let t = update_features::run(
                &ctx.ports,
                &ctx.actor,
                update_features::Request { tenant, update: Update::Patch(patch), expected_version: None },
            )
            .await?;
            show(&t, ctx)
        }
    }
}

/// Sorts each name into a method or a feature, and parses the quotas.
fn patch(opts: &SetOpts) -> anyhow::Result<FeaturePatch> {
    let mut p = FeaturePatch::default();
    for (names, enable) in [(&opts.enable, true), (&opts.disable, false)] {
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if let Ok(m) = name.parse::<MfaMethod>() {
                if enable { p.enable_methods.push(m) } else { p.disable_methods.push(m) }
            } else if let Ok(f) = name.parse::<AdvancedFeature>() {
                if enable { p.enable_features.push(f) } else { p.disable_features.push(f) }
            } else {
                return Err(CliError::invalid(
                    "features",
                    format!("{name:?} is neither an MFA method nor a feature (see `features show`)"),
                ));
            }
        }
    }
    for q in &opts.quota {
        let (name, value) = q
            .split_once('=')
            .ok_or_else(|| CliError::invalid("quota", format!("{q:?} is not NAME=VALUE")))?;
        let (name, value) = (name.trim(), value.trim());
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| CliError::invalid("quota", format!("{name}: {value:?} is not a whole number")))
        };
        let small = || {
            value.parse::<u32>().map_err(|_| {
                CliError::invalid(
                    "quota",
                    format!("{name}: {value:?} is not a whole number up to {}", u32::MAX),
                )
            })
        };
        match name {
            "monthly_authentications" => p.monthly_authentications = Some(number()?),
            "max_users" if value.eq_ignore_ascii_case("unlimited") => p.max_users = Some(None),
            "max_users" => p.max_users = Some(Some(number()?)),
            "api_requests_per_minute" => p.api_requests_per_minute = Some(small()?),
            "api_requests_per_hour" => p.api_requests_per_hour = Some(small()?),
            other => {
                return Err(CliError::invalid(
                    "quota",
                    format!(
                        "unknown quota {other:?} (expected monthly_authentications, max_users, api_requests_per_minute or api_requests_per_hour)"
                    ),
                ));
            }
        }
    }
    Ok(p)
}

fn show(t: &Tenant, ctx: &Ctx) -> anyhow::Result<()> {
    let plan: Plan = t.plan;
    if ctx.json() {
        return output::json(&json!({
            "tenant": t.slug,
            "plan": plan,
            "features": t.features,
            "plan_allows": { "methods": plan.limits().mfa_methods, "features": plan.limits().advanced_features },
        }));
    }
    println!("{} ({} plan)", t.slug, plan);
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let mut table = Table::new(&["NAME", "KIND", "ENABLED", "IN PLAN"]);
    for m in MfaMethod::ALL {
        table.row(vec![
            m.as_str().into(),
            "method".into(),
            yes_no(t.features.methods.contains(m)),
            yes_no(plan.allows_method(*m)),
        ]);
    }
    for f in AdvancedFeature::ALL {
        table.row(vec![
            f.as_str().into(),
            "feature".into(),
            yes_no(t.features.advanced.contains(f)),
            yes_no(plan.allows_feature(*f)),
        ]);
    }
    print!("{table}");
    let q = &t.features.quotas;
    println!(
        "quotas: monthly_authentications={} max_users={} api_requests_per_minute={} api_requests_per_hour={}",
        q.monthly_authentications,
        q.max_users.map_or("unlimited".into(), |u| u.to_string()),
        q.api_requests_per_minute,
        q.api_requests_per_hour
    );
    Ok(())
}
