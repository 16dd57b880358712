//! API keys in the panel end to end, over real HTTP with a real cookie jar, on SQLite and (when
//! `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL: operator keys on `/api-keys` and a
//! tenant's keys on its page — created and shown once, never again, revoked after a
//! confirmation (S29); refused for roles without the permission and audited (S24, S26); every
//! form CSRF-checked (S22); no key in the audit trail or in clear in storage (S27).

#[macro_use]
extern crate gatehouse_tests;

use gatehouse_application::authenticate_api_key::{self, KeyRefused};
use gatehouse_application::register_tenant;
use gatehouse_application::session_support::Client;
use gatehouse_domain::{Actor, AuditKind, Plan, Role, Tenant, TenantStatus};
use gatehouse_tests::app::{Backend, Browser, TestApp, between, spawn_app};

both!(
    an_api_key_is_shown_once_works_and_is_revoked_after_a_confirmation,
    bad_input_shows_next_to_its_field_and_creates_nothing,
    roles_without_the_permission_are_refused_and_audited,
    every_key_form_needs_its_csrf_token,
    tenant_keys_are_issued_rotated_and_revoked_from_the_tenant_page,
    suspending_a_tenant_revokes_its_keys,
);

async fn acme(app: &TestApp) -> Tenant {
    let request = register_tenant::Request {
        name: "Acme".into(),
        slug: Some("acme".into()),
        contact_email: "ops@acme.example".into(),
        plan: Some(Plan::Basic),
        domains: vec!["acme.example".into()],
        activate: true,
        ..register_tenant::Request::default()
    };
    register_tenant::run(&app.ports, &Actor::cli("test"), request).await.expect("registered").tenant
}

/// The key a page shows once, if it shows one.
fn shown_key(body: &str) -> Option<String> {
    between(body, r#"<code class="key" data-key-once>"#, "</code>")
}

async fn authenticate(app: &TestApp, key: &str) -> Result<Actor, KeyRefused> {
    let client = Client::new("203.0.113.9", "integration/1.0");
    let verdict = authenticate_api_key::run(&app.ports, key, &client).await.expect("checked");
    verdict.map(|p| p.actor)
}

/// Every audit record, as JSON text (to look for secrets in).
async fn audit_text(app: &TestApp) -> String {
    let records = app.ports.audit.records_after(0, 10_000).await.expect("records");
    serde_json::to_string(&records.iter().map(|r| &r.event).collect::<Vec<_>>()).expect("json")
}

async fn create_key(browser: &Browser, fields: &[(&str, &str)]) -> gatehouse_tests::app::Page {
    browser.submit("/api-keys", "/api-keys", fields).await
}

async fn an_api_key_is_shown_once_works_and_is_revoked_after_a_confirmation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = acme(&app).await;
    let empty = browser.get("/api-keys").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains("No API keys yet.") && empty.body.contains(r#"value="admins:manage""#));
    assert_eq!(empty.header("cache-control"), Some("no-store"));

    let created = create_key(
        &browser,
        &[
            ("name", "CRM sync"),
            ("scope", "tenants:view"),
            ("scope", "usage:view"),
            ("tenants", "acme"),
            ("expires_at", "2027-01-31"),
            ("rate_per_minute", "120"),
        ],
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let key = shown_key(&created.body).expect("the key is shown once");
    assert!(key.starts_with("gh_") && key.len() == 3 + 32 + 1 + 43, "{key}");
    assert!(created.body.contains("shown only this once"));

    // Never again: the list names the key but does not show it.
    let list = browser.get("/api-keys").await;
    assert!(
        list.body.contains("CRM sync") && list.body.contains("tenants:view, usage:view"),
        "{}",
        list.body
    );
    assert!(list.body.contains("2027-01-31 00:00 UTC") && list.body.contains("120"));
    assert!(!list.body.contains(&key) && shown_key(&list.body).is_none());
    assert!(list.body.contains("<td>never</td>"), "not used yet");
    let id = between(&list.body, r#"href="/api-keys/"#, "/revoke").expect("a revoke link");
    assert!(key.contains(&id.replace('-', "")), "the key names its id");

    // It works, as the key, with its scopes, on its tenant only; storage never saw it in clear.
    let actor = authenticate(&app, &key).await.expect("accepted");
    assert!(actor.require(gatehouse_domain::Permission::UsageView, Some(t.id)).is_ok());
    assert!(actor.require(gatehouse_domain::Permission::TenantsUpdate, Some(t.id)).is_err());
    assert_eq!(app.ports.api_keys.by_hash(key.as_bytes()).await.expect("lookup"), None);
    assert!(!browser.get("/api-keys").await.body.contains("<td>never</td>"), "its last use is shown");

    // Revoking asks first; then the key is refused from the next request on.
    let confirm = browser.get(&format!("/api-keys/{id}/revoke")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("Revoke the API key “CRM sync”?"), "{}", confirm.body);
    let unconfirmed =
        browser.submit(&format!("/api-keys/{id}/revoke"), &format!("/api-keys/{id}/revoke"), &[]).await;
    assert_eq!(unconfirmed.location(), Some(format!("/api-keys/{id}/revoke").as_str()));
    assert!(authenticate(&app, &key).await.is_ok(), "not revoked without the confirmation");
    let done = browser
        .submit(&format!("/api-keys/{id}/revoke"), &format!("/api-keys/{id}/revoke"), &[("confirmed", "yes")])
        .await;
    assert_eq!((done.status, done.location()), (303, Some("/api-keys?notice=revoked")), "{}", done.body);
    assert!(browser.get("/api-keys?notice=revoked").await.body.contains("Revoked: the key no longer works."));
    assert_eq!(authenticate(&app, &key).await.expect_err("refused"), KeyRefused::Revoked);
    assert!(!browser.get("/api-keys").await.body.contains("CRM sync"), "revoked keys are hidden");
    assert!(browser.get("/api-keys?all=1").await.body.contains("CRM sync"));

    for kind in [AuditKind::ApiKeyCreated, AuditKind::ApiKeyRevoked, AuditKind::AuthnTokenReuse] {
        assert_eq!(app.audit(kind).await.len(), 1, "{kind}");
    }
    let secret = &key[key.len() - 43..];
    assert!(!audit_text(&app).await.contains(secret), "no key in the audit trail (S27)");
}

async fn bad_input_shows_next_to_its_field_and_creates_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    acme(&app).await;
    for (fields, field, message) in [
        (vec![("name", "No scope")], "scopes", "choose at least one permission"),
        (vec![("name", " "), ("scope", "tenants:view")], "name", "must not be empty"),
        (
            vec![("name", "Bad date"), ("scope", "tenants:view"), ("expires_at", "31/01/2027")],
            "expires_at",
            "a date such as",
        ),
        (
            vec![("name", "Past"), ("scope", "tenants:view"), ("expires_at", "2026-01-01")],
            "expires_at",
            "in the future",
        ),
        (
            vec![("name", "Rate"), ("scope", "tenants:view"), ("rate_per_minute", "lots")],
            "rate_per_minute",
            "whole number",
        ),
        (
            vec![("name", "Ghost"), ("scope", "tenants:view"), ("tenants", "acme ghost")],
            "tenants",
            "no tenant",
        ),
    ] {
        let page = create_key(&browser, &fields).await;
        assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
        let shown = between(&page.body, &format!(r#"id="f-{field}-error">"#), "</p>").unwrap_or_default();
        assert!(shown.contains(message), "{fields:?}: {shown:?} in {}", page.body);
        assert!(
            page.body.contains(&format!(r#"value="{}""#, fields[0].1)) || fields[0].1.trim().is_empty(),
            "typed name kept"
        );
        assert!(shown_key(&page.body).is_none());
    }
    assert!(app.ports.api_keys.list(true).await.expect("list").is_empty(), "nothing created");
    assert!(app.audit(AuditKind::ApiKeyCreated).await.is_empty());
}

async fn roles_without_the_permission_are_refused_and_audited(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    acme(&app).await;
    assert!(owner.get("/").await.body.contains(r#"href="/api-keys""#), "owners see the link");
    for (name, role) in [("audrey", Role::Auditor), ("sam", Role::Support)] {
        let (browser, _) = app.admin_logged_in(name, role).await;
        assert!(!browser.get("/").await.body.contains(r#"href="/api-keys""#), "{role}: no link");
        assert_eq!(browser.get("/api-keys").await.status, 403, "{role}");
        let token = browser.get("/tenants").await.csrf().expect("csrf");
        let post = browser
            .post_raw("/api-keys", &[("csrf", &token), ("name", "x"), ("scope", "tenants:view")])
            .await;
        assert_eq!(post.status, 403, "{role}: {}", post.body);
        let issue = browser.post_raw("/tenants/acme/keys/issue", &[("csrf", &token)]).await;
        assert_eq!(issue.status, 403, "{role}");
        let page = browser.get("/tenants/acme").await;
        assert!(page.body.contains("ght_") || page.body.contains("cannot see the tenant's keys"), "{role}");
        let section = between(&page.body, r#"id="h-api-keys""#, "</section>").expect("the keys section");
        assert!(!section.contains("<form") && !section.contains("Revoke"), "{role}: no forms: {section}");
    }
    let denials = app.audit(AuditKind::AuthzFail).await;
    assert_eq!(denials.len(), 6, "{denials:#?}");
    assert!(
        denials.iter().any(|d| d.event.reason.as_deref() == Some("GET /api-keys: api_keys:manage required"))
    );

    // An operator manages keys but cannot mint one stronger than itself.
    let (operator, _) = app.admin_logged_in("olga", Role::Operator).await;
    let form = operator.get("/api-keys").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"value="tenants:view""#) && !form.body.contains(r#"value="admins:manage""#));
    let stronger = create_key(&operator, &[("name", "Escalate"), ("scope", "admins:manage")]).await;
    assert_eq!(stronger.status, 403, "{}", stronger.body);
    assert!(app.ports.api_keys.list(true).await.expect("list").is_empty());
    let denial = app.audit(AuditKind::AuthzFail).await.pop().expect("audited");
    assert_eq!(denial.event.reason.as_deref(), Some("POST /api-keys: admins:manage required"));
}

async fn every_key_form_needs_its_csrf_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    acme(&app).await;
    let created = create_key(&browser, &[("name", "Keep"), ("scope", "tenants:view")]).await;
    let key = shown_key(&created.body).expect("created");
    let id = between(&browser.get("/api-keys").await.body, r#"href="/api-keys/"#, "/revoke").expect("id");
    let revoke = format!("/api-keys/{id}/revoke");
    let forms: [(&str, Vec<(&str, &str)>); 5] = [
        ("/api-keys", vec![("name", "Sneaky"), ("scope", "tenants:view")]),
        (&revoke, vec![("confirmed", "yes")]),
        ("/tenants/acme/keys/issue", vec![]),
        ("/tenants/acme/keys/rotate", vec![("overlap_hours", "0")]),
        ("/tenants/acme/keys/revoke", vec![("key", "all"), ("confirmed", "yes")]),
    ];
    for (action, fields) in &forms {
        assert_eq!(browser.post_raw(action, fields).await.status, 403, "{action}: no token");
        let mut wrong = vec![("csrf", "00")];
        wrong.extend_from_slice(fields);
        assert_eq!(browser.post_raw(action, &wrong).await.status, 403, "{action}: wrong token");
    }
    assert!(authenticate(&app, &key).await.is_ok(), "the key still works");
    assert_eq!(app.ports.api_keys.list(true).await.expect("list").len(), 1, "no other key");
    let t = acme_id(&app).await;
    let keys = app.ports.api_keys.tenant_keys(t).await.expect("keys");
    assert!(keys.len() == 1 && keys[0].revoked_at.is_none() && keys[0].expires_at.is_none(), "{keys:?}");
}

async fn acme_id(app: &TestApp) -> gatehouse_domain::TenantId {
    let slug = gatehouse_domain::TenantSlug::parse("acme").expect("slug");
    app.ports.tenants.get_by_slug(&slug).await.expect("read").expect("acme").id
}

async fn tenant_keys_are_issued_rotated_and_revoked_from_the_tenant_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = acme(&app).await;
    let first = app.ports.api_keys.tenant_keys(t.id).await.expect("keys").remove(0);
    let page = browser.get("/tenants/acme").await;
    assert!(page.body.contains(&first.prefix) && page.body.contains("Rotate the key…"), "{}", page.body);
    assert!(shown_key(&page.body).is_none());

    // Rotation: a form, refusals next to the field, then the new key once.
    let form = browser.get("/tenants/acme/keys/rotate").await;
    assert!(form.status == 200 && form.body.contains(r#"value="24""#), "{}", form.body);
    for bad in ["721", "-1", "soon"] {
        let page = browser
            .submit("/tenants/acme/keys/rotate", "/tenants/acme/keys/rotate", &[("overlap_hours", bad)])
            .await;
        assert_eq!(page.status, 422, "{bad}: {}", page.body);
        assert!(page.body.contains(r#"id="f-overlap_hours-error""#), "{bad}");
    }
    let rotated = browser
        .submit("/tenants/acme/keys/rotate", "/tenants/acme/keys/rotate", &[("overlap_hours", "48")])
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = shown_key(&rotated.body).expect("the new key, once");
    assert!(second.starts_with("ght_"));
    assert!(rotated.body.contains("keep working until <strong>2026-11-23"), "{}", rotated.body);
    let checked = authenticate_api_key::tenant_key(&app.ports, &second).await.expect("checked");
    assert!(checked.is_ok_and(|k| k.expires_at.is_none() && k.tenant == t.id), "the shown key works");
    let page = browser.get("/tenants/acme").await;
    assert!(!page.body.contains(&second) && page.body.contains(&second[..16]));
    let section = between(&page.body, r#"id="h-api-keys""#, "</section>").expect("the keys section");
    assert_eq!(
        section.matches(r#"<span class="pill ok">active</span>"#).count(),
        2,
        "both work during the overlap"
    );

    // Issuing beside a live key is refused; revoking all asks first, then issuing works.
    let refused = browser.submit("/tenants/acme", "/tenants/acme/keys/issue", &[]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("already has a key"), "{}", refused.body);
    let confirm = browser.get("/tenants/acme/keys/revoke?key=all").await;
    assert!(confirm.status == 200 && confirm.body.contains("Revoke every key of acme?"), "{}", confirm.body);
    assert_eq!(browser.get("/tenants/acme/keys/revoke?key=nonsense").await.status, 404);
    let done = browser
        .submit(
            "/tenants/acme/keys/revoke?key=all",
            "/tenants/acme/keys/revoke",
            &[("key", "all"), ("confirmed", "yes")],
        )
        .await;
    assert_eq!((done.status, done.location()), (303, Some("/tenants/acme?notice=revoked")), "{}", done.body);
    let keys = app.ports.api_keys.tenant_keys(t.id).await.expect("keys");
    assert!(keys.iter().all(|k| k.revoked_at.is_some()), "{keys:?}");
    let checked = authenticate_api_key::tenant_key(&app.ports, &second).await.expect("checked");
    assert_eq!(checked.expect_err("refused"), KeyRefused::Revoked);
    let page = browser.get("/tenants/acme?notice=revoked").await;
    assert!(page.body.contains("Revoked: the key no longer works.") && page.body.contains("Issue a key"));
    let issued = browser.submit("/tenants/acme", "/tenants/acme/keys/issue", &[]).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let third = shown_key(&issued.body).expect("a new key");
    assert!(third != second);

    // One key by id.
    let id = app.ports.api_keys.tenant_keys(t.id).await.expect("keys").remove(0).id.to_string();
    let one = browser
        .submit(
            &format!("/tenants/acme/keys/revoke?key={id}"),
            "/tenants/acme/keys/revoke",
            &[("key", &id), ("confirmed", "yes")],
        )
        .await;
    assert_eq!(one.status, 303, "{}", one.body);
    let again = browser
        .submit("/tenants/acme", "/tenants/acme/keys/revoke", &[("key", &id), ("confirmed", "yes")])
        .await;
    assert_eq!(again.status, 422, "already revoked: {}", again.body);
    assert_eq!(app.audit(AuditKind::TenantKeyIssued).await.len(), 3, "registration, rotation, issue");
    assert_eq!(app.audit(AuditKind::TenantKeyRevoked).await.len(), 2);
    for text in [&second, &third] {
        assert!(!audit_text(&app).await.contains(&text[text.len() - 43..]), "S27");
    }
}

async fn suspending_a_tenant_revokes_its_keys(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = acme(&app).await;
    let suspend = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/status",
            &[("to", "suspended"), ("reason", "unpaid"), ("version", "1")],
        )
        .await;
    assert_eq!(suspend.status, 303, "{}", suspend.body);
    let keys = app.ports.api_keys.tenant_keys(t.id).await.expect("keys");
    assert!(keys.len() == 1 && keys[0].revoked_at.is_some(), "revoked with the suspension: {keys:?}");
    let stored = app.ports.tenants.get(t.id).await.expect("read").expect("acme");
    assert_eq!(stored.status, TenantStatus::Suspended);
    let page = browser.get("/tenants/acme").await;
    assert!(
        page.body.contains("A suspended tenant has no working key") && !page.body.contains("Issue a key")
    );
    let refused = browser.submit("/tenants/acme", "/tenants/acme/keys/issue", &[]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("a suspended tenant gets no key"), "{}", refused.body);
}
