//! The tenant list: filters, search, sortable columns, pages, bulk selection, CSV export.
//!
//! The table sits in a GET form to `/tenants/bulk`: choosing tenants and an action changes
//! nothing, it opens the confirmation page, whose POST does the work.

use gatehouse_application::ports::{SortDirection, TenantPage, TenantSort};
use gatehouse_domain::{MfaMethod, Plan, TenantStatus};
use maud::{Markup, html};

use crate::routes::tenants::ListParams;
use crate::views::components::{
    Pagination, SortState, empty_state, pagination, plan_badge, sort_header, status_pill, thousands,
};
use crate::views::layout::{Ctx, page as frame};
use crate::views::tenants::{Flash, flash, href, when};

/// Every bulk action the list offers, as `(value, label)`.
pub fn bulk_choices() -> Vec<(String, String)> {
    let mut out = vec![
        ("activate".to_owned(), "Activate".to_owned()),
        ("suspend".to_owned(), "Suspend (with a reason)".to_owned()),
        ("cancel".to_owned(), "Cancel (with a reason)".to_owned()),
    ];
    for p in Plan::ALL {
        out.push((format!("plan:{p}"), format!("Change plan to {p}")));
    }
    for m in MfaMethod::ALL {
        out.push((format!("enable:{m}"), format!("Enable {}", m.label())));
    }
    for m in MfaMethod::ALL {
        out.push((format!("disable:{m}"), format!("Disable {}", m.label())));
    }
    out
}

fn filter_form(p: &ListParams) -> Markup {
    html! {
        form.card.filters method="get" action="/tenants" role="search" {
            div.filter-row {
                div {
                    label for="f-q" { "Search" }
                    input id="f-q" type="search" name="q" value=(p.search) maxlength="100"
                        placeholder="Name, slug or domain";
                }
                div {
                    label for="f-plan" { "Plan" }
                    select id="f-plan" name="plan" {
                        option value="" { "any" }
                        @for plan in Plan::ALL { option value=(plan.as_str()) selected[p.plan == Some(plan)] { (plan.as_str()) } }
                    }
                }
                div {
                    label for="f-status" { "Status" }
                    select id="f-status" name="status" {
                        option value="" { "any" }
                        @for s in TenantStatus::ALL { option value=(s.as_str()) selected[p.status == Some(s)] { (s.as_str()) } }
                    }
                }
                div {
                    label for="f-per" { "Per page" }
                    select id="f-per" name="per" {
                        @for n in crate::routes::tenants::PAGE_SIZES { option value=(n) selected[p.per_page == n] { (n) } }
                    }
                }
            }
            @if p.sort != TenantSort::Name { input type="hidden" name="sort" value=(crate::routes::tenants::sort_name(p.sort)); }
            @if p.direction == SortDirection::Desc { input type="hidden" name="dir" value="desc"; }
            button type="submit" { "Filter" }
            @if p.is_filtered() { " " a href="/tenants" { "Clear filters" } }
        }
    }
}

fn header(p: &ListParams, label: &str, sort: TenantSort) -> Markup {
    let state = match (p.sort == sort, p.direction) {
        (false, _) => SortState::Unsorted,
        (true, SortDirection::Asc) => SortState::Ascending,
        (true, SortDirection::Desc) => SortState::Descending,
    };
    sort_header(label, &p.sorted_by(sort).href("/tenants"), state)
}

fn table(p: &ListParams, found: &TenantPage) -> Markup {
    html! {
        form method="get" action="/tenants/bulk" {
            input type="hidden" name="back" value=(p.query_string());
            div.bulk-bar {
                label for="f-bulk-action" { "With the chosen tenants" }
                select id="f-bulk-action" name="action" {
                    @for (value, text) in bulk_choices() { option value=(value) { (text) } }
                }
                button type="submit" { "Review…" }
            }
            table.data {
                thead {
                    tr {
                        th { span.visually-hidden { "Choose" } }
                        (header(p, "Name", TenantSort::Name))
                        (header(p, "Slug", TenantSort::Slug))
                        (header(p, "Status", TenantSort::Status))
                        (header(p, "Plan", TenantSort::Plan))
                        th { "Primary domain" }
                        (header(p, "Created", TenantSort::Created))
                    }
                }
                tbody {
                    @for t in &found.items {
                        @let box_id = format!("t-{}", t.id);
                        tr {
                            td { input.check id=(box_id) type="checkbox" name="t" value=(t.id) aria-label={ "Choose " (t.name) }; }
                            td { a href=(href(&t.slug, t.id)) { (t.name) } }
                            td { code { (t.slug) } }
                            td { (status_pill(t.status)) }
                            td { (plan_badge(t.plan)) }
                            td {
                                (t.primary_domain.as_deref().unwrap_or("—"))
                                @if t.domain_count > 1 { " " span.muted { "+" (t.domain_count - 1) } }
                            }
                            td { (when(t.created_at)) }
                        }
                    }
                }
            }
        }
    }
}

pub fn page(ctx: &Ctx, p: &ListParams, found: &TenantPage, done: Option<&Flash>) -> Markup {
    let shown = found.items.len() as u64;
    let offset = p.offset();
    let nav = Pagination {
        offset,
        shown,
        total: found.total,
        previous: (p.page > 1).then(|| p.at_page(p.page - 1).href("/tenants")),
        next: (offset.saturating_add(shown) < found.total).then(|| p.at_page(p.page + 1).href("/tenants")),
    };
    let csv = ListParams { page: 1, ..p.clone() }.href("/tenants.csv");
    frame(
        "Tenants",
        ctx,
        &html! {
            div.page-head {
                h1 { "Tenants" }
                a.button href="/tenants/new" { "Register a tenant" }
            }
            (flash(done))
            (filter_form(p))
            @if found.total == 0 && !p.is_filtered() {
                (empty_state("No tenants yet.", &html! {
                    p { "Register the first website that uses the MFA service: it needs a name, a contact e-mail and at least one domain." }
                    a.button href="/tenants/new" { "Register a tenant" }
                }))
            } @else if found.total == 0 {
                (empty_state("No tenant matches these filters.", &html! {
                    p { "Check the spelling, search for part of a name, slug or domain, or " a href="/tenants" { "clear the filters" } "." }
                }))
            } @else if found.items.is_empty() {
                (empty_state("This page is past the end of the list.", &html! {
                    p { a href=(p.at_page(1).href("/tenants")) { "Go to the first page" } }
                }))
            } @else {
                p.list-tools {
                    (thousands(found.total)) " " (if found.total == 1 { "tenant" } else { "tenants" })
                    " · " a href=(csv) download="tenants.csv" { "Export these as CSV" }
                }
                (table(p, found))
            }
            (pagination(&nav))
        },
    )
}
