//! The router driven in-process with `oneshot`, on a fresh SQLite database.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::wiring::{Migrate, wire_url};
use gatehouse_web::{AppState, build_router, security};
use tower::ServiceExt;

async fn state(dir: &tempfile::TempDir) -> AppState {
    let settings = Settings::from_lookup(|name| {
        (name == "GATEHOUSE_DATA_DIR").then(|| dir.path().display().to_string())
    })
    .expect("settings");
    let wiring = wire_url(&settings.database_url, Migrate::Yes).await.expect("wired");
    AppState::new(settings, wiring)
}

async fn get(state: AppState, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = build_router(state)
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn healthz_says_ok() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, _, body) = get(state(&dir).await, "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn readyz_is_200_while_the_database_answers_and_503_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    let (status, headers, body) = get(state.clone(), "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json, serde_json::json!({"status": "ready", "database": "sqlite"}));

    state.storage.close().await;
    let (status, _, body) = get(state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("unavailable") && !body.contains("pool"), "no internals: {body}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_s23() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    for path in ["/healthz", "/readyz", "/no-such-page"] {
        let (_, headers, _) = get(state.clone(), path).await;
        for (name, value) in security::HEADERS {
            assert_eq!(headers.get(*name).and_then(|v| v.to_str().ok()), Some(*value), "{name} on {path}");
        }
        let csp = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(!csp.contains("unsafe-inline"));
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(csp.contains(directive), "{directive}");
        }
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, _, _) = get(state(&dir).await, "/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
