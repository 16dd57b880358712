//! Helpers of the tenant page tests: tenants registered as the CLI operator, read back
//! through the ports, and values picked out of pages.

use gatehouse_application::register_tenant;
use gatehouse_domain::{Actor, Plan, Tenant, TenantSlug};
use gatehouse_tests::app::{TestApp, between};

/// Registers a tenant as the CLI operator would.
pub async fn register(app: &TestApp, name: &str, slug: &str, plan: Plan, domains: &[&str]) -> Tenant {
    let req = register_tenant::Request {
        name: name.into(),
        slug: Some(slug.into()),
        contact_email: format!("ops@{}", domains.first().copied().unwrap_or("example.com")),
        plan: Some(plan),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        features: None,
        activate: false,
    };
    register_tenant::run(&app.ports, &Actor::cli("test"), req).await.expect("registered").tenant
}

/// The same, straight into the active state.
pub async fn register_active(app: &TestApp, name: &str, slug: &str, plan: Plan, domains: &[&str]) -> Tenant {
    let t = register(app, name, slug, plan, domains).await;
    let req = gatehouse_application::change_tenant_status::Request {
        tenant: t.id.into(),
        to: gatehouse_domain::TenantStatus::Active,
        reason: None,
        expected_version: None,
    };
    gatehouse_application::change_tenant_status::run(&app.ports, &Actor::cli("test"), req)
        .await
        .expect("activated")
}

/// The stored tenant of `slug`.
pub async fn stored(app: &TestApp, slug: &str) -> Tenant {
    let slug = TenantSlug::parse(slug).expect("slug");
    app.ports.tenants.get_by_slug(&slug).await.expect("read").expect("exists")
}

/// How many tenants exist.
pub async fn count(app: &TestApp) -> u64 {
    let q = gatehouse_application::ports::TenantQuery::default();
    app.ports.tenants.list(&q).await.expect("listed").total
}

/// The version the page's forms carry.
pub fn version(body: &str) -> String {
    between(body, r#"name="version" value=""#, "\"").expect("a version field")
}

/// The error shown next to the field with element id `id`.
pub fn field_error(body: &str, id: &str) -> Option<String> {
    between(body, &format!(r#"id="{id}-error">"#), "</p>")
}
