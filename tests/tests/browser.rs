//! The panel in a real browser: headless Debian Chromium driven over WebDriver against a served
//! Gatehouse, on SQLite and (when `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! One scenario a new operator would walk: first-run set-up with a password and a TOTP code
//! (computed by the harness's own TOTP), register a tenant, add a domain, switch a feature
//! off, bulk-suspend two tenants, see the dashboard's numbers change, log out. It fails — it
//! never skips — when Chromium or chromedriver is missing.

#[path = "browser/driver.rs"]
mod driver;

use driver::{Driver, click, fill, main_text, path, submit};
use gatehouse_application::ports::TenantQuery;
use gatehouse_application::{first_run, register_tenant};
use gatehouse_domain::{Actor, AuditKind, Plan, TenantStatus};
use gatehouse_tests::app::{Backend, OWNER, OWNER_PASSWORD, TestApp, spawn_app, totp};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_walks_the_panel_sqlite() {
    walk(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_walks_the_panel_postgres() {
    walk(Backend::Postgres).await;
}

async fn walk(backend: Backend) {
    let driver = Driver::start();
    let Some(app) = spawn_app(backend).await else { return };
    let profile = tempfile::tempdir().expect("profile dir");
    let b = driver.browser(profile.path(), 1280, 900).await;
    let result = scenario(&app, &b).await;
    let _ = b.quit().await;
    result.expect("the scenario");
}

/// The tiles' "N active" note on the dashboard.
async fn dashboard_figures(app: &TestApp, b: &WebDriver) -> WebDriverResult<String> {
    b.goto(format!("{}/", app.base)).await?;
    b.find(By::Css(".tiles .tile .tile-value")).await?.text().await
}

async fn scenario(app: &TestApp, b: &WebDriver) -> WebDriverResult<()> {
    // First run: the one-time set-up link, the owner, TOTP enrolment.
    let token = first_run::issue_token(&app.ports).await.expect("issued").expect("no admin yet");
    b.goto(format!("{}/setup?token={}", app.base, token.expose())).await?;
    fill(b, "input[name=username]", OWNER).await?;
    fill(b, "input[name=email]", "owner@gatehouse.example").await?;
    fill(b, "input[name=password]", OWNER_PASSWORD).await?;
    fill(b, "input[name=password_confirm]", OWNER_PASSWORD).await?;
    submit(b, "main form button[type=submit]").await?;
    assert_eq!(path(b).await?, "/account/2fa/setup");
    let key = b.find(By::Css("code.key")).await?.text().await?;
    let secret = totp::base32_decode(&key).expect("a base32 key");
    fill(b, "input[name=code]", &totp::code_at(&secret, app.clock_now())).await?;
    submit(b, "main form button[type=submit]").await?;
    assert!(main_text(b).await?.to_lowercase().contains("recovery"), "recovery codes are shown once");

    // The dashboard of an empty platform.
    assert_eq!(dashboard_figures(app, b).await?, "0");
    assert!(main_text(b).await?.contains("0 active"));

    // Register a tenant through the form.
    b.goto(format!("{}/tenants/new", app.base)).await?;
    fill(b, "input[name=name]", "Browser Co").await?;
    fill(b, "input[name=contact_email]", "ops@browser.example").await?;
    b.find(By::Css("select[name=plan]")).await?.find(By::Css("option[value=premium]")).await?.click().await?;
    fill(b, "textarea[name=domains]", "browser.example").await?;
    click(b, "#f-activate").await?;
    submit(b, "main form.card button[type=submit]").await?;
    // The answer shows the tenant's first key, once; its button leads on to the tenant's page.
    assert!(b.find(By::Css("code.key")).await?.text().await?.starts_with("ght_"));
    submit(b, "main a.button").await?;
    let tenant_path = path(b).await?;
    assert!(tenant_path.starts_with("/tenants/"), "the new tenant's page: {tenant_path}");
    assert!(main_text(b).await?.contains("Browser Co"));

    // Add a domain.
    fill(b, "#f-domain", "login.browser.example").await?;
    submit(b, "form:has(#f-domain) button[type=submit]").await?;
    assert!(main_text(b).await?.contains("login.browser.example"));
    assert_eq!(app.audit(AuditKind::DomainAdded).await.len(), 1);

    // Switch SMS off.
    let sms = b.find(By::Css("#f-method-sms")).await?;
    assert!(sms.is_selected().await?, "premium has SMS on by default");
    sms.click().await?;
    submit(b, "form.features button[type=submit]").await?;
    assert_eq!(app.audit(AuditKind::TenantFeaturesUpdated).await.len(), 1);
    assert!(!b.find(By::Css("#f-method-sms")).await?.is_selected().await?);

    // A second tenant (registered by the CLI), then both suspended at once from the list.
    let request = register_tenant::Request {
        name: "Second Shop".into(),
        contact_email: "ops@second.example".into(),
        plan: Some(Plan::Basic),
        domains: vec!["second.example".into()],
        activate: true,
        ..register_tenant::Request::default()
    };
    register_tenant::run(&app.ports, &Actor::cli("test"), request).await.expect("registered");
    assert_eq!(dashboard_figures(app, b).await?, "2");
    assert!(main_text(b).await?.contains("2 active"));
    b.goto(format!("{}/tenants", app.base)).await?;
    for checkbox in b.find_all(By::Css("input[name=t]")).await? {
        checkbox.click().await?;
    }
    b.find(By::Css("select[name=action]"))
        .await?
        .find(By::Css("option[value=suspend]"))
        .await?
        .click()
        .await?;
    submit(b, "form[action='/tenants/bulk'] button[type=submit]").await?;
    fill(b, "#f-reason", "unpaid invoices").await?;
    submit(b, "main form.card button[type=submit]").await?;
    assert_eq!(app.audit(AuditKind::TenantSuspended).await.len(), 2);

    // The dashboard follows.
    assert_eq!(dashboard_figures(app, b).await?, "2");
    let text = main_text(b).await?;
    assert!(text.contains("0 active"), "{text}");
    let suspended = b.find(By::Css("table.counts .st-suspended")).await?;
    let row = suspended.find(By::XPath("./ancestor::tr")).await?.text().await?;
    assert!(row.contains('2'), "{row}");
    let statuses = app.ports.tenants.list(&TenantQuery::default()).await.expect("listed");
    assert!(statuses.items.iter().all(|t| t.status == TenantStatus::Suspended));

    // Log out from the menu.
    submit(b, "form[action='/logout'] button").await?;
    assert_eq!(path(b).await?, "/login");
    b.goto(format!("{}/", app.base)).await?;
    assert_eq!(path(b).await?, "/login", "the session is over");
    Ok(())
}
