//! `tenants show`.

use clap::Args;
use gatehouse_application::show_tenant;

use crate::commands::tenant_ref;
use crate::context::Ctx;
use crate::output::{self, pairs, when};

#[derive(Debug, Args)]
pub struct Opts {
    /// The tenant's id or slug.
    tenant: String,
}

pub async fn run(opts: Opts, ctx: &Ctx) -> anyhow::Result<()> {
    let d = show_tenant::run(&ctx.ports, &ctx.actor, &tenant_ref(&opts.tenant)?).await?;
    if ctx.json() {
        return output::json(&d);
    }
    let t = &d.tenant;
    let m = &d.month_to_date;
    let q = &t.features.quotas;
    let list = |items: Vec<&str>| if items.is_empty() { "(none)".to_owned() } else { items.join(", ") };
    let domains: Vec<String> = t
        .domains
        .iter()
        .map(|d| if d.is_primary { format!("{} (primary)", d.hostname) } else { d.hostname.to_string() })
        .collect();
    let mut lines = vec![
        ("name", t.name.to_string()),
        ("slug", t.slug.to_string()),
        ("id", t.id.to_string()),
        ("status", t.status.to_string()),
    ];
    if let Some(reason) = &t.status_reason {
        lines.push(("reason", reason.clone()));
    }
    lines.extend([
        ("plan", t.plan.to_string()),
        ("contact", t.contact_email.to_string()),
        ("domains", domains.join(", ")),
        ("mfa methods", list(t.features.methods.iter().map(|m| m.as_str()).collect())),
        ("features", list(t.features.advanced.iter().map(|f| f.as_str()).collect())),
        (
            "quotas",
            format!(
                "{} authentications/month, {} users, {}/min and {}/h API requests",
                q.monthly_authentications,
                q.max_users.map_or("unlimited".into(), |u| u.to_string()),
                q.api_requests_per_minute,
                q.api_requests_per_hour
            ),
        ),
        (
            "usage",
            format!(
                "{}: {} attempts ({} ok), {} API calls — quota {:?}",
                d.month,
                m.auth_attempts,
                m.success_rate().map_or("-".into(), |r| format!("{r:.1} %")),
                m.api_calls,
                d.quota_level
            )
            .to_lowercase(),
        ),
        ("created", when(t.created_at)),
        ("updated", format!("{} (version {})", when(t.updated_at), t.version)),
    ]);
    print!("{}", pairs(&lines));
    Ok(())
}
