//! Request and response hardening: CSRF (S22), security headers on errors (S23), secure
//! cookies and HSTS behind TLS (S17, S23), no secret in the audit trail (S27).

use gatehouse_tests::app::{Backend, Browser, OWNER_PASSWORD, Options, spawn_app, spawn_app_with};
use gatehouse_web::security;
use reqwest::header::{HeaderMap, HeaderValue};

both!(
    missing_wrong_and_cross_site_csrf_get_403_s22,
    security_headers_on_404_and_errors_s23,
    behind_tls_cookies_are_host_prefixed_and_hsts_is_sent_s17_s23,
    no_secret_reaches_the_audit_trail_s27,
);

async fn missing_wrong_and_cross_site_csrf_get_403_s22(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let token = browser.get("/").await.csrf().expect("csrf");
    let missing = browser.post_raw("/account/sessions/end-others", &[]).await;
    assert_eq!(missing.status, 403);
    let wrong = browser.post_raw("/account/sessions/end-others", &[("csrf", "00ff")]).await;
    assert_eq!(wrong.status, 403);
    let url = format!("{}/account/sessions/end-others", app.base);
    let evil = browser
        .send(browser.client.post(&url).header("origin", "https://evil.example").form(&[("csrf", &token)]))
        .await;
    assert_eq!(evil.status, 403, "foreign Origin");
    let cross = browser
        .send(browser.client.post(&url).header("sec-fetch-site", "cross-site").form(&[("csrf", &token)]))
        .await;
    assert_eq!(cross.status, 403, "Sec-Fetch-Site: cross-site");
    let own =
        browser.send(browser.client.post(&url).header("origin", &app.base).form(&[("csrf", &token)])).await;
    assert_eq!(own.status, 303, "the same form from our own origin passes");
    // Pages served with `Referrer-Policy: no-referrer` (set-up) make browsers send
    // `Origin: null`; their Fetch Metadata still vouches for them.
    let null_same_origin = browser
        .send(
            browser
                .client
                .post(&url)
                .header("origin", "null")
                .header("sec-fetch-site", "same-origin")
                .form(&[("csrf", &token)]),
        )
        .await;
    assert_eq!(null_same_origin.status, 303, "Origin: null from our own page (Sec-Fetch-Site: same-origin)");
    let null_alone =
        browser.send(browser.client.post(&url).header("origin", "null").form(&[("csrf", &token)])).await;
    assert_eq!(null_alone.status, 403, "Origin: null without Fetch Metadata");
    let sibling = browser
        .send(
            browser
                .client
                .post(&url)
                .header("origin", "https://evil.gatehouse.example")
                .header("sec-fetch-site", "same-site")
                .form(&[("csrf", &token)]),
        )
        .await;
    assert_eq!(sibling.status, 403, "same-site is not same-origin: a sibling subdomain is refused");

    // Login is protected too: a token of another browser's pre-session is refused.
    let other = Browser::new(&app).get("/login").await.csrf().expect("csrf");
    let stranger = Browser::new(&app);
    stranger.get("/login").await;
    let forged = stranger
        .post_raw("/login", &[("csrf", &other), ("username", "owner"), ("password", OWNER_PASSWORD)])
        .await;
    assert_eq!(forged.status, 403);
}

async fn security_headers_on_404_and_errors_s23(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = Browser::new(&app);
    let not_found = browser.get("/no-such-page").await;
    let forbidden = browser.post_raw("/login", &[("username", "x")]).await;
    let too_large = browser.post_raw("/login", &[("big", &"x".repeat(70 * 1024))]).await;
    for (page, status) in [(&not_found, 404), (&forbidden, 403), (&too_large, 413)] {
        assert_eq!(page.status, status);
        for (name, value) in security::HEADERS {
            assert_eq!(page.header(name), Some(*value), "{name} on {status}");
        }
        assert!(page.header("x-request-id").is_some(), "request id on {status}");
        assert!(page.header("access-control-allow-credentials").is_none(), "no CORS with credentials");
    }
    let id = not_found.header("x-request-id").expect("id");
    assert!(not_found.body.contains(id), "the error page shows the request id");
    assert!(forbidden.body.contains("Request id"));
}

async fn behind_tls_cookies_are_host_prefixed_and_hsts_is_sent_s17_s23(backend: Backend) {
    let options = Options { public_url: Some("https://gatehouse.example".into()), ..Options::default() };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    let page = Browser::new(&app).get("/login").await;
    assert_eq!(page.header("strict-transport-security"), Some(security::STRICT_TRANSPORT_SECURITY));
    let cookie = page.set_cookies().into_iter().next().expect("pre-session cookie");
    assert!(cookie.starts_with("__Host-gatehouse_pre="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Domain"));
    // A form from the configured public origin passes the origin check.
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_static("https://gatehouse.example"));
    let b = Browser::with_headers(&app, headers);
    let missing_token = b.post_raw("/login", &[]).await;
    assert_eq!(missing_token.status, 403, "still needs its token");
}

async fn no_secret_reaches_the_audit_trail_s27(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    app.login(&browser, &owner).await;
    let token = browser.session_token().expect("token");
    let records = app.ports.audit.records_after(0, 10_000).await.expect("audit");
    let text = serde_json::to_string(&records.iter().map(|r| &r.event).collect::<Vec<_>>()).expect("json");
    for secret in [owner.password.as_str(), token.as_str(), owner.recovery_codes[0].as_str()] {
        assert!(!text.contains(secret), "a secret in the audit trail");
    }
}
