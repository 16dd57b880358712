//! Registering a tenant through the form: the happy path, each field's error next to the
//! field with what was typed kept and nothing created, and a taken domain.

use gatehouse_domain::{Plan, TenantStatus};
use gatehouse_tests::app::{Backend, spawn_app};

use super::support::{count, field_error, register, stored};

both!(
    registers_a_tenant_and_lands_on_its_page,
    each_field_error_shows_next_to_its_field,
    a_taken_domain_is_refused_at_the_field
);

async fn registers_a_tenant_and_lands_on_its_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let form = browser.get("/tenants/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Tenants") && form.body.contains(r#"name="domains""#));
    let done = browser
        .submit(
            "/tenants/new",
            "/tenants",
            &[
                ("name", "Acme Corp."),
                ("slug", ""),
                ("contact_email", "ops@acme.example"),
                ("plan", "premium"),
                ("domains", "Acme.example\r\n\r\n  www.acme.example \r\n"),
                ("activate", "1"),
            ],
        )
        .await;
    // The answer shows the tenant's first key, once, and leads on to the tenant's page.
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains(r#"href="/tenants/acme-corp?done=created""#), "{}", done.body);
    let key = gatehouse_tests::app::between(&done.body, "<code class=\"key\" data-key-once>", "</code>")
        .expect("the key is shown");
    assert!(key.starts_with("ght_") && key.len() == 4 + 32 + 1 + 43, "{key}");
    let page = browser.get("/tenants/acme-corp?done=created").await;
    assert!(page.body.contains("The tenant was registered."), "{}", page.body);
    assert!(page.body.contains(&key[..16]) && !page.body.contains(&key), "only the prefix is shown again");
    let t = stored(&app, "acme-corp").await;
    assert_eq!((t.plan, t.status), (Plan::Premium, TenantStatus::Active));
    assert_eq!(t.domains.len(), 2);
    assert_eq!(t.primary_domain().map(gatehouse_domain::Hostname::as_str), Some("acme.example"));
}

async fn each_field_error_shows_next_to_its_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let good = [
        ("name", "Acme"),
        ("slug", "acme"),
        ("contact_email", "ops@acme.example"),
        ("plan", "basic"),
        ("domains", "acme.example"),
    ];
    for (field, bad, element) in [
        ("name", "", "f-name"),
        ("slug", "Not A Slug", "f-slug"),
        ("contact_email", "not-an-address", "f-contact_email"),
        ("plan", "gold", "f-plan"),
        ("domains", "http://acme.example/", "f-domains"),
        ("domains", "", "f-domains"),
    ] {
        let fields: Vec<(&str, &str)> =
            good.iter().map(|(k, v)| (*k, if *k == field { bad } else { *v })).collect();
        let page = browser.submit("/tenants/new", "/tenants", &fields).await;
        assert_eq!(page.status, 422, "{field}: {}", page.body);
        if element == "f-plan" {
            assert!(page.body.contains("unknown plan"), "{}", page.body);
        } else {
            let message = field_error(&page.body, element);
            assert!(message.is_some(), "{field}={bad:?}: no error next to {element}: {}", page.body);
        }
        // What was typed is kept.
        if field != "contact_email" {
            assert!(page.body.contains(r#"value="ops@acme.example""#), "{field}");
        }
        if !bad.is_empty() && field != "plan" {
            assert!(page.body.contains(bad), "{field}: typed value kept");
        }
    }
    assert_eq!(count(&app).await, 0, "nothing was created");
}

async fn a_taken_domain_is_refused_at_the_field(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    let page = browser
        .submit(
            "/tenants/new",
            "/tenants",
            &[
                ("name", "Copycat"),
                ("contact_email", "x@copycat.example"),
                ("plan", "free"),
                ("domains", "copycat.example\nACME.example"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let message = field_error(&page.body, "f-domains").expect("error next to the domains");
    assert!(message.contains("acme.example already belongs to another tenant"), "{message}");
    assert!(page.body.contains("Copycat"), "typed name kept");
    assert_eq!(count(&app).await, 1);
}
