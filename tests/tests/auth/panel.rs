//! The owner's pages and deny-by-default: an auditor's POST to /admins is refused and audited
//! (S24, S26); the audit chain verifies after the flows and breaks when a row is altered (S28);
//! admins, settings and password pages work end to end.

use gatehouse_application::verify_audit;
use gatehouse_domain::{Actor, AuditKind, Role};
use gatehouse_tests::app::{Backend, spawn_app};

both!(
    an_auditor_posting_to_admins_gets_403_and_an_authz_fail_row_s24,
    audit_verify_passes_after_the_flow_and_fails_after_tampering_s28,
    owners_create_admins_and_change_settings,
    changing_the_password_ends_other_sessions_s5,
    owners_see_and_end_another_admins_sessions_s19,
);

async fn an_auditor_posting_to_admins_gets_403_and_an_authz_fail_row_s24(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let _ = app.login_as_owner().await;
    let (auditor, _) = app.admin_logged_in("audrey", Role::Auditor).await;
    let page = auditor
        .submit(
            "/",
            "/admins",
            &[
                ("username", "mallory"),
                ("email", "m@x.example"),
                ("role", "owner"),
                ("password", "long long password"),
            ],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("Request id"));
    assert_eq!(auditor.get("/admins").await.status, 403);
    assert_eq!(auditor.get("/settings").await.status, 403);
    assert_eq!(auditor.get("/audit").await.status, 200, "auditors read the audit log");
    let denials = app.audit(AuditKind::AuthzFail).await;
    assert_eq!(denials.len(), 3);
    assert_eq!(denials[0].event.actor_label, "audrey");
    assert_eq!(denials[0].event.reason.as_deref(), Some("POST /admins: admins:manage required"));
    let json = auditor
        .send(auditor.client.get(format!("{}/admins", app.base)).header("accept", "application/json"))
        .await;
    assert_eq!(json.status, 403);
    assert!(json.body.contains("request_id"));
}

async fn audit_verify_passes_after_the_flow_and_fails_after_tampering_s28(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, owner) = app.login_as_owner().await;
    browser.submit("/", "/logout", &[]).await;
    app.password_step(&browser, "owner", "wrong wrong wrong").await;
    app.login(&browser, &owner).await;
    let report = verify_audit::run(&app.ports, &Actor::cli("test")).await.expect("verified");
    assert!(report.broken.is_none(), "{report:?}");
    assert!(report.verified >= 6);
    let page = browser.get("/audit").await.body;
    assert!(
        page.contains("Verify the hash chain") && !page.contains("chain verified"),
        "verification is on request"
    );
    assert!(browser.get("/audit?verify=1").await.body.contains("chain verified"));

    app.drop_audit_update_trigger().await;
    assert_eq!(app.execute("UPDATE audit_log SET reason = 'forged' WHERE seq = 2").await.expect("tamper"), 1);
    let report = verify_audit::run(&app.ports, &Actor::cli("test")).await.expect("walked");
    assert_eq!(report.broken.map(|b| b.seq), Some(2));
    assert!(browser.get("/audit?verify=1").await.body.contains("broken at record 2"));
}

async fn owners_create_admins_and_change_settings(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let short = browser
        .submit(
            "/admins",
            "/admins",
            &[("username", "olga"), ("email", "o@x.example"), ("role", "operator"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("field-error"), "the error is next to the field");
    let created = browser
        .submit(
            "/admins",
            "/admins",
            &[
                ("username", "olga"),
                ("email", "o@x.example"),
                ("role", "operator"),
                ("password", "olga's long password"),
            ],
        )
        .await;
    assert_eq!(created.location(), Some("/admins?notice=saved"), "{}", created.body);
    let disabled = browser
        .submit("/admins", "/admins/olga", &[("action", "disable"), ("reason", "left the team"), ("id", "")])
        .await;
    assert_eq!(disabled.location(), Some("/admins?notice=saved"));
    assert_eq!(app.audit(AuditKind::AdminDisabled).await.len(), 1);
    let last_owner =
        browser.submit("/admins", "/admins/owner", &[("action", "disable"), ("reason", "oops")]).await;
    assert_eq!(last_owner.status, 422, "the last owner stays");

    let settings = browser.get("/settings").await;
    assert_eq!(settings.status, 200);
    let saved = browser
        .submit(
            "/settings",
            "/settings",
            &[
                ("require_2fa", "1"),
                ("idle_minutes", "30"),
                ("absolute_hours", "8"),
                ("bind_ip", "1"),
                ("bind_user_agent", "1"),
                ("lockout_enabled", "1"),
                ("max_failures", "5"),
                ("window_minutes", "15"),
                ("lock_minutes", "15"),
                ("default_plan", "basic"),
                ("maintenance_banner", "Upgrade tonight"),
            ],
        )
        .await;
    assert_eq!(saved.location(), Some("/settings?notice=saved"), "{}", saved.body);
    let stored = app.ports.settings.get().await.expect("settings");
    assert_eq!(stored.session.idle_timeout, time::Duration::minutes(30));
    assert_eq!(stored.maintenance_banner.as_deref(), Some("Upgrade tonight"));
    assert!(browser.get("/").await.body.contains("Upgrade tonight"), "the banner shows on every page");
    let bad = browser
        .submit(
            "/settings",
            "/settings",
            &[
                ("idle_minutes", "0"),
                ("absolute_hours", "8"),
                ("max_failures", "5"),
                ("window_minutes", "15"),
                ("lock_minutes", "15"),
                ("default_plan", "basic"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(app.audit(AuditKind::SettingsChanged).await.len(), 2, "the harness's and this one");
}

async fn changing_the_password_ends_other_sessions_s5(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (laptop, owner) = app.login_as_owner().await;
    let phone = app.browser();
    app.login(&phone, &owner).await;
    let wrong = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "nope"),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let done = laptop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", &owner.password),
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/account/password?notice=password_changed"), "{}", done.body);
    assert_eq!(phone.get("/").await.status, 303);
    assert_eq!(laptop.get("/").await.status, 200);
}

async fn owners_see_and_end_another_admins_sessions_s19(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let (operator, _) = app.admin_logged_in("oscar", Role::Operator).await;
    let oscar = app
        .ports
        .admins
        .get_by_username(&gatehouse_domain::Username::parse("oscar").expect("name"))
        .await
        .expect("read")
        .expect("exists");
    let page_path = format!("/admins/{}/sessions", oscar.id);
    let page = owner.get(&page_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let action = gatehouse_tests::app::between(&page.body, r#"action="/account/sessions/"#, "\"")
        .map(|rest| format!("/account/sessions/{rest}"))
        .expect("an end form");
    let ended = owner.submit(&page_path, &action, &[("back", &page_path)]).await;
    assert_eq!(ended.location(), Some(format!("{page_path}?notice=sessions_ended").as_str()));
    assert_eq!(operator.get("/").await.status, 303, "oscar is signed out");
    assert_eq!(app.audit(AuditKind::SessionRevoked).await.len(), 1);
}
