//! One tenant's page and its forms: overview, usage, audit trail; status with and without a
//! reason; plan preview then change; domains; features refused by the plan; a stale form.

use gatehouse_domain::{AuditKind, MfaMethod, Plan, TenantStatus};
use gatehouse_tests::app::{Backend, spawn_app};
use gatehouse_tests::fixtures;
use time::macros::date;

use super::support::{field_error, register, stored, version};

both!(
    the_tenant_page_shows_everything,
    status_changes_need_a_reason_to_suspend_and_a_confirmation_to_cancel,
    a_plan_change_is_previewed_then_applied,
    domains_are_added_removed_and_made_primary,
    features_the_plan_forbids_are_disabled_and_refused,
    a_stale_form_changes_nothing_and_reloads,
);

async fn the_tenant_page_shows_everything(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = register(&app, "Acme", "acme", Plan::Basic, &["acme.example", "xn--bcher-kva.example"]).await;
    app.ports
        .usage
        .record(&[
            fixtures::usage(t.id, date!(2026 - 10 - 25), 300, 5, 90),
            fixtures::usage(t.id, date!(2026 - 11 - 05), 8_500, 40, 120),
        ])
        .await
        .expect("usage");
    let page = browser.get("/tenants/acme").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let b = &page.body;
    for expected in [
        r#"<nav class="crumbs" aria-label="Breadcrumb"><ol><li><a href="/tenants">Tenants</a></li><li aria-current="page">Acme</li>"#,
        r#"<span class="pill pending">pending</span>"#,
        r#"<span class="badge plan-basic">basic</span>"#,
        "ops@acme.example",
        "2026-11-21 12:00 UTC",
        "bücher.example",
        "primary",
        // Usage against quota, from show_tenant.
        "8,500",
        "10,000",
        "over 80 % of quota",
        "90.0 %",
        // Usage charts: the last 30 days per day (October's day included), and the month's
        // running total against the quota (from 1 November only).
        r#"<title id="tenant-auth-title">Authentications per day</title>"#,
        "10-25 · Successes: 270",
        "11-05 · Failures: 850",
        r#"<title id="tenant-quota-title">Authentications this month against the quota</title>"#,
        "11-01 · Attempts so far: 0",
        "11-05 · Attempts so far: 8,500",
        "11-21 · Attempts so far: 8,500",
        "11-21 · Monthly quota: 10,000",
        // Audit trail.
        "tenant_created",
        // The tenant's keys for the MFA service (its first one was issued with it).
        r#"<h2 id="h-api-keys">API keys</h2>"#,
        // Its calls to the JSON API.
        r#"href="/api-log?tenant=acme""#,
    ] {
        assert!(b.contains(expected), "{expected:?} missing: {b}");
    }
    for absent in ["10-25 · Attempts so far", "10-22 · Successes", r#"data-placeholder="usage-charts""#] {
        assert!(!b.contains(absent), "{absent:?} shown: {b}");
    }
    assert_eq!(version(b), "1");
    // By id too.
    assert_eq!(browser.get(&format!("/tenants/{}", t.id)).await.status, 200);
    assert_eq!(browser.get("/tenants/nobody").await.status, 404);
    assert_eq!(browser.get("/tenants/Not%20a%20slug").await.status, 404);
    assert!(!app.audit(AuditKind::TenantAccess).await.is_empty(), "a look at a tenant is audited");
}

async fn status_changes_need_a_reason_to_suspend_and_a_confirmation_to_cancel(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    let act =
        browser.submit("/tenants/acme", "/tenants/acme/status", &[("to", "active"), ("version", "1")]).await;
    assert_eq!((act.status, act.location()), (303, Some("/tenants/acme?done=status")), "{}", act.body);
    assert_eq!(stored(&app, "acme").await.status, TenantStatus::Active);

    let no_reason = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/status",
            &[("to", "suspended"), ("version", "2"), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(no_reason.body.contains("a reason is required"), "{}", no_reason.body);
    assert_eq!(stored(&app, "acme").await.status, TenantStatus::Active);

    let suspended = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/status",
            &[("to", "suspended"), ("version", "2"), ("reason", "unpaid invoice")],
        )
        .await;
    assert_eq!(suspended.status, 303, "{}", suspended.body);
    let t = stored(&app, "acme").await;
    assert_eq!((t.status, t.status_reason.as_deref()), (TenantStatus::Suspended, Some("unpaid invoice")));
    assert!(browser.get("/tenants/acme").await.body.contains("unpaid invoice"));

    // Cancelling goes through a confirmation page first.
    let first = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/status",
            &[("to", "cancelled"), ("version", "3"), ("reason", "x")],
        )
        .await;
    assert_eq!((first.status, first.location()), (303, Some("/tenants/acme/cancel?version=3")));
    let confirm = browser.get("/tenants/acme/cancel?version=3").await;
    assert!(confirm.body.contains("Cancelling is final"), "{}", confirm.body);
    let empty = browser
        .submit(
            "/tenants/acme/cancel?version=3",
            "/tenants/acme/status",
            &[("to", "cancelled"), ("version", "3"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("a reason is required"), "{}", empty.body);
    assert_eq!(stored(&app, "acme").await.status, TenantStatus::Suspended);
    let done = browser
        .submit(
            "/tenants/acme/cancel?version=3",
            "/tenants/acme/status",
            &[("to", "cancelled"), ("version", "3"), ("confirmed", "yes"), ("reason", "customer left")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(stored(&app, "acme").await.status, TenantStatus::Cancelled);
    // Cancelled is final: the page offers no more moves, and a forged one is refused.
    let page = browser.get("/tenants/acme").await.body;
    assert!(page.contains("Cancelled is final") && !page.contains(r#"value="active""#));
    let again =
        browser.submit("/tenants/acme", "/tenants/acme/status", &[("to", "active"), ("version", "4")]).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("cannot become active"), "{}", again.body);
}

async fn a_plan_change_is_previewed_then_applied(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Premium, &["acme.example"]).await;
    let preview = browser.get("/tenants/acme/plan?plan=free&version=1").await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    for lost in [
        "MFA method sms switched off",
        "feature custom_branding switched off",
        "monthly_authentications lowered from 100000 to 1000",
    ] {
        assert!(preview.body.contains(lost), "{lost}: {}", preview.body);
    }
    assert_eq!(stored(&app, "acme").await.plan, Plan::Premium, "a preview changes nothing");
    let done = browser
        .submit(
            "/tenants/acme/plan?plan=free&version=1",
            "/tenants/acme/plan",
            &[("plan", "free"), ("version", "1")],
        )
        .await;
    assert_eq!((done.status, done.location()), (303, Some("/tenants/acme?done=plan")), "{}", done.body);
    let t = stored(&app, "acme").await;
    assert_eq!(t.plan, Plan::Free);
    assert!(!t.features.methods.contains(&MfaMethod::Sms));
    let up = browser.get("/tenants/acme/plan?plan=enterprise&version=2").await;
    assert!(up.body.contains("Nothing would be switched off"));
    assert_eq!(browser.get("/tenants/acme/plan?plan=gold").await.status, 422);
}

async fn domains_are_added_removed_and_made_primary(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    register(&app, "Other", "other", Plan::Basic, &["other.example"]).await;
    let post = |fields: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move {
            let v = version(&browser.get("/tenants/acme").await.body);
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("version", &v));
            browser.submit("/tenants/acme", "/tenants/acme/domains", &all).await
        }
    };
    let added = post(vec![("action", "add".into()), ("hostname", "Login.Acme.example".into())]).await;
    assert_eq!((added.status, added.location()), (303, Some("/tenants/acme?done=domains")), "{}", added.body);
    let taken = post(vec![("action", "add".into()), ("hostname", "other.example".into())]).await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    let message = field_error(&taken.body, "f-domain").expect("error next to the domain field");
    assert!(message.contains("already belongs to another tenant"), "{message}");
    assert!(taken.body.contains(r#"value="other.example""#), "typed hostname kept");
    let primary = stored(&app, "acme").await.primary_domain().map(ToString::to_string);
    assert_eq!(primary.as_deref(), Some("acme.example"));
    let refused = post(vec![("action", "remove".into()), ("hostname", "acme.example".into())]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("make another domain primary first"), "{}", refused.body);
    assert_eq!(
        post(vec![("action", "primary".into()), ("hostname", "login.acme.example".into())]).await.status,
        303
    );
    assert_eq!(
        post(vec![("action", "remove".into()), ("hostname", "acme.example".into())]).await.status,
        303
    );
    let t = stored(&app, "acme").await;
    let hosts: Vec<_> = t.domains.iter().map(|d| (d.hostname.to_string(), d.is_primary)).collect();
    assert_eq!(hosts, [("login.acme.example".to_owned(), true)]);
}

async fn features_the_plan_forbids_are_disabled_and_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    let page = browser.get("/tenants/acme").await.body;
    assert!(
        page.contains(r#"id="f-method-sms" type="checkbox" name="method" value="sms" disabled>"#),
        "{page}"
    );
    assert!(page.contains("not in the basic plan"));
    assert!(
        page.contains(r#"id="f-method-email_otp" type="checkbox" name="method" value="email_otp" checked>"#)
    );
    let quotas = [
        ("monthly_authentications", "5000"),
        ("max_users", ""),
        ("api_requests_per_minute", "300"),
        ("api_requests_per_hour", "10000"),
    ];
    // Switching e-mail OTP off and lowering the monthly quota is allowed...
    let mut fields =
        vec![("method", "totp"), ("method", "backup_codes"), ("feature", "api_access"), ("version", "1")];
    fields.extend(quotas);
    fields.retain(|(k, _)| *k != "max_users");
    fields.push(("max_users", "500"));
    let saved = browser.submit("/tenants/acme", "/tenants/acme/features", &fields).await;
    assert_eq!(
        (saved.status, saved.location()),
        (303, Some("/tenants/acme?done=features")),
        "{}",
        saved.body
    );
    let t = stored(&app, "acme").await;
    assert!(!t.features.methods.contains(&MfaMethod::EmailOtp));
    assert_eq!((t.features.quotas.monthly_authentications, t.features.quotas.max_users), (5_000, Some(500)));
    // ...a forged POST enabling SMS is refused by name, and nothing changes.
    let mut forged = vec![("method", "totp"), ("method", "sms"), ("version", "2")];
    forged.extend(quotas);
    let refused = browser.submit("/tenants/acme", "/tenants/acme/features", &forged).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("the basic plan does not include the MFA method sms"), "{}", refused.body);
    let after = stored(&app, "acme").await;
    assert_eq!((after.version, &after.features), (t.version, &t.features));
    // A quota above the plan and a malformed number are refused at their fields.
    let mut high = vec![("method", "totp"), ("version", "2")];
    high.extend(quotas.map(|(k, v)| if k == "monthly_authentications" { (k, "lots") } else { (k, v) }));
    let bad = browser.submit("/tenants/acme", "/tenants/acme/features", &high).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("must be a whole number"), "{}", bad.body);
    assert_eq!(stored(&app, "acme").await.version, t.version);
}

async fn a_stale_form_changes_nothing_and_reloads(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    let old = browser.get("/tenants/acme").await;
    assert_eq!(version(&old.body), "1");
    // Somebody else activates the tenant meanwhile.
    let other =
        browser.submit("/tenants/acme", "/tenants/acme/status", &[("to", "active"), ("version", "1")]).await;
    assert_eq!(other.status, 303);
    let stale = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/domains",
            &[("action", "add"), ("hostname", "new.acme.example"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("changed by someone else — reloaded"), "{}", stale.body);
    assert_eq!(version(&stale.body), "2", "the fresh data is shown");
    assert!(stale.body.contains(r#"<span class="pill ok">active</span>"#));
    let t = stored(&app, "acme").await;
    assert_eq!((t.version, t.domains.len()), (2, 1));
    let missing = browser.submit("/tenants/acme", "/tenants/acme/features", &[("method", "totp")]).await;
    assert_eq!(missing.status, 409, "a form without its version is stale too");
}
