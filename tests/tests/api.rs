//! The JSON API over real HTTP, on SQLite and (when `GATEHOUSE_TEST_DATABASE_URL` is set)
//! PostgreSQL: every endpoint's happy path, problem documents for each error status, scopes and
//! tenant restrictions (S24, S29), expired and revoked keys, idempotent retries, rate limits on
//! the test clock, the API log, and the OpenAPI document against the router.

use std::collections::BTreeSet;

use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_domain::{Actor, AuditKind, Permission};
use gatehouse_tests::app::{Backend, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[macro_use]
extern crate gatehouse_tests;

both!(
    tenants_domains_features_and_usage_round_trip,
    reports_system_and_admins_answer,
    errors_are_problem_documents_and_change_nothing,
    scopes_and_tenant_restrictions_are_enforced_and_denials_audited,
    expired_and_revoked_keys_are_refused_at_once_s29,
    a_retried_write_with_an_idempotency_key_runs_once,
    rate_limits_follow_the_key_and_the_clock,
    calls_are_logged_with_their_tenant,
    keys_are_managed_over_the_api_and_shown_once,
    the_panel_api_log_page_shows_calls_escaped_and_needs_a_permission,
    the_openapi_document_and_the_router_agree,
);

/// A client holding one API key.
struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

/// An answer: status, headers and the JSON body (`Null` when there is none).
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem document of `status` and `kind`.
    fn problem(&self, status: u16, kind: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "{}", self.body);
        assert_eq!(self.body["type"], format!("urn:gatehouse:problem:{kind}"), "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["request_id"].as_str().is_some_and(|r| r.len() > 8), "{}", self.body);
        &self.body
    }
}

impl Api {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}/api/v1{path}", self.base)).bearer_auth(&self.key);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let response = req.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(if text.is_empty() {
            Value::Null
        } else {
            Value::String(text)
        });
        Answer { status, headers, body }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, &[]).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }
}

/// A key with `scopes` (every permission when empty) restricted to `tenants` (slugs).
async fn key_with(
    app: &TestApp,
    scopes: &[Permission],
    tenants: &[&str],
    rate: Option<u32>,
) -> (Api, String) {
    let scopes: BTreeSet<Permission> = if scopes.is_empty() {
        Permission::ALL.iter().copied().collect()
    } else {
        scopes.iter().copied().collect()
    };
    let request = CreateApiKey {
        name: format!("test key {}", uuid::Uuid::new_v4().simple()),
        scopes,
        tenants: tenants.iter().map(|t| t.parse().expect("slug")).collect(),
        expires_at: None,
        rate_per_minute: rate.or(Some(100_000)),
    };
    let (key, text) = manage_api_keys::create(&app.ports, &Actor::cli("test"), request).await.expect("key");
    let api = Api { http: reqwest::Client::new(), base: app.base.clone(), key: text.expose().to_owned() };
    (api, key.id.as_uuid().to_string())
}

async fn owner_key(app: &TestApp) -> Api {
    key_with(app, &[], &[], None).await.0
}

async fn new_tenant(api: &Api, name: &str, plan: &str) -> Value {
    let slug = name.to_ascii_lowercase().replace(' ', "-");
    let created = api
        .post(
            "/tenants",
            json!({"name": name, "contact_email": "ops@example.com", "plan": plan,
                   "domains": [format!("{slug}.example.com")], "activate": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body
}

async fn tenants_domains_features_and_usage_round_trip(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;

    let created = api
        .send(
            Method::POST,
            "/tenants",
            Some(json!({"name": "Acme <b>Corp</b>", "slug": "acme", "contact_email": "ops@acme.example",
                        "plan": "premium", "domains": ["acme.example", "login.acme.example"]})),
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["tenant"]["id"].as_str().expect("id").to_owned();
    assert_eq!(created.header("location"), Some(format!("/api/v1/tenants/{id}").as_str()));
    let tenant = &created.body["tenant"];
    assert_eq!(tenant["status"], "pending");
    assert_eq!(tenant["name"], "Acme <b>Corp</b>", "stored as typed; JSON needs no escaping");
    assert_eq!(tenant["domains"][0]["hostname"], "acme.example");
    assert_eq!(tenant["domains"][0]["is_primary"], true);
    let first_key = created.body["tenant_key"]["secret"].as_str().expect("the tenant key, once");
    assert!(first_key.starts_with("ght_"), "{first_key}");
    new_tenant(&api, "Beta Clinic", "basic").await;

    let list = api.get("/tenants?plan=premium&q=acme&sort=created&direction=desc&limit=10").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["slug"], "acme");
    assert_eq!(list.body["items"][0]["domain_count"], 2);
    assert_eq!(api.get("/tenants").await.body["total"], 2);

    for address in [id.as_str(), "acme"] {
        let shown = api.get(&format!("/tenants/{address}")).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert_eq!(shown.body["tenant"]["id"], id.as_str());
        assert_eq!(shown.body["quota_level"], "normal");
    }

    let renamed =
        api.send(Method::PATCH, "/tenants/acme", Some(json!({"name": "Acme Corp", "version": 1})), &[]).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        (renamed.body["name"].as_str(), renamed.body["version"].as_i64()),
        (Some("Acme Corp"), Some(2))
    );
    let stale =
        api.send(Method::PATCH, "/tenants/acme", Some(json!({"name": "Old", "version": 1})), &[]).await;
    stale.problem(409, "version-conflict");
    assert_eq!(api.get("/tenants/acme").await.body["tenant"]["name"], "Acme Corp", "nothing written");

    let active = api.post("/tenants/acme/status", json!({"status": "active"})).await;
    assert_eq!(active.body["status"], "active", "{}", active.body);
    let no_reason = api.post("/tenants/acme/status", json!({"status": "suspended"})).await;
    let problem = no_reason.problem(422, "validation");
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");

    let downgraded = api.post("/tenants/acme/plan", json!({"plan": "free"})).await;
    assert_eq!(downgraded.status, StatusCode::OK, "{}", downgraded.body);
    assert_eq!(downgraded.body["tenant"]["plan"], "free");
    assert!(downgraded.body["switched_off"].as_array().is_some_and(|a| !a.is_empty()), "{}", downgraded.body);

    let added = api.post("/tenants/acme/domains", json!({"hostname": "sso.acme.example"})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let primary = api.post("/tenants/acme/domains/sso.acme.example/primary", json!({})).await;
    assert_eq!(primary.status, StatusCode::OK, "{}", primary.body);
    assert_eq!(primary.body["domains"][0]["hostname"], "sso.acme.example");
    let removed = api.send(Method::DELETE, "/tenants/acme/domains/login.acme.example", None, &[]).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let domains = api.get("/tenants/acme/domains").await;
    assert_eq!(domains.body.as_array().map(Vec::len), Some(2), "{}", domains.body);
    let taken = api.post("/tenants/beta-clinic/domains", json!({"hostname": "acme.example"})).await;
    taken.problem(409, "conflict");

    let features = api.get("/tenants/acme/features").await;
    assert_eq!(features.status, StatusCode::OK);
    let mut put = features.body.clone();
    put["methods"] = json!(["totp", "sms"]);
    let refused = api.send(Method::PUT, "/tenants/acme/features", Some(put.clone()), &[]).await;
    refused.problem(422, "validation");
    put["methods"] = json!(["totp"]);
    let saved = api.send(Method::PUT, "/tenants/acme/features", Some(put), &[]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["features"]["methods"], json!(["totp"]));

    let usage = api.get("/tenants/acme/usage?from=2026-11-01&to=2026-11-10").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    assert_eq!(usage.body["days"].as_array().map(Vec::len), Some(10));
    api.get("/tenants/acme/usage?from=2026-11-10&to=2026-11-01").await.problem(422, "validation");

    let bulk = api
        .post(
            "/tenants/bulk",
            json!({"tenants": ["acme", "beta-clinic"], "action": "suspend", "reason": "unpaid"}),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.body);
    assert_eq!(bulk.body["changed"].as_array().map(Vec::len), Some(2));
    assert_eq!(api.get("/tenants?status=suspended").await.body["total"], 2);
    let suspended = app.audit(AuditKind::TenantSuspended).await;
    assert!(suspended.iter().all(|r| r.event.actor_type == "api_key"), "audited with the key as actor");
}

async fn reports_system_and_admins_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    new_tenant(&api, "Gamma Shop", "basic").await;
    let usage = api.get("/usage?month=2026-11").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.body);
    assert_eq!(usage.body["month"], "2026-11");
    let billing = api.get("/billing?month=2026-11&limit=10").await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.body);
    assert_eq!(billing.body["items"][0]["slug"], "gamma-shop", "{}", billing.body);
    let csv = api.get("/billing.csv?month=2026-11").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").is_some_and(|c| c.starts_with("text/csv")));
    assert!(csv.body.as_str().is_some_and(|b| b.starts_with("month,tenant_id") && b.contains("gamma-shop")));
    let audit = api.get("/audit?kind=tenant_created&limit=1").await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    assert_eq!(audit.body["items"][0]["kind"], "tenant_created");
    api.get("/audit?kind=nonsense").await.problem(422, "validation");
    let health = api.get("/health").await;
    assert_eq!(health.body["database"]["status"], "up", "{}", health.body);
    assert_eq!(health.body["upstream"]["status"], "not_configured");
    api.post("/tenants/gamma-shop/status", json!({"status": "suspended", "reason": "unpaid"})).await;
    let notices = api.get("/notifications?tenant=gamma-shop&state=pending").await;
    assert_eq!(notices.status, StatusCode::OK, "{}", notices.body);
    assert_eq!(notices.body[0]["kind"], "suspended", "{}", notices.body);
    assert_eq!(notices.body[0]["to"], "ops@example.com");
    api.get("/notifications?state=lost").await.problem(422, "validation");
    let upstream = api.get("/upstream").await;
    assert_eq!(upstream.body["state"], "not_configured", "{}", upstream.body);
    let settings = api.get("/settings").await;
    assert_eq!(settings.body["require_2fa"], true, "{}", settings.body);
    let mut changed = settings.body.clone();
    changed["maintenance_banner"] = json!("Upgrade tonight");
    let saved = api.send(Method::PUT, "/settings", Some(changed.clone()), &[]).await;
    assert_eq!(saved.body["maintenance_banner"], "Upgrade tonight", "{}", saved.body);
    changed["session"]["idle_timeout"] = json!(1);
    api.send(Method::PUT, "/settings", Some(changed), &[]).await.problem(422, "validation");
    app.first_run(&gatehouse_tests::app::Browser::new(&app)).await;
    let admins = api.get("/admins").await;
    assert_eq!(admins.status, StatusCode::OK, "{}", admins.body);
    let first = &admins.body[0];
    assert_eq!(first["role"], "owner");
    assert!(first.get("password_hash").is_none(), "no secrets");
}

async fn errors_are_problem_documents_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    let anonymous = Api { http: reqwest::Client::new(), base: app.base.clone(), key: String::new() };
    let none = anonymous.get("/tenants").await;
    none.problem(401, "unauthenticated");
    assert_eq!(none.header("www-authenticate"), Some("Bearer realm=\"gatehouse\""));
    let in_url = reqwest::get(format!("{}/api/v1/tenants?api_key={}", app.base, api.key)).await.expect("get");
    assert_eq!(in_url.status(), StatusCode::UNAUTHORIZED, "a key in the URL is not looked at (S29)");
    let session_cookie = reqwest::Client::new()
        .get(format!("{}/api/v1/tenants", app.base))
        .header("cookie", "gh_session=whatever")
        .send()
        .await
        .expect("get");
    assert_eq!(session_cookie.status(), StatusCode::UNAUTHORIZED);

    let raw = |body: &'static str, content_type: &'static str| {
        api.http
            .post(format!("{}/api/v1/tenants", app.base))
            .bearer_auth(&api.key)
            .header("content-type", content_type)
            .body(body)
    };
    let bad_json = raw("{\"name\": ", "application/json").send().await.expect("post");
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad_json.headers()["content-type"], "application/problem+json");
    let form = raw("name=x", "application/x-www-form-urlencoded").send().await.expect("post");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let missing = api.post("/tenants", json!({"name": "No Mail"})).await;
    missing.problem(422, "validation");
    let unknown_field =
        api.post("/tenants", json!({"name": "X", "contact_email": "a@b.example", "evil": 1})).await;
    unknown_field.problem(422, "validation");
    let invalid = api.post("/tenants", json!({"name": "Valid Name", "contact_email": "not mail"})).await;
    assert_eq!(invalid.problem(422, "validation")["errors"][0]["field"], "email");
    let huge = "x".repeat(2 * 1024 * 1024);
    // On a connection of its own: the server answers before reading the whole body and closes it.
    let once = Api { http: reqwest::Client::new(), base: api.base.clone(), key: api.key.clone() };
    let too_big = once.post("/tenants", json!({"name": huge, "contact_email": "a@b.example"})).await;
    too_big.problem(413, "payload-too-large");
    api.get("/tenants/no-such-tenant").await.problem(404, "not-found");
    api.get("/tenants?limit=0").await.problem(422, "validation");
    api.get("/tenants?plan=gold").await.problem(400, "bad-request");
    api.get("/tenants?colour=red").await.problem(400, "bad-request");
    api.get("/tenants/Not A Slug!").await.problem(422, "validation");
    api.send(Method::DELETE, "/tenants", None, &[]).await.problem(405, "method-not-allowed");
    let nowhere = api.get("/nowhere").await;
    assert_eq!(nowhere.problem(404, "not-found")["detail"], gatehouse_web::api::NO_SUCH_PATH);
    assert_eq!(api.get("/tenants").await.body["total"], 0, "nothing was created by the bad requests");
}

async fn scopes_and_tenant_restrictions_are_enforced_and_denials_audited(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let owner = owner_key(&app).await;
    new_tenant(&owner, "Alpha One", "basic").await;
    new_tenant(&owner, "Bravo Two", "basic").await;

    let (reader, reader_id) = key_with(&app, &[Permission::TenantsView], &[], None).await;
    assert_eq!(reader.get("/tenants").await.body["total"], 2);
    let denied = reader.post("/tenants", json!({"name": "Nope", "contact_email": "a@b.example"})).await;
    denied.problem(403, "forbidden");
    let denials = app.audit(AuditKind::AuthzFail).await;
    let row = denials.last().expect("an authz_fail row");
    assert_eq!(row.event.actor_type, "api_key");
    assert_eq!(row.event.actor_id.as_deref(), Some(reader_id.as_str()));
    assert!(
        row.event.reason.as_deref().is_some_and(|r| r.contains("POST /api/v1/tenants")),
        "{:?}",
        row.event.reason
    );

    let (scoped, _) =
        key_with(&app, &[Permission::TenantsView, Permission::TenantsUpdate], &["alpha-one"], None).await;
    let list = scoped.get("/tenants").await;
    assert_eq!(list.body["total"], 1, "{}", list.body);
    assert_eq!(list.body["items"][0]["slug"], "alpha-one");
    assert_eq!(scoped.get("/tenants/alpha-one").await.status, StatusCode::OK);
    scoped.get("/tenants/bravo-two").await.problem(403, "forbidden");
    let rename =
        scoped.send(Method::PATCH, "/tenants/bravo-two", Some(json!({"name": "Hijacked"})), &[]).await;
    rename.problem(403, "forbidden");
    assert_eq!(owner.get("/tenants/bravo-two").await.body["tenant"]["name"], "Bravo Two");
}

async fn expired_and_revoked_keys_are_refused_at_once_s29(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let request = CreateApiKey {
        name: "short lived".into(),
        scopes: [Permission::TenantsView].into(),
        expires_at: Some(app.clock_now() + time::Duration::hours(1)),
        ..CreateApiKey::default()
    };
    let (_, text) = manage_api_keys::create(&app.ports, &Actor::cli("test"), request).await.expect("key");
    let api = Api { http: reqwest::Client::new(), base: app.base.clone(), key: text.expose().to_owned() };
    assert_eq!(api.get("/tenants").await.status, StatusCode::OK);
    app.advance(time::Duration::hours(1) + time::Duration::seconds(1));
    api.get("/tenants").await.problem(401, "unauthenticated");

    let (live, id) = key_with(&app, &[Permission::TenantsView], &[], None).await;
    assert_eq!(live.get("/tenants").await.status, StatusCode::OK);
    let id = gatehouse_domain::ApiKeyId::from_uuid(id.parse().expect("uuid"));
    manage_api_keys::revoke(&app.ports, &Actor::cli("test"), id).await.expect("revoked");
    live.get("/tenants").await.problem(401, "unauthenticated");
    let tampered = Api { key: format!("{}x", live.key), ..live };
    tampered.get("/tenants").await.problem(401, "unauthenticated");
}

async fn a_retried_write_with_an_idempotency_key_runs_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    let body = json!({"name": "Once Only", "contact_email": "ops@once.example", "domains": ["once.example"]});
    let key = [("idempotency-key", "create-once-only-1")];
    let first = api.send(Method::POST, "/tenants", Some(body.clone()), &key).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let retry = api.send(Method::POST, "/tenants", Some(body.clone()), &key).await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body, "the same answer");
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(api.get("/tenants").await.body["total"], 1, "created once");
    let other = api
        .send(Method::POST, "/tenants", Some(json!({"name": "Other", "contact_email": "a@b.example"})), &key)
        .await;
    other.problem(422, "idempotency");
    // An error is not kept: the retry of a refused request runs again.
    let bad = [("idempotency-key", "bad-then-good")];
    let refused =
        api.send(Method::POST, "/tenants", Some(json!({"name": "Z", "contact_email": "nope"})), &bad).await;
    refused.problem(422, "validation");
    let again =
        api.send(Method::POST, "/tenants", Some(json!({"name": "Z", "contact_email": "nope"})), &bad).await;
    assert!(again.header("idempotent-replayed").is_none());
    api.send(Method::POST, "/tenants", Some(body), &[("idempotency-key", "bad key with spaces")])
        .await
        .problem(400, "idempotency");
    // Another key's identical idempotency key is its own.
    let other_key = owner_key(&app).await;
    let theirs = other_key
        .send(
            Method::POST,
            "/tenants",
            Some(json!({"name": "Theirs", "contact_email": "t@t.example", "domains": ["theirs.example"]})),
            &key,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
}

async fn rate_limits_follow_the_key_and_the_clock(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (api, _) = key_with(&app, &[Permission::TenantsView], &[], Some(3)).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let ok = api.get("/tenants").await;
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.header("ratelimit-limit"), Some("3"));
        remaining.push(ok.header("ratelimit-remaining").map(str::to_owned));
    }
    assert_eq!(remaining, [Some("2".to_owned()), Some("1".to_owned()), Some("0".to_owned())]);
    let limited = api.get("/tenants").await;
    limited.problem(429, "rate-limited");
    let wait: u64 = limited.header("retry-after").and_then(|r| r.parse().ok()).expect("Retry-After");
    assert!((1..=21).contains(&wait), "one request in 20 s comes back: {wait}");
    app.advance(time::Duration::seconds(20));
    assert_eq!(api.get("/tenants").await.status, StatusCode::OK, "allowance refilled on the app's clock");
    let (other, _) = key_with(&app, &[Permission::TenantsView], &[], Some(3)).await;
    assert_eq!(other.get("/tenants").await.status, StatusCode::OK, "limits are per key");
}

async fn calls_are_logged_with_their_tenant(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    let tenant = new_tenant(&api, "Logged Co", "basic").await;
    api.get("/tenants/logged-co").await;
    api.get("/tenants/logged-co/nothing-here").await;
    let mut calls = Value::Null;
    for _ in 0..50 {
        calls = api.get("/api-log?tenant=logged-co").await.body;
        if calls.as_array().is_some_and(|c| c.len() >= 2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let calls = calls.as_array().expect("a list").clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["path"], "/api/v1/tenants/logged-co/nothing-here");
    assert_eq!(calls[0]["status"], 404);
    assert_eq!(calls[1]["status"], 200);
    assert_eq!(calls[1]["tenant"], tenant["tenant"]["id"]);
    assert!(calls[1]["key_id"].is_string());
    let all = api.get("/api-log?limit=500").await.body;
    assert!(all.as_array().is_some_and(|a| a.iter().any(|c| c["path"] == "/api/v1/tenants")), "{all}");
}

async fn the_openapi_document_and_the_router_agree(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    new_tenant(&api, "Doc Tenant", "premium").await;
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .expect("openapi")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15, "{}", paths.len());
    for (path, item) in paths {
        let concrete = path.replace("{tenant}", "doc-tenant").replace("{hostname}", "doc-tenant.example.com");
        let rel = concrete.strip_prefix("/api/v1").expect("under /api/v1");
        for method in ["get", "post", "put", "patch", "delete"] {
            let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            let body = matches!(method, "post" | "put" | "patch").then(|| json!({}));
            let answer = api.send(m, rel, body, &[]).await;
            if let Some(op) = item.get(method) {
                assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert_ne!(answer.body["detail"], gatehouse_web::api::NO_SUCH_PATH, "{method} {path}");
                assert!(op["security"].is_array(), "{method} {path} names its security");
                for status in ["401", "403", "429"] {
                    assert!(op["responses"][status].is_object(), "{method} {path} documents {status}");
                }
                let code = answer.status.as_u16().to_string();
                assert!(
                    op["responses"][&code].is_object(),
                    "{method} {path} answered an undocumented {code}: {}",
                    answer.body
                );
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not in the document"
                );
            }
        }
    }
}

async fn keys_are_managed_over_the_api_and_shown_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    new_tenant(&api, "Keyed Inc", "basic").await;
    let made = api
        .post(
            "/api-keys",
            json!({"name": "billing", "scopes": ["tenants:view", "billing:export"], "rate_per_minute": 50}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let secret = made.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("gh_"));
    let billing = Api { http: reqwest::Client::new(), base: app.base.clone(), key: secret.clone() };
    assert_eq!(billing.get("/tenants").await.status, StatusCode::OK);
    billing
        .post("/api-keys", json!({"name": "escalate", "scopes": ["admins:manage"]}))
        .await
        .problem(403, "forbidden");
    let listed = api.get("/api-keys").await;
    assert!(!listed.body.to_string().contains(&secret), "never shown again");
    let id = made.body["id"].as_str().expect("id");
    let revoked = api.send(Method::DELETE, &format!("/api-keys/{id}"), None, &[]).await;
    assert_eq!(revoked.body["state"], "revoked", "{}", revoked.body);
    billing.get("/tenants").await.problem(401, "unauthenticated");

    let second = api.post("/tenants/keyed-inc/keys", json!({})).await;
    second.problem(422, "validation");
    let rotated = api.post("/tenants/keyed-inc/keys/rotate", json!({"overlap_hours": 2})).await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.body);
    assert!(rotated.body["secret"].as_str().is_some_and(|k| k.starts_with("ght_")));
    let keys = api.get("/tenants/keyed-inc/keys").await;
    let keys = keys.body.as_array().expect("keys").clone();
    assert_eq!(keys.len(), 2, "the first and the rotated");
    let ending = keys.iter().filter(|k| k["expires_at"].is_string()).count();
    assert_eq!(ending, 1, "the older key ends after the overlap");
    assert!(!keys.iter().any(|k| k.get("secret").is_some()));
    let too_long = api.post("/tenants/keyed-inc/keys/rotate", json!({"overlap_hours": 100_000})).await;
    too_long.problem(422, "validation");
    let all = api.send(Method::DELETE, "/tenants/keyed-inc/keys/all", None, &[]).await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(2), "{}", all.body);
    api.send(Method::DELETE, "/tenants/keyed-inc/keys/nonsense", None, &[]).await.problem(422, "validation");
}

async fn the_panel_api_log_page_shows_calls_escaped_and_needs_a_permission(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let api = owner_key(&app).await;
    new_tenant(&api, "Paneled", "basic").await;
    api.get("/tenants/paneled/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    let (browser, _) = app.login_as_owner().await;
    let mut page = browser.get("/api-log").await;
    for _ in 0..50 {
        if page.body.contains("/api/v1/tenants/paneled/") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = browser.get("/api-log").await;
    }
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("/api/v1/tenants/paneled/"), "{}", page.body);
    assert!(!page.body.contains("<script>alert(1)"), "escaped");
    let one = browser.get("/api-log?tenant=paneled").await;
    assert!(one.body.contains("API log of paneled") && one.body.contains("404"), "{}", one.body);
    let (support, _) = app.admin_logged_in("sam", gatehouse_domain::Role::Support).await;
    assert_eq!(support.get("/api-log").await.status, 403, "the whole log needs audit:view");
    assert_eq!(support.get("/api-log?tenant=paneled").await.status, 200, "one tenant's needs tenants:view");
}
