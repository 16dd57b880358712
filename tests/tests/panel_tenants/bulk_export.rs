//! Bulk actions through their confirmation step, all or nothing; the CSV export of the
//! current filter, page by page, with formula injection neutralised; names shown escaped.

use gatehouse_application::seed_demo;
use gatehouse_domain::{Actor, AuditKind, Plan, TenantStatus};
use gatehouse_tests::app::{Backend, spawn_app};
use gatehouse_tests::fixtures;

use super::support::{register, register_active, stored};

both!(
    bulk_suspend_goes_through_a_confirmation,
    a_bulk_refusal_changes_nothing_and_names_the_tenant,
    csv_export_streams_the_filter_and_neutralises_formulas,
    a_script_name_is_shown_escaped,
);

async fn bulk_suspend_goes_through_a_confirmation(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let a = register_active(&app, "Alpha", "alpha", Plan::Basic, &["alpha.example"]).await;
    let b = register_active(&app, "Beta", "beta", Plan::Basic, &["beta.example"]).await;
    register_active(&app, "Gamma", "gamma", Plan::Basic, &["gamma.example"]).await;
    let list = browser.get("/tenants?status=active").await;
    assert!(list.body.contains(&format!(r#"name="t" value="{}""#, a.id)), "checkboxes: {}", list.body);
    assert!(list.body.contains(r#"<option value="suspend">"#));
    let confirm = browser
        .get(&format!("/tenants/bulk?action=suspend&back=status%3Dactive&t={}&t={}", a.id, b.id))
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm.body.contains("Alpha") && confirm.body.contains("Beta") && !confirm.body.contains("Gamma")
    );
    assert!(confirm.body.contains("Suspend") && confirm.body.contains("2 tenants"));
    assert_eq!(stored(&app, "alpha").await.status, TenantStatus::Active, "the confirmation changes nothing");
    let ids = [a.id.to_string(), b.id.to_string()];
    let done = browser
        .submit(
            &format!("/tenants/bulk?action=suspend&t={}&t={}", ids[0], ids[1]),
            "/tenants/bulk",
            &[
                ("action", "suspend"),
                ("back", "status=active"),
                ("t", &ids[0]),
                ("t", &ids[1]),
                ("reason", "fraud review"),
            ],
        )
        .await;
    assert_eq!(
        (done.status, done.location()),
        (303, Some("/tenants?status=active&done=bulk&changed=2&unchanged=0")),
        "{}",
        done.body
    );
    let page = browser.get("/tenants?status=active&done=bulk&changed=2&unchanged=0").await;
    assert!(page.body.contains("Done: 2 tenants changed."), "{}", page.body);
    for slug in ["alpha", "beta"] {
        let t = stored(&app, slug).await;
        assert_eq!((t.status, t.status_reason.as_deref()), (TenantStatus::Suspended, Some("fraud review")));
    }
    assert_eq!(stored(&app, "gamma").await.status, TenantStatus::Active);
    assert_eq!(app.audit(AuditKind::TenantSuspended).await.len(), 2, "one event per tenant");
    // Nothing chosen, or an unknown action: the confirmation says so.
    assert_eq!(browser.get("/tenants/bulk?action=suspend").await.status, 422);
    assert_eq!(browser.get(&format!("/tenants/bulk?action=explode&t={}", a.id)).await.status, 422);
}

async fn a_bulk_refusal_changes_nothing_and_names_the_tenant(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let a = register(&app, "Alpha", "alpha", Plan::Basic, &["alpha.example"]).await;
    let b = register_active(&app, "Beta", "beta", Plan::Basic, &["beta.example"]).await;
    let ids = [a.id.to_string(), b.id.to_string()];
    // Alpha is pending: a pending tenant cannot be suspended, so neither is.
    let refused = browser
        .submit(
            &format!("/tenants/bulk?action=suspend&t={}", ids[0]),
            "/tenants/bulk",
            &[("action", "suspend"), ("t", &ids[0]), ("t", &ids[1]), ("reason", "audit")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("Nothing was changed."), "{}", refused.body);
    assert!(
        refused.body.contains(&ids[0]) && refused.body.contains("cannot become suspended"),
        "{}",
        refused.body
    );
    assert_eq!(stored(&app, "beta").await.status, TenantStatus::Active);
    // A plan change for both works.
    let moved = browser
        .submit("/tenants", "/tenants/bulk", &[("action", "plan:premium"), ("t", &ids[0]), ("t", &ids[1])])
        .await;
    assert_eq!(moved.location(), Some("/tenants?done=bulk&changed=2&unchanged=0"), "{}", moved.body);
    assert_eq!(stored(&app, "alpha").await.plan, Plan::Premium);
}

/// The CSV's rows (header included), split on CRLF.
fn lines(body: &str) -> Vec<&str> {
    body.split("\r\n").filter(|l| !l.is_empty()).collect()
}

async fn csv_export_streams_the_filter_and_neutralises_formulas(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    // More than one batch of 500, so the export reads several pages.
    let tenants: Vec<_> = (0..520)
        .map(|i| {
            let host = format!("t{i:03}.example");
            fixtures::tenant(&format!("Load {i:03}"), &format!("load-{i:03}"), Plan::Free, &[&host], i)
        })
        .collect();
    seed_demo::load_chunk(&app.ports, &Actor::cli("test"), &tenants, &[]).await.expect("loaded");
    register(&app, "=HYPERLINK(\"http://evil.example\",\"x\")", "evil", Plan::Basic, &["evil.example"]).await;
    register(&app, "+cmd, \"quoted\"", "plus", Plan::Basic, &["plus.example"]).await;
    register(&app, "@SUM(A1)", "at-sign", Plan::Basic, &["at.example"]).await;
    register(&app, "-2+3", "minus", Plan::Basic, &["minus.example"]).await;

    let all = browser.get("/tenants.csv").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(all.header("content-disposition").is_some_and(|d| d.contains("attachment")));
    assert_eq!(all.header("cache-control"), Some("no-store"));
    let rows = lines(&all.body);
    assert_eq!(rows.len(), 1 + 524, "every tenant once, over several pages");
    assert_eq!(rows[0], r#""id","name","slug","status","plan","primary_domain","domains","created_at""#);
    let mut slugs: Vec<&str> = rows[1..].iter().filter_map(|r| r.split("\",\"").nth(2)).collect();
    slugs.sort_unstable();
    slugs.dedup();
    assert_eq!(slugs.len(), 524, "no row twice");

    let basic = browser.get("/tenants.csv?plan=basic&sort=name").await;
    let rows = lines(&basic.body);
    assert_eq!(rows.len(), 5, "{}", basic.body);
    let body = &basic.body;
    assert!(body.contains(r#""'=HYPERLINK(""http://evil.example"",""x"")""#), "{body}");
    assert!(body.contains(r#""'+cmd, ""quoted""""#), "{body}");
    assert!(body.contains(r#""'@SUM(A1)""#), "{body}");
    assert!(body.contains(r#""'-2+3""#), "{body}");
    assert!(!body.contains(",\"=") && !body.contains(",=") && !body.contains(",\"+"), "{body}");
    let searched = browser.get("/tenants.csv?q=load-51").await;
    assert_eq!(lines(&searched.body).len(), 1 + 10, "{}", searched.body);
}

async fn a_script_name_is_shown_escaped(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    register(&app, "<script>alert(1)</script>", "xss", Plan::Basic, &["xss.example"]).await;
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    for path in ["/tenants", "/tenants/xss", "/tenants?q=script"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(escaped), "{path}: {}", page.body);
        assert!(!page.body.contains("<script>alert(1)"), "{path}");
    }
    let typed = browser
        .submit(
            "/tenants/new",
            "/tenants",
            &[
                ("name", "\"><script>alert(2)</script>"),
                ("contact_email", "bad"),
                ("plan", "free"),
                ("domains", "<b>x</b>"),
            ],
        )
        .await;
    assert_eq!(typed.status, 422);
    assert!(!typed.body.contains("<script>alert(2)") && !typed.body.contains("<b>x</b>"), "{}", typed.body);
}
