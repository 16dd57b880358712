//! The confirmation of a bulk action: the chosen tenants, the reason where one is needed,
//! and after a refusal every tenant that refused and why (nothing was changed).

use gatehouse_application::bulk_action::BulkFailure;
use gatehouse_application::ports::TenantSummary;
use maud::{Markup, html};

use crate::routes::tenants::BulkChoice as Choice;
use crate::routes::tenants::ListParams;
use crate::views::components::{FieldError, breadcrumbs, csrf_input, form_error, plan_badge, status_pill};
use crate::views::layout::{Ctx, page as frame};
use crate::views::tenants::href;

/// What the confirmation shows.
#[derive(Debug)]
pub struct Confirm<'a> {
    pub choice: Option<Choice>,
    /// The chosen tenants the admin may see.
    pub tenants: &'a [TenantSummary],
    /// How many were asked for.
    pub asked: usize,
    pub too_many: bool,
    pub reason: &'a str,
    pub back: &'a ListParams,
    pub errors: &'a FieldError,
    pub failures: &'a [BulkFailure],
}

pub fn page(ctx: &Ctx, c: &Confirm<'_>) -> Markup {
    let back = c.back.href("/tenants");
    let n = c.tenants.len();
    let noun = if n == 1 { "tenant" } else { "tenants" };
    frame(
        "Confirm bulk action",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some(back.as_str())), ("Confirm bulk action", None)]))
            h1 { "Confirm bulk action" }
            (form_error(c.errors.other(&["reason"])))
            @if !c.failures.is_empty() {
                div.notice.error role="alert" {
                    p { strong { "Nothing was changed." } " These tenants refused the action:" }
                    ul.refusals {
                        @for f in c.failures { li { code { (f.tenant) } ": " (f.error) } }
                    }
                }
            }
            @match c.choice {
                None => {
                    p.notice.error role="alert" { "Choose one of the offered actions." }
                    p { a href=(back) { "Back to the list" } }
                }
                Some(_) if c.too_many => {
                    p.notice.error role="alert" { "Too many tenants were chosen (" (c.asked) "). Choose fewer at a time." }
                    p { a href=(back) { "Back to the list" } }
                }
                Some(_) if c.tenants.is_empty() => {
                    p.notice.error role="alert" { "No tenant was chosen. Tick the tenants in the list first." }
                    p { a href=(back) { "Back to the list" } }
                }
                Some(choice) => {
                    p.lead { strong { (choice.label()) } " — " (n) " " (noun) ":" }
                    @if c.asked > n {
                        p.notice.warning { (c.asked - n) " of the chosen tenants no longer exist or are not yours to see; they are left out." }
                    }
                    table.data {
                        thead { tr { th { "Name" } th { "Slug" } th { "Status" } th { "Plan" } th { "Primary domain" } } }
                        tbody {
                            @for t in c.tenants {
                                tr {
                                    td { a href=(href(&t.slug, t.id)) { (t.name) } }
                                    td { code { (t.slug) } }
                                    td { (status_pill(t.status)) }
                                    td { (plan_badge(t.plan)) }
                                    td { (t.primary_domain.as_deref().unwrap_or("—")) }
                                }
                            }
                        }
                    }
                    form.card method="post" action="/tenants/bulk" {
                        (csrf_input(&ctx.csrf))
                        input type="hidden" name="action" value=(choice.code());
                        input type="hidden" name="back" value=(c.back.query_string());
                        @for t in c.tenants { input type="hidden" name="t" value=(t.id); }
                        @if choice.needs_reason() {
                            @let error = c.errors.on("reason");
                            label for="f-reason" { "Reason (kept on each tenant and in the audit trail)" }
                            input id="f-reason" type="text" name="reason" value=(c.reason) required maxlength="500"
                                aria-invalid=[error.map(|_| "true")];
                            @if let Some(m) = error { p.field-error { (m) } }
                        }
                        p.muted { "All or nothing: if any tenant refuses, none is changed." }
                        button type="submit" class=[matches!(choice, Choice::Cancel | Choice::Suspend).then_some("danger")] {
                            "Apply to " (n) " " (noun)
                        }
                        " " a href=(back) { "Go back" }
                    }
                }
            }
        },
    )
}
