//! The panel's overview pages over real HTTP, on SQLite and (when
//! `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL: the dashboard, analytics with the billing
//! CSV, the audit log with filters and exports, the system page, and the theme switch. Each
//! checks status, key content, `Cache-Control: no-store` (S21), permission denials (403 and an
//! `authz_fail` row, S24, S26), CSRF on the theme form (S22), and escaping.

use gatehouse_application::register_tenant;
use gatehouse_domain::{Actor, AuditKind, DailyUsage, Plan, Role, Tenant};
use gatehouse_tests::app::{Backend, TestApp, spawn_app};

#[macro_use]
extern crate gatehouse_tests;

both!(
    the_dashboard_shows_health_counts_charts_and_top_tenants,
    analytics_and_the_billing_csv_follow_the_month_and_the_permission,
    audit_filters_page_and_export_the_current_filter,
    the_system_page_masks_secrets_and_is_for_owners,
    the_theme_switch_needs_csrf_and_sets_the_cookie_s22,
    navigation_shows_only_what_the_role_may_open,
);

/// Registers an active tenant on `plan` with `attempts` authentications today.
async fn tenant_with_usage(app: &TestApp, name: &str, plan: Plan, attempts: u64) -> Tenant {
    let request = register_tenant::Request {
        name: name.into(),
        contact_email: "ops@example.com".into(),
        plan: Some(plan),
        domains: vec![format!(
            "{}.example.com",
            name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "")
        )],
        activate: true,
        ..register_tenant::Request::default()
    };
    let tenant =
        register_tenant::run(&app.ports, &Actor::cli("test"), request).await.expect("registered").tenant;
    let day = DailyUsage {
        tenant_id: tenant.id,
        day: app.clock_now().date(),
        auth_attempts: attempts,
        auth_successes: attempts * 9 / 10,
        auth_failures: attempts - attempts * 9 / 10,
        active_users: 5,
        api_calls: attempts * 2,
        sms_sent: 0,
        emails_sent: 0,
        avg_response_ms: 120,
    };
    app.ports.usage.record(&[day]).await.expect("usage recorded");
    tenant
}

async fn the_dashboard_shows_health_counts_charts_and_top_tenants(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    tenant_with_usage(&app, "Acme <b>Corp</b>", Plan::Basic, 9_000).await;
    let page = browser.get("/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"), "S21");
    for text in ["System health", "Database", "MFA upstream", "SMTP", "not configured", "Tenants by plan"] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(page.body.contains(r#"<meta http-equiv="refresh" content="60;url=/?refresh=auto">"#));
    assert!(page.body.contains(r#"role="img""#) && page.body.contains("<svg"), "server-drawn charts");
    assert!(page.body.contains("Acme &lt;b&gt;Corp&lt;/b&gt;"), "names are escaped");
    assert!(!page.body.contains("<b>Corp</b>"));
    assert!(page.body.contains("90.0%"), "the month's success rate of the top tenant");
    assert!(page.body.contains("Recent security events") && page.body.contains("authn_login_success"));
    assert!(!page.body.contains("<script"), "no script on the page");
    let paused = browser.get("/?refresh=off").await;
    assert!(!paused.body.contains("http-equiv"), "the refresh can be paused");
}

async fn analytics_and_the_billing_csv_follow_the_month_and_the_permission(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    tenant_with_usage(&app, "=cmd", Plan::Basic, 12_345).await;
    let page = owner.get("/analytics").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("Analytics · 2026-11") && page.body.contains("Billing preparation"));
    assert!(page.body.contains("12,345"));
    assert_eq!(owner.get("/analytics?month=2026-13").await.status, 422);
    assert_eq!(owner.get("/analytics?month=2027-01").await.status, 422, "the future has no data");
    assert!(owner.get("/analytics?month=2026-10").await.body.contains("Analytics · 2026-10"));

    let csv = owner.get("/analytics/billing.csv?month=2026-11").await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.header("content-disposition").is_some_and(|d| d.contains("gatehouse-billing-2026-11.csv")));
    let mut lines = csv.body.lines();
    assert!(lines.next().is_some_and(|h| h.starts_with("month,tenant_id,slug,name,")));
    let row = lines.find(|l| l.contains("'=cmd")).expect("the tenant's row, neutralised");
    // basic: 10,000 included, 2,345 over → 3 started thousands at 0.50 → 1.50 + 29.00.
    assert!(row.ends_with(",basic,10000,12345,2345,29.00,1.50,30.50"), "{row}");

    let (support, _) = app.admin_logged_in("sam", Role::Support).await;
    let page = support.get("/analytics").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Billing preparation"), "support may not export billing");
    assert_eq!(support.get("/analytics/billing.csv").await.status, 403);
    let denials = app.audit(AuditKind::AuthzFail).await;
    assert_eq!(denials.len(), 1, "{denials:?}");
    assert!(denials[0].event.reason.as_deref().is_some_and(|r| r.starts_with("GET /analytics/billing.csv")));
}

async fn audit_filters_page_and_export_the_current_filter(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let tenant = tenant_with_usage(&app, "Filtered", Plan::Free, 10).await;
    let page = owner.get("/audit").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let by_kind = owner.get("/audit?kind=tenant_created").await.body;
    assert!(by_kind.contains("tenant_created") && !by_kind.contains("<code>authn_login_success</code>"));
    let by_slug = owner.get("/audit?tenant=filtered").await.body;
    assert!(by_slug.contains("tenant_created"), "a slug is resolved");
    let by_id = owner.get(&format!("/audit?tenant={}", tenant.id)).await.body;
    assert!(by_id.contains("tenant_created"));
    let unknown = owner.get("/audit?tenant=no-such-tenant").await;
    assert_eq!(unknown.status, 200);
    assert!(unknown.body.contains("no tenant has this slug"));
    let bad_date = owner.get("/audit?since=yesterday").await.body;
    assert!(bad_date.contains("must be a date"));
    let future = owner.get("/audit?since=2030-01-01").await.body;
    assert!(future.contains("No events match."));
    let evil = owner.get("/audit?actor=%3Cscript%3Ealert(1)%3C/script%3E").await.body;
    assert!(
        evil.contains("&lt;script&gt;alert(1)") && !evil.contains("<script>alert"),
        "filters are escaped"
    );

    let older = owner.get("/audit?before=3").await.body;
    assert!(older.contains("<td>2</td>") && !older.contains("<td>3</td>"), "pages go backwards by seq");

    let csv = owner.get("/audit/export?format=csv&outcome=success").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.body.starts_with("seq,at,kind,actor_type,actor,"));
    assert!(csv.body.lines().skip(1).all(|l| l.contains(",success,")), "{}", csv.body);
    let jsonl = owner.get("/audit/export?format=jsonl").await;
    assert_eq!(jsonl.header("content-type"), Some("application/x-ndjson"));
    let seqs: Vec<i64> = jsonl
        .body
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("one JSON object a line")["seq"]
                .as_i64()
                .expect("seq")
        })
        .collect();
    assert!(seqs.len() >= 5 && seqs.windows(2).all(|w| w[0] == w[1] + 1), "newest first, no gaps: {seqs:?}");
    assert_eq!(owner.get("/audit/export?format=xml").await.status, 422);

    let (support, _) = app.admin_logged_in("sue", Role::Support).await;
    assert_eq!(support.get("/audit").await.status, 403);
    assert_eq!(support.get("/audit/export?format=csv").await.status, 403);
    assert_eq!(app.audit(AuditKind::AuthzFail).await.len(), 2);
}

async fn the_system_page_masks_secrets_and_is_for_owners(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let page = owner.get("/system").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    for text in [
        "Health checks",
        "Version",
        "GATEHOUSE_SECRET_KEY",
        "********",
        "MFA upstream connection",
        "Tenant sync",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(!page.body.contains(&"11".repeat(32)), "the server key never shows");
    assert!(
        page.body.contains(
            "Set MFA_SYSTEM_API_URL and MFA_SYSTEM_API_KEY to connect; nothing is called or made up"
        ),
        "nothing is made up"
    );
    let (auditor, _) = app.admin_logged_in("audrey", Role::Auditor).await;
    assert_eq!(auditor.get("/system").await.status, 403);
    let denials = app.audit(AuditKind::AuthzFail).await;
    assert_eq!(denials.len(), 1);
    assert!(denials[0].event.reason.as_deref().is_some_and(|r| r.starts_with("GET /system")));
}

async fn the_theme_switch_needs_csrf_and_sets_the_cookie_s22(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let page = owner.get("/").await;
    assert!(page.body.contains(r#"data-theme="system""#));
    let no_token = owner.post_raw("/theme", &[("theme", "dark"), ("back", "/")]).await;
    assert_eq!(no_token.status, 403);
    let wrong = owner.post_raw("/theme", &[("csrf", "00"), ("theme", "dark")]).await;
    assert_eq!(wrong.status, 403);
    let evil = owner
        .send(
            owner
                .client
                .post(format!("{}/theme", app.base))
                .header("origin", "https://evil.example")
                .form(&[("csrf", page.csrf().expect("csrf").as_str()), ("theme", "dark")]),
        )
        .await;
    assert_eq!(evil.status, 403, "a foreign origin is refused");
    let done = owner.submit("/audit", "/theme", &[("theme", "dark"), ("back", "/audit")]).await;
    assert_eq!((done.status, done.location()), (303, Some("/audit")));
    assert!(done.set_cookies().iter().any(|c| c.starts_with("theme=dark;")));
    assert!(owner.get("/").await.body.contains(r#"<html lang="en" data-theme="dark">"#));
    let offsite = owner.submit("/", "/theme", &[("theme", "light"), ("back", "//evil.example/")]).await;
    assert_eq!(offsite.location(), Some("/"), "only paths of this site are followed back");
    assert_eq!(owner.submit("/", "/theme", &[("theme", "neon")]).await.status, 404);
    let anonymous = app.browser();
    assert_eq!(anonymous.get("/login").await.status, 200);
    assert_eq!(anonymous.submit("/login", "/theme", &[("theme", "dark")]).await.location(), Some("/login"));
}

async fn navigation_shows_only_what_the_role_may_open(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let page = owner.get("/").await.body;
    for href in ["/tenants", "/analytics", "/audit", "/admins", "/settings", "/system"] {
        assert!(page.contains(&format!(r#"href="{href}""#)), "{href}");
    }
    assert!(page.contains(r#"<a href="/" aria-current="page">Dashboard</a>"#));
    let (auditor, _) = app.admin_logged_in("ada", Role::Auditor).await;
    let page = auditor.get("/audit").await.body;
    assert!(page.contains(r#"<a href="/audit" aria-current="page">Audit</a>"#));
    for hidden in [r#"href="/admins""#, r#"href="/settings""#, r#"href="/system""#, "New tenant"] {
        assert!(!page.contains(hidden), "{hidden}");
    }
    assert!(auditor.get("/").await.body.contains("Tenants by status"));
}
