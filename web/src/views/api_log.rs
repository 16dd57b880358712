//! The API log page: the newest calls with their key, tenant, status and duration.

use gatehouse_application::ports::ApiLogEntry;
use maud::{Markup, html};

use crate::views::account::when;
use crate::views::layout::{Ctx, Frame};

pub fn page(ctx: &Ctx, tenant: &str, calls: &[ApiLogEntry]) -> Markup {
    let title = if tenant.is_empty() { "API log".to_owned() } else { format!("API log of {tenant}") };
    let mut frame = Frame::new(&title).crumb("Home", "/");
    if !tenant.is_empty() {
        frame = frame.crumb("Tenants", "/tenants").crumb(tenant, format!("/tenants/{tenant}"));
    }
    frame.render(
        ctx,
        &html! {
            h1 { (title) }
            p.muted {
                "The newest " (calls.len()) " calls to the JSON API (" a href="/api/v1/openapi.json" { "OpenAPI document" }
                "). Gatehouse keeps the last 100,000."
            }
            form.filters method="get" action="/api-log" {
                label for="f-tenant" { "Tenant (slug or id)" }
                input #f-tenant type="text" name="tenant" value=(tenant);
                button type="submit" { "Show" }
            }
            @if calls.is_empty() {
                p.empty { "No API calls yet. Create a key on the API keys page and call " code { "/api/v1/…" } "." }
            } @else {
                table.data {
                    thead { tr { th { "When" } th { "Method" } th { "Path" } th { "Status" } th { "Duration" } th { "Key" } th { "Request id" } } }
                    tbody {
                        @for c in calls {
                            tr {
                                td { (when(c.at)) }
                                td { code { (c.method) } }
                                td { code { (c.path) } }
                                td { span class=(if c.status < 400 { "pill ok" } else if c.status < 500 { "pill warn" } else { "pill bad" }) { (c.status) } }
                                td { (c.duration_ms) " ms" }
                                td { @if let Some(k) = c.key_id { code { (k.simple().to_string().get(..8).unwrap_or_default()) } } @else { "—" } }
                                td { code { (c.request_id) } }
                            }
                        }
                    }
                }
            }
        },
    )
}
