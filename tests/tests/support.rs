//! The governed support view against a stand-in MFA upstream over real HTTP, on SQLite and
//! (when `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL: a reason is required, the grant lasts
//! 15 minutes on the app's clock, opening it is audited with the reason and tells the tenant's
//! contact, the data comes live from the upstream, and roles without `impersonate` are refused.

use gatehouse_application::ports::{OutboxQuery, TenantRegistration, UpstreamTarget};
use gatehouse_application::register_tenant;
use gatehouse_domain::{Actor, AuditKind, NotificationKind, Plan, Role};
use gatehouse_tests::app::{Backend, Options, TestApp, get_json, spawn_app_with};
use gatehouse_tests::stand_in::StandIn;

#[macro_use]
extern crate gatehouse_tests;

both!(support_needs_a_reason_shows_live_data_for_fifteen_minutes_and_tells_the_tenant, support_over_the_api);

const TOKEN: &str = "stand-in-token-for-support-tests";

async fn app_with_upstream(backend: Backend) -> Option<(TestApp, StandIn)> {
    let upstream = StandIn::spawn(TOKEN).await;
    let options = Options { upstream: Some((upstream.url.clone(), TOKEN.to_owned())), ..Options::default() };
    let app = spawn_app_with(backend, options).await?;
    let request = register_tenant::Request {
        name: "Helped <Co>".into(),
        slug: Some("helped".into()),
        contact_email: "ops@helped.example".into(),
        plan: Some(Plan::Premium),
        domains: vec!["helped.example".into()],
        activate: true,
        ..register_tenant::Request::default()
    };
    let tenant =
        register_tenant::run(&app.ports, &Actor::cli("test"), request).await.expect("registered").tenant;
    app.ports
        .upstream
        .register_tenant(&UpstreamTarget::tenant(tenant.id), &TenantRegistration::of(&tenant))
        .await
        .expect("known upstream");
    Some((app, upstream))
}

async fn support_needs_a_reason_shows_live_data_for_fifteen_minutes_and_tells_the_tenant(backend: Backend) {
    let Some((app, _upstream)) = app_with_upstream(backend).await else { return };
    let (browser, _) = app.admin_logged_in("sue", Role::Support).await;
    let form = browser.get("/tenants/helped/support").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("Reason (required)") && form.body.contains("ops@helped.example"),
        "{}",
        form.body
    );
    let refused =
        browser.submit("/tenants/helped/support", "/tenants/helped/support", &[("reason", "")]).await;
    assert_eq!(refused.status, 422, "a reason is required");
    let opened = browser
        .submit(
            "/tenants/helped/support",
            "/tenants/helped/support",
            &[("reason", "login loops reported"), ("ticket", "T-77")],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let live = browser.get("/tenants/helped/support").await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert!(live.body.contains("Support access to Helped &lt;Co&gt;"), "banner, escaped: {}", live.body);
    assert!(live.body.contains("15 minutes left") && live.body.contains("T-77"), "{}", live.body);
    assert!(live.body.contains("End users") && live.body.contains("<table"), "{}", live.body);
    let audit = app.audit(AuditKind::TenantSupportAccess).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].event.reason.as_deref(), Some("login loops reported (ticket T-77)"));
    let notices =
        app.ports.outbox.list(&OutboxQuery { limit: 100, ..OutboxQuery::default() }).await.expect("outbox");
    assert!(
        notices.iter().any(|m| m.message.notification == Some(NotificationKind::SupportAccess)),
        "the tenant is told"
    );
    app.advance(time::Duration::minutes(15));
    let over = browser.get("/tenants/helped/support").await;
    assert!(over.body.contains("Reason (required)") && !over.body.contains("End users"), "the grant ended");
    let (auditor, _) = app.admin_logged_in("ada", Role::Auditor).await;
    assert_eq!(auditor.get("/tenants/helped/support").await.status, 403);
}

async fn support_over_the_api(backend: Backend) {
    let Some((app, upstream)) = app_with_upstream(backend).await else { return };
    let request = gatehouse_application::manage_api_keys::CreateApiKey {
        name: "support desk".into(),
        scopes: [gatehouse_domain::Permission::Impersonate].into(),
        ..Default::default()
    };
    let (_, key) = gatehouse_application::manage_api_keys::create(&app.ports, &Actor::cli("test"), request)
        .await
        .expect("key");
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1/tenants/helped/support{p}", app.base);
    let before = http.get(url("/users")).bearer_auth(key.expose()).send().await.expect("get");
    assert_eq!(before.status(), 403, "no grant yet");
    let opened = http
        .post(url(""))
        .bearer_auth(key.expose())
        .json(&serde_json::json!({"reason": "integration check"}))
        .send()
        .await
        .expect("post");
    assert_eq!(opened.status(), 201);
    let users = get_json(&url("/users?limit=5"), key.expose()).await;
    assert!(users["total"].as_u64().is_some_and(|t| t > 0), "{users}");
    assert_eq!(users["users"].as_array().map(Vec::len), Some(5));
    let logs =
        http.get(url("/auth-logs?days=7&limit=10")).bearer_auth(key.expose()).send().await.expect("get");
    assert_eq!(logs.status(), 200);
    upstream.set_fault(gatehouse_tests::stand_in::Fault::ServerErrors);
    let failing = http.get(url("/users")).bearer_auth(key.expose()).send().await.expect("get");
    assert_eq!(failing.status(), 502, "the upstream's failure is a bad gateway, not ours");
}
