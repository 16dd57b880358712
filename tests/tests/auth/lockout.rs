//! Brute force: lockout and its release (S13), parallel attempts, identical refusals (S15), and
//! the per-client burst limit (S14).

use gatehouse_application::manage_admins::{self, AdminAction};
use gatehouse_domain::{Actor, AuditKind, Role};
use gatehouse_tests::app::{Backend, Browser, Options, spawn_app, spawn_app_with};
use gatehouse_web::BurstLimit;
use reqwest::header::{HeaderMap, HeaderValue};
use time::Duration;

both!(
    the_fifth_failure_locks_and_the_window_releases_s13,
    parallel_wrong_attempts_do_not_slip_past_the_count_s13,
    every_refusal_looks_the_same_s15,
    bursts_get_429_whatever_x_forwarded_for_says_s14,
);

async fn the_fifth_failure_locks_and_the_window_releases_s13(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    for _ in 0..5 {
        let page = app.password_step(&browser, "owner", "not the password at all").await;
        assert_eq!(page.status, 422);
    }
    assert_eq!(app.audit(AuditKind::AuthnLoginLocked).await.len(), 1, "locked at the fifth failure");
    let locked = app.password_step(&browser, "owner", &owner.password).await;
    assert_eq!(locked.status, 422, "the right password is refused while locked");
    assert!(locked.body.contains("Invalid username or password."));
    // Tried while locked: not evaluated, and the lock does not grow.
    app.advance(Duration::minutes(15) + Duration::seconds(1));
    let released = app.password_step(&browser, "owner", &owner.password).await;
    assert_eq!(released.location(), Some("/login/2fa"), "{}", released.body);
    let reasons: Vec<String> =
        app.audit(AuditKind::AuthnLoginFail).await.into_iter().filter_map(|r| r.event.reason).collect();
    assert_eq!(reasons.iter().filter(|r| *r == "wrong_password").count(), 5, "{reasons:?}");
    assert_eq!(reasons.iter().filter(|r| *r == "locked").count(), 1, "{reasons:?}");
}

async fn parallel_wrong_attempts_do_not_slip_past_the_count_s13(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (_, _) = app.login_as_owner().await;
    let browser = Browser::new(&app);
    let token = browser.get("/login").await.csrf().expect("csrf");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let b = browser.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let password = format!("wrong password number {i}");
            b.post_raw("/login", &[("csrf", &token), ("username", "owner"), ("password", &password)])
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("joined"), 422);
    }
    let reasons: Vec<String> =
        app.audit(AuditKind::AuthnLoginFail).await.into_iter().filter_map(|r| r.event.reason).collect();
    assert_eq!(reasons.len(), 20);
    let evaluated = reasons.iter().filter(|r| *r == "wrong_password").count();
    assert!(evaluated <= 5, "at most 5 passwords were checked, not {evaluated}: {reasons:?}");
}

async fn every_refusal_looks_the_same_s15(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (_, _) = app.login_as_owner().await;
    let cli = Actor::cli("test");
    for name in ["disabled-one", "locked-one"] {
        let request = manage_admins::CreateAdmin {
            username: name.into(),
            email: format!("{name}@gatehouse.example"),
            role: Role::Operator,
            scope: gatehouse_domain::TenantScope::All,
            password: gatehouse_application::ports::SecretString::new("a long enough password"),
        };
        manage_admins::create(&app.ports, &cli, request).await.expect("created");
    }
    manage_admins::update(&app.ports, &cli, "disabled-one", AdminAction::Disable, "test")
        .await
        .expect("disabled");
    let browser = Browser::new(&app);
    for _ in 0..5 {
        app.password_step(&browser, "locked-one", "wrong password here").await;
    }
    let cases = [
        ("nobody-here", "a long enough password"),
        ("owner", "wrong password here"),
        ("disabled-one", "a long enough password"),
        ("locked-one", "a long enough password"),
    ];
    let mut answers = Vec::new();
    for (user, password) in cases {
        let started = std::time::Instant::now();
        let page = app.password_step(&browser, user, password).await;
        answers.push((page.status, page.body, started.elapsed()));
    }
    for (i, (status, body, _)) in answers.iter().enumerate() {
        assert_eq!((*status, body), (answers[0].0, &answers[0].1), "case {i} differs from unknown user");
    }
    assert!(answers[0].1.contains("Invalid username or password."));
    let reasons: Vec<String> =
        app.audit(AuditKind::AuthnLoginFail).await.into_iter().filter_map(|r| r.event.reason).collect();
    for cause in ["unknown_user", "wrong_password", "account_disabled", "locked"] {
        assert!(reasons.iter().any(|r| r == cause), "the audit trail knows the cause {cause}: {reasons:?}");
    }
}

async fn bursts_get_429_whatever_x_forwarded_for_says_s14(backend: Backend) {
    let options = Options { burst: BurstLimit { burst: 3, per_minute: 1 }, ..Options::default() };
    let Some(app) = spawn_app_with(backend, options).await else { return };
    let browser = Browser::new(&app);
    for _ in 0..3 {
        assert_eq!(browser.get("/login").await.status, 200);
    }
    let limited = browser.get("/login").await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s >= 1));
    // The peer is not a trusted proxy: a forged X-Forwarded-For changes nothing.
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.77"));
    let forged = Browser::with_headers(&app, headers);
    assert_eq!(forged.get("/login").await.status, 429);
    assert_eq!(forged.get("/setup?token=x").await.status, 429);
    assert_eq!(forged.get("/healthz").await.status, 200, "only login and set-up are limited");
}
