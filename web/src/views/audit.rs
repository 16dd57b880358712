//! The audit page: the filter form, the chain verification on request, a page of events with
//! a link to the next (older) one, and the exports of the current filter.

use gatehouse_application::verify_audit::Report;
use gatehouse_domain::{AuditKind, AuditRecord, Outcome};
use maud::{Markup, html};

use crate::routes::audit::Filters;
use crate::views::account::when;
use crate::views::components::FieldError;
use crate::views::dashboard::outcome;
use crate::views::layout::{Ctx, Frame};

/// What the page shows.
#[derive(Debug)]
pub struct Page<'a> {
    pub filters: &'a Filters,
    pub records: &'a [AuditRecord],
    pub report: Option<&'a Report>,
    /// A filter that could not be used, with why.
    pub error: Option<&'a FieldError>,
    /// The `before` of the next (older) page, when there is one.
    pub next_before: Option<i64>,
}

fn with(query: &str, extra: &str) -> String {
    match (query.is_empty(), extra.is_empty()) {
        (true, _) => format!("?{extra}"),
        (false, true) => format!("?{query}"),
        (false, false) => format!("?{query}&{extra}"),
    }
}

fn text_field(
    id: &str,
    label: &str,
    name: &str,
    kind: &str,
    value: &str,
    error: Option<&FieldError>,
) -> Markup {
    let message = error.and_then(|e| e.on(name));
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) type=(kind) name=(name) value=(value) aria-invalid=[message.map(|_| "true")];
            @if let Some(m) = message { p.field-error { (m) } }
        }
    }
}

pub fn page(ctx: &Ctx, p: &Page<'_>) -> Markup {
    let f = p.filters;
    let q = f.query_string();
    Frame::new("Audit log").wide().render(
        ctx,
        &html! {
            div.page-head {
                h1 { "Audit log" }
                div.actions {
                    a.button.secondary href=(format!("/audit/export{}", with(&q, "format=csv"))) { "Export CSV" }
                    a.button.secondary href=(format!("/audit/export{}", with(&q, "format=jsonl"))) { "Export JSON Lines" }
                }
            }
            @match p.report.map(|r| (r, &r.broken)) {
                None => p { a href=(format!("/audit{}", with(&q, "verify=1"))) { "Verify the hash chain" } " (reads the whole log)" },
                Some((r, None)) => p { span.pill.ok { "chain verified" } " " (r.verified) " records, head " code { (r.head) } },
                Some((_, Some(b))) => p.notice.error role="alert" { "The audit chain is broken at record " (b.seq) ": " (b.reason) },
            }
            @if let Some(m) = p.error.and_then(|e| e.other(&["actor", "tenant", "since", "until"])) {
                p.notice.error role="alert" { (m) }
            }
            form.card.filters method="get" action="/audit" {
                div.field {
                    label for="f-kind" { "Kind" }
                    select id="f-kind" name="kind" {
                        option value="" { "any" }
                        @for k in AuditKind::ALL { option value=(k.as_str()) selected[k.as_str() == f.kind] { (k.as_str()) } }
                    }
                }
                div.field {
                    label for="f-outcome" { "Outcome" }
                    select id="f-outcome" name="outcome" {
                        option value="" { "any" }
                        @for o in Outcome::ALL { option value=(o.as_str()) selected[o.as_str() == f.outcome] { (o.as_str()) } }
                    }
                }
                (text_field("f-actor", "Actor", "actor", "text", &f.actor, p.error))
                (text_field("f-tenant", "Tenant (id or slug)", "tenant", "text", &f.tenant, p.error))
                (text_field("f-since", "From (UTC)", "since", "date", &f.since, p.error))
                (text_field("f-until", "Until (UTC)", "until", "date", &f.until, p.error))
                div.field.submit { button type="submit" { "Filter" } " " a href="/audit" { "Clear" } }
            }
            @if p.records.is_empty() {
                p.muted { "No events match." }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "Actor" }
                        th scope="col" { "Tenant" } th scope="col" { "Outcome" } th scope="col" { "IP" } th scope="col" { "Reason" }
                    } }
                    tbody {
                        @for r in p.records {
                            tr {
                                td { (r.seq) }
                                td.nowrap { (when(r.event.at)) }
                                td { code { (r.event.kind) } }
                                td { (r.event.actor_label) }
                                td { @if let Some(t) = r.event.tenant_id { a href=(format!("/tenants/{t}")) title=(t) { code.short { (t) } } } }
                                td { (outcome(r.event.outcome)) }
                                td { (r.event.ip.as_deref().unwrap_or("")) }
                                td { (r.event.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                } }
            }
            nav.pager aria-label="Audit pages" {
                @if !f.before.is_empty() { a href=(format!("/audit{}", with(&q, ""))) { "Newest" } }
                @if let Some(b) = p.next_before { a href=(format!("/audit{}", with(&q, &format!("before={b}")))) { "Older →" } }
            }
        },
    )
}
