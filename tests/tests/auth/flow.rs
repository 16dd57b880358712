//! First run, TOTP enrolment, login with password and TOTP, replay and token rotation.

use gatehouse_domain::AuditKind;
use gatehouse_tests::app::{Backend, Browser, spawn_app};
use time::Duration;

both!(
    first_run_enrols_totp_and_shows_recovery_codes,
    logout_then_login_with_password_and_totp_s19,
    a_replayed_totp_code_is_rejected_and_audited_s8,
    five_wrong_codes_end_the_partial_session_s12,
    the_password_step_cookie_is_dead_after_the_second_factor_s16,
    a_recovery_code_works_once_s10,
    remember_me_sets_a_persistent_cookie_capped_by_the_absolute_timeout_s18,
    login_returns_to_the_page_first_asked_for,
    recovery_codes_are_regenerated_and_2fa_turned_off_with_password_and_code_s9,
    first_run_refuses_mismatched_passwords_and_a_bad_token,
);

async fn first_run_enrols_totp_and_shows_recovery_codes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    assert_eq!(owner.recovery_codes.len(), 10);
    let home = browser.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("owner"));
    assert_eq!(home.header("cache-control"), Some("no-store"), "S21");
    // The set-up link is single use (and no second owner can be made with another).
    assert!(gatehouse_application::first_run::issue_token(&app.ports).await.expect("ran").is_none());
    assert_eq!(app.audit(AuditKind::Authn2faEnabled).await.len(), 1);
}

async fn logout_then_login_with_password_and_totp_s19(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    let old = browser.session_token().expect("session cookie");
    let out = browser.submit("/", "/logout", &[]).await;
    assert_eq!((out.status, out.location()), (303, Some("/login?notice=signed_out")));
    assert_eq!(browser.get("/").await.status, 303, "logged out");
    // Replaying the cookie after logout: the session is over on the server (S19).
    let replay = Browser::replaying(&app, &old);
    assert_eq!(replay.get("/account/session/status").await.status, 401);
    assert_eq!(app.audit(AuditKind::SessionEnded).await.len(), 1);

    app.login(&browser, &owner).await;
    assert_eq!(browser.get("/").await.status, 200);
}

async fn a_replayed_totp_code_is_rejected_and_audited_s8(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    app.advance(Duration::seconds(30));
    let code = app.code(&owner.secret);
    browser.submit("/", "/logout", &[]).await;
    let page = app.password_step(&browser, &owner.username, &owner.password).await;
    assert_eq!(page.location(), Some("/login/2fa"));
    let ok = browser.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
    assert_eq!(ok.location(), Some("/"));
    browser.submit("/", "/logout", &[]).await;

    // Same clock, same code, a second time.
    app.password_step(&browser, &owner.username, &owner.password).await;
    let again = browser.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
    assert_eq!(again.status, 422, "replay refused");
    assert!(again.body.contains("4 tries left"), "{}", again.body);
    assert_eq!(app.audit(AuditKind::Authn2faReplay).await.len(), 1);
}

async fn five_wrong_codes_end_the_partial_session_s12(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    app.password_step(&browser, &owner.username, &owner.password).await;
    let partial = browser.session_token().expect("partial session");
    for left in (1..=4).rev() {
        let page = browser.submit("/login/2fa", "/login/2fa", &[("code", "000000")]).await;
        assert!(page.body.contains(&format!("{left} tr")), "{}", page.body);
    }
    let last = browser.submit("/login/2fa", "/login/2fa", &[("code", "000000")]).await;
    assert_eq!((last.status, last.location()), (303, Some("/login?notice=too_many_codes")));
    assert_eq!(
        Browser::replaying(&app, &partial).get("/login/2fa").await.status,
        303,
        "partial session over"
    );
    assert_eq!(app.audit(AuditKind::Authn2faFail).await.len(), 5);
}

async fn the_password_step_cookie_is_dead_after_the_second_factor_s16(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    let pre = browser.get("/login").await;
    assert!(
        pre.set_cookies().iter().any(|c| c.starts_with("gatehouse_pre="))
            || !browser.cookie_header().is_empty()
    );
    app.advance(Duration::seconds(30));
    let step = app.password_step(&browser, &owner.username, &owner.password).await;
    assert!(
        step.set_cookies().iter().any(|c| c.starts_with("gatehouse_pre=;") && c.contains("Max-Age=0")),
        "the pre-login cookie is dropped at login: {:?}",
        step.set_cookies()
    );
    let partial = browser.session_token().expect("partial token");
    let code = app.code(&owner.secret);
    browser.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
    let full = browser.session_token().expect("full token");
    assert_ne!(partial, full, "a fresh token after the second factor");
    let old = Browser::replaying(&app, &partial);
    assert_eq!(old.get("/account/session/status").await.status, 401);
    assert_eq!(old.get("/login/2fa").await.status, 303);
    assert_eq!(browser.get("/account/session/status").await.status, 200);
}

async fn a_recovery_code_works_once_s10(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    let code = owner.recovery_codes[0].clone();
    for expected in [Some("/"), None] {
        browser.submit("/", "/logout", &[]).await;
        app.password_step(&browser, &owner.username, &owner.password).await;
        let page = browser.submit("/login/2fa", "/login/2fa", &[("code", &code.to_uppercase())]).await;
        assert_eq!(page.location(), expected, "{}", page.body);
        if expected.is_none() {
            break;
        }
    }
    assert_eq!(app.audit(AuditKind::AuthnRecoveryCodeUsed).await.len(), 1);
}

async fn remember_me_sets_a_persistent_cookie_capped_by_the_absolute_timeout_s18(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    let login = browser.set_cookies_of_login(&app, &owner, false).await;
    assert!(login.iter().any(|c| c.starts_with("gatehouse_session=") && !c.contains("Max-Age")), "{login:?}");
    let login = browser.set_cookies_of_login(&app, &owner, true).await;
    let cookie = login.iter().find(|c| c.starts_with("gatehouse_session=")).expect("cookie");
    assert!(cookie.contains("Max-Age=43200"), "12 h at most: {cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "S17 {attribute}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "S17: no Domain");
}

async fn login_returns_to_the_page_first_asked_for(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    let asked = browser.get("/account/sessions").await;
    assert_eq!(asked.location(), Some("/login?next=%2Faccount%2Fsessions"));
    app.advance(Duration::seconds(30));
    let login = browser
        .submit(
            "/login?next=%2Faccount%2Fsessions",
            "/login",
            &[("username", &owner.username), ("password", &owner.password), ("next", "/account/sessions")],
        )
        .await;
    assert_eq!(login.location(), Some("/login/2fa"));
    let code = app.code(&owner.secret);
    let done = browser.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
    assert_eq!(done.location(), Some("/account/sessions"));
    // Not to another site (no open redirect).
    let page = browser.get("/login?next=https%3A%2F%2Fevil.example").await;
    assert!(!page.body.contains("evil.example"));
}

/// Logs out and in again, returning the `Set-Cookie` headers of the second-factor step.
trait LoginCookies {
    async fn set_cookies_of_login(
        &self,
        app: &gatehouse_tests::app::TestApp,
        account: &gatehouse_tests::app::Account,
        remember: bool,
    ) -> Vec<String>;
}

impl LoginCookies for Browser {
    async fn set_cookies_of_login(
        &self,
        app: &gatehouse_tests::app::TestApp,
        account: &gatehouse_tests::app::Account,
        remember: bool,
    ) -> Vec<String> {
        self.submit("/", "/logout", &[]).await;
        app.advance(Duration::seconds(30));
        let mut fields =
            vec![("username", account.username.as_str()), ("password", account.password.as_str())];
        if remember {
            fields.push(("remember", "1"));
        }
        let step = self.submit("/login", "/login", &fields).await;
        assert_eq!(step.location(), Some("/login/2fa"));
        let code = app.code(&account.secret);
        let done = self.submit("/login/2fa", "/login/2fa", &[("code", &code)]).await;
        assert_eq!(done.location(), Some("/"));
        done.set_cookies()
    }
}

async fn recovery_codes_are_regenerated_and_2fa_turned_off_with_password_and_code_s9(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    assert!(browser.get("/account/2fa").await.body.contains("Turn off"));
    let wrong = browser
        .submit(
            "/account/2fa",
            "/account/2fa/recovery-codes",
            &[("password", "wrong password"), ("code", "123456")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    app.advance(Duration::seconds(30));
    let code = app.code(&owner.secret);
    let fresh = browser
        .submit(
            "/account/2fa",
            "/account/2fa/recovery-codes",
            &[("password", &owner.password), ("code", &code)],
        )
        .await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.body.matches("<li><code>").count(), 10);
    assert!(!fresh.body.contains(&owner.recovery_codes[0]), "a new set");
    app.advance(Duration::seconds(30));
    let code = app.code(&owner.secret);
    let off = browser
        .submit("/account/2fa", "/account/2fa/disable", &[("password", &owner.password), ("code", &code)])
        .await;
    assert_eq!(off.location(), Some("/account/2fa?notice=2fa_disabled"), "{}", off.body);
    assert_eq!(app.audit(AuditKind::Authn2faDisabled).await.len(), 1);
    // With 2FA required, the next login must enrol again before anything else.
    browser.submit("/", "/logout", &[]).await;
    let page = app.password_step(&browser, &owner.username, &owner.password).await;
    assert_eq!(page.location(), Some("/account/2fa/setup"));
    assert_eq!(browser.get("/").await.location(), Some("/account/2fa/setup"));
}

async fn first_run_refuses_mismatched_passwords_and_a_bad_token(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let browser = app.browser();
    let token = gatehouse_application::first_run::issue_token(&app.ports).await.expect("ran").expect("token");
    let page = browser.get(&format!("/setup?token={}", token.expose())).await;
    let csrf = page.csrf().expect("csrf");
    let fields = |token: &str, confirm: &str| {
        vec![
            ("csrf".to_owned(), csrf.clone()),
            ("token".to_owned(), token.to_owned()),
            ("username".to_owned(), "owner".to_owned()),
            ("email".to_owned(), "owner@gatehouse.example".to_owned()),
            ("password".to_owned(), "a long owner password".to_owned()),
            ("password_confirm".to_owned(), confirm.to_owned()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let b = browser.clone();
        async move { b.send(b.client.post(format!("{}/setup", b.base)).form(&f)).await }
    };
    let mismatch = post(fields(token.expose(), "another password!")).await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("The two passwords differ."));
    assert_eq!(mismatch.header("referrer-policy"), Some("no-referrer"));
    let bad = post(fields("not-the-token", "a long owner password")).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("invalid, used or expired"), "{}", bad.body);
    app.advance(Duration::hours(1) + Duration::seconds(1));
    let late = post(fields(token.expose(), "a long owner password")).await;
    assert_eq!(late.status, 422, "the link is valid one hour");
    assert!(app.ports.admins.list().await.expect("list").is_empty());
}
