//! The outbox in the panel, over real HTTP on SQLite and PostgreSQL: `/notifications` with its
//! filters and the "not configured" banner, the tenant page's section, the dashboard and
//! system tiles, and "retry now" for a dead message (permission, CSRF, audit).

#[macro_use]
extern crate gatehouse_tests;

use gatehouse_application::ports::OutboxQuery;
use gatehouse_application::register_tenant;
use gatehouse_domain::{Actor, AuditKind, MessageKind, MessageState, Plan, Role, Tenant};
use gatehouse_tests::app::{Backend, Browser, TestApp, spawn_app};

both!(
    the_outbox_page_shows_what_waits_and_why,
    a_dead_message_is_retried_by_an_operator_only,
    the_tenant_page_lists_its_notifications,
);

/// An active tenant `acme`, then suspended through the panel's own form by `browser`.
async fn suspended_through_the_panel(app: &TestApp, browser: &Browser) -> Tenant {
    let req = register_tenant::Request {
        name: "Acme <Corp>".into(),
        slug: Some("acme".into()),
        contact_email: "ops@acme.example".into(),
        plan: Some(Plan::Basic),
        domains: vec!["acme.example".into()],
        features: None,
        activate: true,
    };
    let t = register_tenant::run(&app.ports, &Actor::cli("test"), req).await.expect("registered").tenant;
    let page = browser
        .submit(
            "/tenants/acme",
            "/tenants/acme/status",
            &[("version", "1"), ("to", "suspended"), ("reason", "unpaid")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    t
}

async fn the_outbox_page_shows_what_waits_and_why(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = suspended_through_the_panel(&app, &browser).await;

    let page = browser.get("/notifications").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for expected in [
        "SMTP is not configured: 1 message is waiting.",
        "The MFA upstream is not configured: 1 push is waiting.",
        "<code>suspended</code>",
        "to ops@acme.example: Acme &lt;Corp&gt;: your MFA service is suspended",
        "upstream push",
        r#"<span class="pill pending">pending</span>"#,
        &format!(r#"href="/tenants/{}""#, t.id),
    ] {
        assert!(page.body.contains(expected), "{expected:?} missing: {}", page.body);
    }
    assert!(!page.body.contains("Acme <Corp>"), "escaped");
    for (path, wanted) in [
        ("/notifications?state=dead", "No messages match."),
        ("/notifications?kind=upstream_push", "status, plan and features"),
        ("/notifications?tenant=acme", "your MFA service is suspended"),
        ("/notifications?state=lost", "unknown state"),
        ("/notifications?tenant=nobody", "no tenant has this slug"),
        ("/notifications?before=x", "is not a message id"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains(wanted), "{path}: {wanted:?} missing: {}", page.body);
    }
    let email_only = browser.get("/notifications?kind=email").await.body;
    assert!(!email_only.contains("status, plan and features"), "filtered by kind");
    for path in ["/", "/system"] {
        let body = browser.get(path).await.body;
        assert!(body.contains("SMTP is not configured: 1 message is waiting."), "{path}: {body}");
        assert!(body.contains("E-mails waiting"), "{path}: {body}");
    }
}

async fn a_dead_message_is_retried_by_an_operator_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (owner, _) = app.login_as_owner().await;
    let t = suspended_through_the_panel(&app, &owner).await;
    app.execute("UPDATE outbox SET state = 'dead', attempts = 8, last_error = 'gave up after 8 attempts: 421 busy' WHERE kind = 'email'")
        .await
        .expect("made dead");
    let q = OutboxQuery { kind: Some(MessageKind::Email), limit: 10, ..OutboxQuery::default() };
    let [dead] = &app.ports.outbox.list(&q).await.expect("list")[..] else { panic!("one e-mail") };
    let action = format!("/notifications/{}/retry", dead.message.id);

    // Support reads the outbox but may not retry.
    let (support, _) = app.admin_logged_in("helper", Role::Support).await;
    let page = support.get("/notifications?state=dead").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("gave up after 8 attempts: 421 busy") && !page.body.contains("Retry now"));
    assert_eq!(support.submit("/notifications", &action, &[]).await.status, 403);
    assert_eq!(owner.post_raw(&action, &[]).await.status, 403, "no CSRF token");
    assert_eq!(
        app.ports.outbox.get(dead.message.id).await.expect("get").expect("kept").state,
        MessageState::Dead
    );

    let page = owner.get("/notifications?state=dead").await;
    assert!(page.body.contains(&format!(r#"action="{action}""#)), "{}", page.body);
    let done = owner.submit("/notifications?state=dead", &action, &[]).await;
    assert_eq!(
        (done.status, done.location()),
        (303, Some(format!("/notifications?tenant={}&done=retried", t.id).as_str()))
    );
    let back = owner.get(done.location().expect("location")).await;
    assert!(back.body.contains("The message is due again"), "{}", back.body);
    let again = app.ports.outbox.get(dead.message.id).await.expect("get").expect("kept");
    assert_eq!((again.state, again.attempts), (MessageState::Pending, 0));
    let audit = app.audit(AuditKind::NotificationRetried).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].event.tenant_id, Some(t.id));

    assert_eq!(owner.submit("/notifications", &action, &[]).await.status, 422, "only a dead message");
    let unknown = format!("/notifications/{}/retry", uuid::Uuid::now_v7());
    assert_eq!(owner.submit("/notifications", &unknown, &[]).await.status, 404);
    assert_eq!(owner.submit("/notifications", "/notifications/zzz/retry", &[]).await.status, 404);
}

async fn the_tenant_page_lists_its_notifications(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let t = suspended_through_the_panel(&app, &browser).await;
    let page = browser.get("/tenants/acme").await;
    assert_eq!(page.status, 200);
    let section = page.body.split(r#"id="notifications""#).nth(1).expect("a Notifications section");
    for expected in [
        "Notifications",
        "<code>suspended</code>",
        "upstream push",
        &format!(r#"href="/notifications?tenant={}""#, t.id),
    ] {
        assert!(section.contains(expected), "{expected:?} missing: {section}");
    }
}
