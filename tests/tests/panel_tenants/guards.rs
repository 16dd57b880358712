//! What every tenant form and page has: a read-only role is refused and audited on every POST
//! (S24, S26); a POST without its CSRF token is refused (S22); pages are never stored (S21).

use gatehouse_domain::{AuditKind, Plan, Role, TenantStatus};
use gatehouse_tests::app::{Backend, spawn_app};

use super::support::{count, register, stored};

both!(
    an_auditor_gets_403_and_an_authz_fail_row_on_every_post,
    every_form_needs_its_csrf_token,
    tenant_pages_are_not_stored
);

/// Every tenant form: (action, fields besides the CSRF token).
fn forms(id: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    let s = |v: &str| v.to_owned();
    vec![
        (
            s("/tenants"),
            vec![
                ("name", s("Mallory")),
                ("contact_email", s("m@x.example")),
                ("plan", s("free")),
                ("domains", s("mallory.example")),
            ],
        ),
        (s("/tenants/bulk"), vec![("action", s("suspend")), ("t", s(id)), ("reason", s("x"))]),
        (s("/tenants/bulk"), vec![("action", s("plan:premium")), ("t", s(id))]),
        (s("/tenants/bulk"), vec![("action", s("enable:totp")), ("t", s(id))]),
        (s("/tenants/acme/status"), vec![("to", s("suspended")), ("reason", s("x")), ("version", s("2"))]),
        (
            s("/tenants/acme/status"),
            vec![("to", s("cancelled")), ("reason", s("x")), ("version", s("2")), ("confirmed", s("yes"))],
        ),
        (s("/tenants/acme/plan"), vec![("plan", s("free")), ("version", s("2"))]),
        (
            s("/tenants/acme/domains"),
            vec![("action", s("add")), ("hostname", s("x.acme.example")), ("version", s("2"))],
        ),
        (
            s("/tenants/acme/domains"),
            vec![("action", s("primary")), ("hostname", s("acme.example")), ("version", s("2"))],
        ),
        (
            s("/tenants/acme/features"),
            vec![
                ("method", s("totp")),
                ("monthly_authentications", s("10")),
                ("api_requests_per_minute", s("1")),
                ("api_requests_per_hour", s("1")),
                ("version", s("2")),
            ],
        ),
    ]
}

async fn an_auditor_gets_403_and_an_authz_fail_row_on_every_post(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let _ = app.login_as_owner().await;
    let t = register(&app, "Acme", "acme", Plan::Basic, &["acme.example", "www.acme.example"]).await;
    let req = gatehouse_application::change_tenant_status::Request {
        tenant: t.id.into(),
        to: TenantStatus::Active,
        reason: None,
        expected_version: None,
    };
    gatehouse_application::change_tenant_status::run(&app.ports, &gatehouse_domain::Actor::cli("t"), req)
        .await
        .expect("active");
    let (auditor, _) = app.admin_logged_in("audrey", Role::Auditor).await;
    // The pages are readable: auditors read tenants.
    assert_eq!(auditor.get("/tenants").await.status, 200);
    assert_eq!(auditor.get("/tenants/acme").await.status, 200);
    assert_eq!(auditor.get("/tenants.csv").await.status, 200);
    let forms = forms(&t.id.to_string());
    for (action, fields) in &forms {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = auditor.submit("/tenants/acme", action, &fields).await;
        assert_eq!(page.status, 403, "{action} {fields:?}: {}", page.body);
        assert!(page.body.contains("Request id"));
    }
    let denials = app.audit(AuditKind::AuthzFail).await;
    assert_eq!(denials.len(), forms.len(), "{denials:#?}");
    assert!(denials.iter().all(|d| d.event.actor_label == "audrey"));
    let features = "POST /tenants/acme/features: features:manage required".to_owned();
    assert!(denials.iter().any(|d| d.event.reason.as_deref() == Some(features.as_str())), "{denials:#?}");
    let after = stored(&app, "acme").await;
    assert_eq!(
        (after.version, after.status, after.plan),
        (2, TenantStatus::Active, Plan::Basic),
        "nothing changed"
    );
    assert_eq!(count(&app).await, 1);
}

async fn every_form_needs_its_csrf_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = register(&app, "Acme", "acme", Plan::Basic, &["acme.example", "www.acme.example"]).await;
    let forms = forms(&t.id.to_string());
    for (action, fields) in &forms {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let missing = browser.post_raw(action, &fields).await;
        assert_eq!(missing.status, 403, "{action}: {}", missing.body);
        let mut wrong = vec![("csrf", "00")];
        wrong.extend_from_slice(&fields);
        assert_eq!(browser.post_raw(action, &wrong).await.status, 403, "{action}");
    }
    let after = stored(&app, "acme").await;
    assert_eq!((after.version, after.status), (1, TenantStatus::Pending), "nothing changed");
    assert_eq!(count(&app).await, 1);
}

async fn tenant_pages_are_not_stored(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    for path in [
        "/tenants".to_owned(),
        "/tenants?q=acme".to_owned(),
        "/tenants.csv".to_owned(),
        "/tenants/new".to_owned(),
        format!("/tenants/bulk?action=activate&t={}", t.id),
        "/tenants/acme".to_owned(),
        format!("/tenants/{}", t.id),
        "/tenants/acme/plan?plan=free&version=1".to_owned(),
        "/tenants/acme/cancel?version=1".to_owned(),
        "/tenants/nobody".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert!(matches!(page.status, 200 | 404), "{path}: {}", page.status);
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        // And anonymous visitors are sent to the login page (S24).
        let anonymous = app.browser().get(&path).await;
        assert_eq!(anonymous.status, 303, "{path}");
        assert!(anonymous.location().is_some_and(|l| l.starts_with("/login")), "{path}");
    }
}
