//! Health and metrics over real HTTP, on SQLite and (when `GATEHOUSE_TEST_DATABASE_URL` is
//! set) PostgreSQL: `/readyz` reports every component and nothing internal; `/metrics` counts
//! requests by route template and login outcomes, shows the database and process gauges and
//! the hooks later code calls; and only a local, unproxied scrape or the bearer token gets in
//! (S24).
//!
//! Every app of this test binary shares one process-wide metrics recorder, so the tests compare
//! counters before and after their own requests (they only ever grow) instead of expecting
//! exact totals.

use gatehouse_adapters::metrics::{self as hooks, SyncOutcome, UpstreamOutcome};
use gatehouse_tests::app::{Backend, Browser, Options, Page, TestApp, spawn_app, spawn_app_with};
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;

#[macro_use]
extern crate gatehouse_tests;

both!(
    readyz_reports_every_component_without_internals,
    metrics_count_route_templates_and_login_outcomes,
    metrics_show_the_gauges_and_the_hooks_of_later_code,
    without_a_token_only_local_unproxied_scrapes_get_metrics_s24,
    with_a_token_every_scrape_needs_it_s24,
);

const TOKEN: &str = "test-metrics-token-0123456789abcdef";

/// The value of the sample `name{labels}` in a Prometheus text exposition, labels in any order.
fn sample(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    exposition.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
        let inner = rest.strip_suffix('}')?;
        let found: Vec<(&str, &str)> = if inner.is_empty() {
            Vec::new()
        } else {
            inner
                .split("\",")
                .map(|pair| pair.split_once("=\"").map(|(k, v)| (k, v.trim_end_matches('"'))))
                .collect::<Option<_>>()?
        };
        let same = metric == name && found.len() == labels.len() && labels.iter().all(|l| found.contains(l));
        if same { value.parse().ok() } else { None }
    })
}

async fn scrape(browser: &Browser) -> String {
    let page = browser.get("/metrics").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    page.body
}

async fn readyz_reports_every_component_without_internals(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let page = app.browser().get("/readyz").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    let name = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!((&json["status"], &json["database"]), (&"ready".into(), &name.into()), "{json}");
    let database = &json["components"]["database"];
    assert_eq!(database["state"], "up", "{json}");
    assert!(database["latency_ms"].as_u64().is_some_and(|ms| ms < 2_000), "{json}");
    for optional in ["upstream", "smtp"] {
        assert_eq!(json["components"][optional], serde_json::json!({"state": "not_configured"}), "{json}");
    }
    let mut keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["components", "database", "status"], "nothing else is revealed");
}

async fn metrics_count_route_templates_and_login_outcomes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.browser();
    let tenant_page = [("method", "GET"), ("route", "/tenants/{tenant}"), ("status", "303")];
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    let failed = [("outcome", "login_fail")];
    let before = scrape(&browser).await;

    assert_eq!(browser.get("/tenants/acme-metrics").await.status, 303, "anonymous: to the login page");
    assert_eq!(browser.get("/no/such/page-metrics").await.status, 404);
    let refused = app.password_step(&browser, "nobody", "not the password at all").await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let after = scrape(&browser).await;

    let grew = |labels: &[(&str, &str)], name: &str| {
        let was = sample(&before, name, labels).unwrap_or(0.0);
        let now = sample(&after, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} in:\n{after}"));
        assert!(now >= was + 1.0, "{name} {labels:?}: {was} -> {now}");
    };
    grew(&tenant_page, "http_requests_total");
    grew(&unmatched, "http_requests_total");
    grew(&[("method", "GET"), ("route", "/tenants/{tenant}")], "http_request_duration_seconds_count");
    grew(&[("method", "POST"), ("route", "/login"), ("status", "422")], "http_requests_total");
    grew(&failed, "gatehouse_logins_total");
    assert!(!after.contains("acme-metrics") && !after.contains("page-metrics"), "raw paths are never labels");
    let buckets = after.lines().filter(|l| l.starts_with("http_request_duration_seconds_bucket{")).count();
    assert!(buckets > 0, "latency is a histogram with buckets:\n{after}");
}

async fn metrics_show_the_gauges_and_the_hooks_of_later_code(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.browser();
    let before = scrape(&browser).await;
    for outcome in ["login_success", "login_fail", "login_locked", "2fa_success", "2fa_fail"] {
        assert!(sample(&before, "gatehouse_logins_total", &[("outcome", outcome)]).is_some(), "{outcome}");
    }
    for outcome in ["synced", "failed"] {
        let value = sample(&before, "gatehouse_sync_tenants_total", &[("outcome", outcome)]);
        assert!(value.is_some(), "{outcome} exists before any sync:\n{before}");
    }
    for outcome in ["ok", "error", "unreachable"] {
        let count = "gatehouse_upstream_call_duration_seconds_count";
        assert!(sample(&before, count, &[("outcome", outcome)]).is_some(), "{outcome}:\n{before}");
    }
    assert!(before.contains("# HELP gatehouse_outbox_depth "), "described:\n{before}");

    hooks::record_sync(SyncOutcome::Failed, 3);
    hooks::record_upstream_call(UpstreamOutcome::Unreachable, Duration::from_millis(30));
    hooks::set_upstream_status(true);
    hooks::set_outbox_depth(7);
    let after = scrape(&browser).await;
    let value = |text: &str, name: &str, labels: &[(&str, &str)]| sample(text, name, labels).unwrap_or(0.0);
    let failed = [("outcome", "failed")];
    assert!(
        value(&after, "gatehouse_sync_tenants_total", &failed)
            >= value(&before, "gatehouse_sync_tenants_total", &failed) + 3.0
    );
    let unreachable = [("outcome", "unreachable")];
    let count = "gatehouse_upstream_call_duration_seconds_count";
    assert!(value(&after, count, &unreachable) >= value(&before, count, &unreachable) + 1.0);
    assert_eq!(sample(&after, "gatehouse_upstream_up", &[]), Some(1.0));
    assert_eq!(sample(&after, "gatehouse_outbox_depth", &[]), Some(7.0));

    assert_eq!(sample(&after, "gatehouse_database_up", &[]), Some(1.0), "{after}");
    assert!(
        sample(&after, "gatehouse_database_latency_seconds", &[]).is_some_and(|s| (0.0..2.0).contains(&s))
    );
    assert!(sample(&after, "gatehouse_uptime_seconds", &[]).is_some_and(|s| s >= 0.0));
    assert!(sample(&after, "process_resident_memory_bytes", &[]).is_some_and(|b| b > 1_000_000.0));
}

fn forwarded(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(value).expect("header"));
    headers
}

async fn without_a_token_only_local_unproxied_scrapes_get_metrics_s24(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    assert!(scrape(&app.browser()).await.contains("http_requests_total"), "loopback, direct: allowed");
    let proxied = Browser::with_headers(&app, forwarded("203.0.113.9")).get("/metrics").await;
    assert_refused(&proxied, 403, "a local proxy forwarded it: the world is behind it");

    let options = Options { trusted_proxies: Some("127.0.0.1/32".into()), ..Options::default() };
    let Some(behind) = spawn_app_with(backend, options).await else { return };
    let outside = Browser::with_headers(&behind, forwarded("203.0.113.9")).get("/metrics").await;
    assert_refused(&outside, 403, "the client is the forwarded address, not the proxy");
}

async fn with_a_token_every_scrape_needs_it_s24(backend: Backend) {
    let options = Options { metrics_token: Some(TOKEN.into()), ..Options::default() };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    assert_refused(&app.browser().get("/metrics").await, 401, "local is not enough once a token is set");
    let query = app.browser().get(&format!("/metrics?token={TOKEN}")).await;
    assert_refused(&query, 401, "never in a URL");
    assert_refused(&bearer(&app, "Bearer not-the-token").await, 401, "a wrong token");
    let page = bearer(&app, &format!("Bearer {TOKEN}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("gatehouse_logins_total"), "{}", page.body);
}

async fn bearer(app: &TestApp, authorization: &str) -> Page {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_str(authorization).expect("header"));
    Browser::with_headers(app, headers).get("/metrics").await
}

fn assert_refused(page: &Page, status: u16, why: &str) {
    assert_eq!(page.status, status, "{why}: {}", page.body);
    assert!(!page.body.contains("http_requests_total"), "{why}: no metrics leak");
    if status == 401 {
        assert_eq!(page.header("www-authenticate"), Some("Bearer realm=\"gatehouse-metrics\""));
    }
}
