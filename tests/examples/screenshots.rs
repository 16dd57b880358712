//! Screenshots of the panel's main pages in light and dark, for the docs:
//! `cargo run -p gatehouse-tests --example screenshots` writes `docs/screenshots/*.png`.
//!
//! Run on purpose only (the test suite never rewrites committed files). It serves Gatehouse
//! on a fresh SQLite database with a few tenants and 30 days of made-up-for-the-picture usage,
//! clearly demo data, and drives headless Chromium like the browser test does.

#[path = "../tests/browser/driver.rs"]
#[expect(dead_code, reason = "the browser test's helpers, of which this tool needs only some")]
mod driver;

use std::path::PathBuf;

use driver::{Driver, fill, submit};
use gatehouse_application::{first_run, register_tenant};
use gatehouse_domain::{Actor, DailyUsage, Plan, Tenant};
use gatehouse_tests::app::{Backend, OWNER, OWNER_PASSWORD, TestApp, spawn_app, totp};
use thirtyfour::prelude::*;
use time::Duration;

const TENANTS: &[(&str, Plan, u32)] = &[
    ("Northwind Traders", Plan::Enterprise, 42_000),
    ("Acme Corp", Plan::Premium, 3_400),
    ("Globex", Plan::Basic, 360),
    ("Initech", Plan::Basic, 290),
    ("Umbrella Health", Plan::Premium, 2_100),
    ("Hooli", Plan::Free, 36),
    ("Vandelay Industries", Plan::Free, 12),
];

async fn seed(app: &TestApp) -> Vec<Tenant> {
    let mut tenants = Vec::new();
    for (i, (name, plan, per_day)) in TENANTS.iter().enumerate() {
        let slug = name.to_ascii_lowercase().replace(' ', "-");
        let request = register_tenant::Request {
            name: (*name).into(),
            contact_email: format!("ops@{slug}.example"),
            plan: Some(*plan),
            domains: vec![format!("{slug}.example")],
            activate: i != 6,
            ..register_tenant::Request::default()
        };
        let tenant =
            register_tenant::run(&app.ports, &Actor::cli("demo"), request).await.expect("registered").tenant;
        let today = app.clock_now().date();
        let days: Vec<DailyUsage> = (0..30u32)
            .map(|d| {
                let wave = 1.0 + 0.25 * (f64::from(d) / 3.0).sin();
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "demo figures")]
                let attempts = (f64::from(*per_day) * wave) as u64;
                let failures = attempts / 25 + u64::from(d % 3);
                DailyUsage {
                    tenant_id: tenant.id,
                    day: today - Duration::days(i64::from(d)),
                    auth_attempts: attempts,
                    auth_successes: attempts - failures.min(attempts),
                    auth_failures: failures.min(attempts),
                    active_users: attempts / 3,
                    api_calls: attempts * 3,
                    sms_sent: attempts / 20,
                    emails_sent: attempts / 10,
                    avg_response_ms: 90 + d % 7 * 15,
                }
            })
            .collect();
        app.ports.usage.record(&days).await.expect("usage");
        tenants.push(tenant);
    }
    tenants
}

async fn shoot(
    b: &WebDriver,
    base: &str,
    out: &std::path::Path,
    name: &str,
    path: &str,
) -> WebDriverResult<()> {
    for theme in ["light", "dark"] {
        b.add_cookie(Cookie::new("theme", theme)).await?;
        b.goto(format!("{base}{path}")).await?;
        let file = out.join(format!("{name}-{theme}.png"));
        b.screenshot(&file).await?;
        println!("wrote {}", file.display());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> WebDriverResult<()> {
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&out).expect("screenshot directory");
    let driver = Driver::start();
    let app = spawn_app(Backend::Sqlite).await.expect("an app on SQLite");
    let tenants = seed(&app).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let b = driver.browser(profile.path(), 1280, 1000).await;
    let base = app.base.clone();

    b.goto(format!("{base}/login")).await?;
    shoot(&b, &base, &out, "login", "/login").await?;

    let token = first_run::issue_token(&app.ports).await.expect("issued").expect("no admin yet");
    b.goto(format!("{base}/setup?token={}", token.expose())).await?;
    fill(&b, "input[name=username]", OWNER).await?;
    fill(&b, "input[name=email]", "owner@gatehouse.example").await?;
    fill(&b, "input[name=password]", OWNER_PASSWORD).await?;
    fill(&b, "input[name=password_confirm]", OWNER_PASSWORD).await?;
    submit(&b, "main form button[type=submit]").await?;
    let key = b.find(By::Css("code.key")).await?.text().await?;
    let secret = totp::base32_decode(&key).expect("a base32 key");
    fill(&b, "input[name=code]", &totp::code_at(&secret, app.clock_now())).await?;
    submit(&b, "main form button[type=submit]").await?;

    shoot(&b, &base, &out, "dashboard", "/?refresh=off").await?;
    shoot(&b, &base, &out, "tenants", "/tenants").await?;
    shoot(&b, &base, &out, "tenant", &format!("/tenants/{}", tenants[1].id)).await?;
    shoot(&b, &base, &out, "analytics", "/analytics").await?;
    shoot(&b, &base, &out, "audit", "/audit").await?;
    shoot(&b, &base, &out, "system", "/system").await?;
    b.quit().await?;
    Ok(())
}
