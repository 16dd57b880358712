//! The router driven in-process with `oneshot`, on a fresh SQLite database.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::wiring::{Migrate, wire};
use gatehouse_web::{AppState, build_router, security};
use tower::ServiceExt;

async fn state(dir: &tempfile::TempDir) -> AppState {
    let settings = Settings::from_lookup(|name| {
        (name == "GATEHOUSE_DATA_DIR").then(|| dir.path().display().to_string())
    })
    .expect("settings");
    let wiring = wire(&settings, Migrate::Yes).await.expect("wired");
    AppState::new(settings, wiring)
}

async fn request(state: AppState, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = build_router(state).oneshot(req).await.expect("response");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.expect("body");
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(state: AppState, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    request(state, Request::get(path).body(Body::empty()).expect("request")).await
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
    assert_eq!((&json["status"], &json["database"]), (&"ready".into(), &"sqlite".into()), "{json}");
    assert_eq!(json["components"]["database"]["state"], "up", "{json}");

    state.storage.close().await;
    let (status, _, body) = get(state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("unavailable") && !body.contains("pool"), "no internals: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["components"]["database"], serde_json::json!({"state": "down"}), "no error text: {json}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_s23() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    for path in ["/healthz", "/readyz", "/no-such-page", "/login", "/"] {
        let (_, headers, _) = get(state.clone(), path).await;
        for (name, value) in security::HEADERS {
            assert_eq!(headers.get(*name).and_then(|v| v.to_str().ok()), Some(*value), "{name} on {path}");
        }
        let csp = headers.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(!csp.contains("unsafe-inline"));
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(csp.contains(directive), "{directive}");
        }
        assert!(headers.contains_key("x-request-id"), "request id on {path}");
        assert!(!headers.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    }
}

#[tokio::test]
async fn unknown_paths_are_404_pages_with_a_request_id_s25() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, headers, body) = get(state(&dir).await, "/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("request id");
    assert!(body.contains(id), "{body}");
}

#[tokio::test]
async fn anonymous_panel_pages_redirect_to_login_and_json_is_401_s24() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    let (status, headers, _) = get(state.clone(), "/admins?x=1").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).and_then(|v| v.to_str().ok()),
        Some("/login?next=%2Fadmins%3Fx%3D1")
    );
    let (status, _, body) = get(state, "/account/session/status").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("request_id"), "{body}");
}

#[tokio::test]
async fn wrong_method_content_type_and_size_s25() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    let put = Request::put("/login").body(Body::empty()).expect("request");
    assert_eq!(request(state.clone(), put).await.0, StatusCode::METHOD_NOT_ALLOWED);
    let json = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .expect("request");
    assert_eq!(request(state.clone(), json).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(vec![b'a'; 70 * 1024]))
        .expect("request");
    assert_eq!(request(state.clone(), big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let no_token = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=a&password=b"))
        .expect("request");
    assert_eq!(request(state, no_token).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_stylesheet_is_served_and_cached() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state(&dir).await;
    let url = gatehouse_web::assets::stylesheet_url();
    let (status, headers, body) = get(state.clone(), &url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("prefers-color-scheme"));
    assert!(
        headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).unwrap_or("").contains("immutable")
    );
    assert_eq!(get(state, "/static/app.0000.css").await.0, StatusCode::NOT_FOUND);
}
