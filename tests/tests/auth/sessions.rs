//! Sessions: idle and absolute timeouts (S18), client binding (S20), the status JSON, ending
//! sessions (S19), and what a partial session may reach (S11).

use gatehouse_domain::AuditKind;
use gatehouse_tests::app::{Backend, Browser, Options, spawn_app, spawn_app_with};
use gatehouse_web::routes::PANEL_GET_ROUTES;
use reqwest::header::{HeaderMap, HeaderValue};
use time::Duration;

both!(
    idle_timeout_ends_the_session_s18,
    a_self_refreshing_dashboard_does_not_keep_the_session_alive_s18,
    absolute_timeout_ends_an_active_session_s18,
    a_changed_ip_ends_the_session_as_a_suspected_hijack_s20,
    session_status_json,
    a_partial_session_reaches_no_panel_route_s11,
    sessions_are_listed_and_ended_s19,
);

async fn idle_timeout_ends_the_session_s18(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    app.advance(Duration::hours(2));
    assert_eq!(browser.get("/").await.status, 200, "2 h idle is still fine");
    app.advance(Duration::hours(2) + Duration::seconds(1));
    let page = browser.get("/").await;
    assert_eq!((page.status, page.location()), (303, Some("/login?notice=expired")));
    assert_eq!(app.audit(AuditKind::SessionExpired).await.len(), 1);
}

async fn a_self_refreshing_dashboard_does_not_keep_the_session_alive_s18(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let dashboard = browser.get("/").await.body;
    assert!(dashboard.contains(r#"content="60;url=/?refresh=auto""#), "the reload is marked as background");
    for _ in 0..5 {
        app.advance(Duration::minutes(20));
        assert_eq!(browser.get("/?refresh=auto").await.status, 200, "the reload itself is served");
    }
    // 100 minutes of reloads, no person: 20 more minutes and the session is idle for 2 h.
    app.advance(Duration::minutes(20) + Duration::seconds(1));
    let page = browser.get("/?refresh=auto").await;
    assert_eq!(page.status, 303);
    assert!(page.location().is_some_and(|l| l.starts_with("/login?") && l.ends_with("notice=expired")));
}

async fn absolute_timeout_ends_an_active_session_s18(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    for _ in 0..6 {
        app.advance(Duration::hours(2) - Duration::minutes(1));
        assert_eq!(browser.get("/").await.status, 200);
    }
    // 11 h 54 min in; active all along.
    app.advance(Duration::minutes(6) + Duration::seconds(1));
    let page = browser.get("/").await;
    assert_eq!(page.status, 303, "absolute timeout + 1 s");
    let expired = app.audit(AuditKind::SessionExpired).await;
    assert!(expired[0].event.reason.as_deref().unwrap_or("").contains("absolute_timeout"));
}

async fn a_changed_ip_ends_the_session_as_a_suspected_hijack_s20(backend: Backend) {
    let options = Options { trusted_proxies: Some("127.0.0.1/32".into()), ..Options::default() };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.5"));
    let browser = Browser::with_headers(&app, headers);
    app.first_run(&browser).await;
    assert_eq!(browser.get("/").await.status, 200);
    let token = browser.session_token().expect("token");

    let mut moved = HeaderMap::new();
    moved.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.7"));
    let thief = Browser::with_headers(&app, moved);
    thief.jar.add_cookie_str(&format!("gatehouse_session={token}; Path=/"), &app.base.parse().expect("url"));
    let page = thief.get("/").await;
    assert_eq!((page.status, page.location()), (303, Some("/login?notice=ended")));
    let hijack = app.audit(AuditKind::SessionHijackSuspected).await;
    assert_eq!(hijack.len(), 1);
    assert_eq!(hijack[0].event.ip.as_deref(), Some("198.51.100.7"), "the forwarded address is recorded");
    assert_eq!(browser.get("/").await.status, 303, "the session is over for the owner too");
}

async fn session_status_json(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let page = browser.get("/account/session/status").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let json: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    assert_eq!(json["username"], "owner");
    assert_eq!(json["role"], "owner");
    assert_eq!(json["stage"], "full");
    assert_eq!(json["two_factor_enabled"], true);
    assert!(json["permissions"].as_array().is_some_and(|p| p.iter().any(|x| x == "admins:manage")));
    assert_eq!(json["expires_at"], "2026-11-21T14:00:00Z", "idle timeout from the last request");
    assert_eq!(Browser::new(&app).get("/account/session/status").await.status, 401);
}

async fn a_partial_session_reaches_no_panel_route_s11(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    let step = app.password_step(&browser, &owner.username, &owner.password).await;
    assert_eq!(step.location(), Some("/login/2fa"));
    let any_id = uuid::Uuid::now_v7().to_string();
    for route in PANEL_GET_ROUTES {
        let path = route.replace("{id}", &any_id);
        let page = browser.get(&path).await;
        if path.starts_with("/account/session/status") {
            assert_eq!(page.status, 401, "{path}");
        } else {
            assert_eq!((page.status, page.location()), (303, Some("/login/2fa")), "{path}");
        }
    }
    // The POST routes are shut too.
    let token = browser.get("/login/2fa").await.csrf().expect("csrf");
    let post = browser.post_raw("/account/sessions/end-others", &[("csrf", &token)]).await;
    assert_eq!(post.location(), Some("/login/2fa"));
    assert_eq!(browser.get("/login/2fa").await.status, 200, "the second-factor page is open");
}

async fn sessions_are_listed_and_ended_s19(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (laptop, owner) = app.login_as_owner().await;
    let phone = Browser::new(&app);
    app.login(&phone, &owner).await;
    let page = laptop.get("/account/sessions").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("this device"));
    assert_eq!(page.body.matches("TestBrowser/1.0").count(), 2, "{}", page.body);
    let ended = laptop.submit("/account/sessions", "/account/sessions/end-others", &[]).await;
    assert_eq!(ended.location(), Some("/account/sessions?notice=sessions_ended"));
    assert_eq!(phone.get("/").await.status, 303, "the other device is signed out");
    assert_eq!(laptop.get("/").await.status, 200, "this one stays");
}
