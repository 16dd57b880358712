//! The support view's pages: the reason form, and the live data under a banner with the time left.

use gatehouse_application::ports::{AuthLogPage, UserPage};
use gatehouse_domain::{SupportGrant, Tenant};
use maud::{Markup, html};
use time::OffsetDateTime;

use crate::views::account::when;
use crate::views::components::{FieldError, Input, csrf_input, field, form_error, textarea_field};
use crate::views::layout::{Ctx, Frame};

/// The reason form as typed.
#[derive(Debug, Clone, Default)]
pub struct AskForm {
    pub reason: String,
    pub ticket: String,
}

fn frame<'a>(title: &'a str, t: &Tenant) -> Frame<'a> {
    Frame::new(title)
        .crumb("Home", "/")
        .crumb("Tenants", "/tenants")
        .crumb(t.name.as_str(), format!("/tenants/{}", t.slug))
}

/// Asks why before granting access.
pub fn ask(ctx: &Ctx, t: &Tenant, form: &AskForm, errors: &FieldError) -> Markup {
    frame("Support view", t).narrow().render(
        ctx,
        &html! {
            h1 { "Support view of " (t.name.as_str()) }
            p {
                "This shows the tenant's end users and authentication logs, live from the MFA service, for "
                strong { "15 minutes" } ". Your reason is recorded in the audit trail as cross-tenant access, "
                "and the tenant's contact (" (t.contact_email.as_str()) ") is told that support looked at their data and why."
            }
            (form_error(errors.other(&["reason", "ticket"])))
            form method="post" action={ "/tenants/" (t.slug) "/support" } {
                (csrf_input(&ctx.csrf))
                (textarea_field("Reason (required)", "reason", &form.reason, "5–500 characters: what the tenant asked, or why you must look.", errors))
                (field(Input::new("Ticket reference", "ticket", "text").value(&form.ticket).optional(), errors))
                button type="submit" { "Open the support view" }
            }
        },
    )
}

/// The live data under the banner.
pub fn live(
    ctx: &Ctx,
    t: &Tenant,
    grant: &SupportGrant,
    now: OffsetDateTime,
    users: Result<&UserPage, String>,
    logs: Result<&AuthLogPage, String>,
    offset: u64,
) -> Markup {
    let left = grant.minutes_left(now);
    frame("Support view", t).wide().refresh(60).render(
        ctx,
        &html! {
            div.notice.warning.support-banner role="status" {
                strong { "Support access to " (t.name.as_str()) } " until " (when(grant.expires_at)) " — "
                (left) @if left == 1 { " minute" } @else { " minutes" } " left. Reason: " (grant.reason)
                @if let Some(ticket) = &grant.ticket { " (ticket " (ticket) ")" }
            }
            h1 { "Support view of " (t.name.as_str()) }
            section.card aria-labelledby="h-users" {
                h2 #h-users { "End users" }
                @match users {
                    Err(e) => p.notice.error { "The MFA service did not answer: " (e) },
                    Ok(page) if page.users.is_empty() => p.empty { "The MFA service knows no end users of this tenant." },
                    Ok(page) => {
                        p.muted { (page.total) " users; showing " (offset + 1) "–" (offset + page.users.len() as u64) "." }
                        table.data {
                            thead { tr { th { "Id" } th { "E-mail" } th { "Name" } th { "Methods" } th { "Status" } } }
                            tbody {
                                @for u in &page.users {
                                    tr {
                                        td { code { (u.id) } }
                                        td { (u.email.as_deref().unwrap_or("—")) }
                                        td { (u.display_name.as_deref().unwrap_or("—")) }
                                        td { (u.methods.join(", ")) }
                                        td { (u.status.as_deref().unwrap_or("—")) }
                                    }
                                }
                            }
                        }
                        @if offset + (page.users.len() as u64) < page.total {
                            a href={ "/tenants/" (t.slug) "/support?offset=" (offset + page.users.len() as u64) } { "Next users →" }
                        }
                    },
                }
            }
            section.card aria-labelledby="h-logs" {
                h2 #h-logs { "Authentication log, last 7 days" }
                @match logs {
                    Err(e) => p.notice.error { "The MFA service did not answer: " (e) },
                    Ok(page) if page.logs.is_empty() => p.empty { "No authentications in the last 7 days." },
                    Ok(page) => table.data {
                        thead { tr { th { "When" } th { "User" } th { "Method" } th { "Outcome" } th { "Reason" } } }
                        tbody {
                            @for l in &page.logs {
                                tr {
                                    td { (when(l.timestamp)) }
                                    td { code { (l.user_id.as_deref().unwrap_or("—")) } }
                                    td { (l.method.as_deref().unwrap_or("—")) }
                                    td { @if l.success { span.pill.ok { "success" } } @else { span.pill.bad { "failure" } } }
                                    td { (l.reason.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    },
                }
            }
        },
    )
}
