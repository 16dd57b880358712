//! The list: filters, search, sort both ways, pages with counts, the empty states.

use gatehouse_application::seed_demo;
use gatehouse_domain::{Actor, Plan};
use gatehouse_tests::app::{Backend, spawn_app};
use gatehouse_tests::fixtures;

use super::support::{register, register_active};

both!(an_empty_list_says_what_to_do, filters_search_sort_and_pages,);

async fn an_empty_list_says_what_to_do(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    let page = browser.get("/tenants").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("No tenants yet."), "{}", page.body);
    assert!(page.body.contains(r#"href="/tenants/new""#));
    register(&app, "Acme", "acme", Plan::Basic, &["acme.example"]).await;
    let none = browser.get("/tenants?q=nothing-like-this").await;
    assert!(none.body.contains("No tenant matches these filters."), "{}", none.body);
    assert!(none.body.contains("Clear filters"));
    let past = browser.get("/tenants?page=9").await;
    assert!(past.body.contains("past the end"), "{}", past.body);
}

/// Positions of `names` in `body`, which must all occur.
fn order(body: &str, names: &[&str]) -> Vec<usize> {
    names.iter().map(|n| body.find(n).unwrap_or_else(|| panic!("{n} missing"))).collect()
}

async fn filters_search_sort_and_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (browser, _) = app.login_as_owner().await;
    // 60 tenants loaded in one go: "Bulk 00" … "Bulk 59", plans in turn, created a minute apart.
    let plans = [Plan::Free, Plan::Basic, Plan::Premium];
    let tenants: Vec<_> = (0..60_i64)
        .map(|i| {
            let host = format!("bulk{i:02}.example");
            fixtures::tenant(
                &format!("Bulk {i:02}"),
                &format!("bulk-{i:02}"),
                plans[usize::try_from(i % 3).unwrap_or(0)],
                &[&host],
                i,
            )
        })
        .collect();
    seed_demo::load_chunk(&app.ports, &Actor::cli("test"), &tenants, &[]).await.expect("loaded");
    register_active(&app, "Zeta Shop", "zeta", Plan::Enterprise, &["shop.zeta.example", "zeta.example"])
        .await;

    let first = browser.get("/tenants").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("1–50 of 61"), "{}", first.body);
    assert!(first.body.contains(r#"href="/tenants?page=2""#), "next link");
    assert!(!first.body.contains(r#"rel="prev""#));
    let second = browser.get("/tenants?page=2").await;
    assert!(second.body.contains("51–61 of 61"), "{}", second.body);
    assert!(second.body.contains(r#"rel="prev""#) && !second.body.contains(r#"rel="next""#));
    let small = browser.get("/tenants?per=25&page=2").await;
    assert!(small.body.contains("26–50 of 61"), "{}", small.body);

    let premium = browser.get("/tenants?plan=premium").await;
    assert!(premium.body.contains("1–20 of 20"), "{}", premium.body);
    let active = browser.get("/tenants?status=active").await;
    assert!(active.body.contains("1–1 of 1") && active.body.contains("Zeta Shop"), "{}", active.body);
    let pending_premium = browser.get("/tenants?status=pending&plan=premium").await;
    assert!(pending_premium.body.contains("of 20"));

    // Search looks at name, slug and every domain, case-insensitively.
    for (q, hit) in [
        ("zeta SHOP", "Zeta Shop"),
        ("bulk-07", "Bulk 07"),
        ("shop.zeta", "Zeta Shop"),
        ("BULK13.EXAMPLE", "Bulk 13"),
    ] {
        let page = browser.get(&format!("/tenants?q={}", q.replace(' ', "+"))).await;
        assert!(page.body.contains("1–1 of 1") && page.body.contains(hit), "{q}: {}", page.body);
        assert!(page.body.contains(&format!(r#"value="{q}""#)), "the search box keeps {q}");
    }

    // Sort links, both ways.
    let by_name = browser.get("/tenants?q=bulk&per=100").await;
    let p = order(&by_name.body, &["Bulk 00", "Bulk 30", "Bulk 59"]);
    assert!(p[0] < p[1] && p[1] < p[2]);
    assert!(by_name.body.contains(r#"aria-sort="ascending""#));
    assert!(by_name.body.contains("sort=created"), "each column sorts");
    let desc = browser.get("/tenants?q=bulk&per=100&dir=desc").await;
    let p = order(&desc.body, &["Bulk 00", "Bulk 30", "Bulk 59"]);
    assert!(p[0] > p[1] && p[1] > p[2]);
    assert!(desc.body.contains(r#"aria-sort="descending""#));
    let newest = browser.get("/tenants?q=bulk&sort=created&dir=desc&per=25").await;
    assert!(newest.body.contains("Bulk 59") && !newest.body.contains("Bulk 00"), "{}", newest.body);
    let plan_sort = browser.get("/tenants?sort=plan&dir=desc").await;
    assert_eq!(plan_sort.status, 200);
    assert!(plan_sort.body.contains(r#"aria-sort="descending""#));
    // The pages keep the filters and the order.
    assert!(
        newest.body.contains("q=bulk&amp;sort=created&amp;dir=desc&amp;per=25&amp;page=2"),
        "{}",
        newest.body
    );
    // Nonsense in the query string is ignored, never an error.
    let odd = browser.get("/tenants?page=-1&per=x&sort=%3Cb%3E&plan=gold&status=&dir=sideways").await;
    assert_eq!(odd.status, 200);
    assert!(odd.body.contains("1–50 of 61"));
}
