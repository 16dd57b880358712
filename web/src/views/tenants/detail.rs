//! One tenant's page: overview, status actions, plan, domains, features, usage (see
//! [`usage`](super::usage)) and audit trail; plus the plan-change preview and the cancel
//! confirmation.
//!
//! Every form carries the tenant's version, so a form filled in on an outdated page is
//! caught (see `routes::tenants::detail`). Which status moves are offered follows the
//! domain's transition table; the use case remains the judge.

use gatehouse_application::show_tenant::TenantDetails;
use gatehouse_domain::{AuditRecord, Plan, SwitchedOff, Tenant, TenantStatus};
use maud::{Markup, html};

use super::features::{FeaturesForm, form as features_form};
use super::notifications::{self, TenantMessages};
use super::{Flash, flash, href, when};
use crate::views::components::{FieldError, breadcrumbs, csrf_input, form_error, plan_badge, status_pill};
use crate::views::layout::{Ctx, page as frame};

/// Which form an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Status,
    Plan,
    Domains,
    Features,
}

/// A refused form: where, and what.
#[derive(Debug, Clone)]
pub struct Problem {
    pub section: Section,
    pub error: FieldError,
}

/// The tenant's audit trail, or why it is not shown.
#[derive(Debug, Clone)]
pub enum AuditTrail {
    Shown(Vec<AuditRecord>),
    /// The admin may see the tenant but not the audit trail.
    NotAllowed,
}

/// Everything the tenant page shows.
#[derive(Debug)]
pub struct Detail<'a> {
    pub details: &'a TenantDetails,
    pub audit: &'a AuditTrail,
    /// The tenant's newest e-mails and upstream pushes.
    pub notifications: &'a TenantMessages,
    pub flash: Option<Flash>,
    /// Someone else saved the tenant since the form was loaded: this is the fresh data.
    pub conflict: bool,
    pub problem: Option<&'a Problem>,
    /// What was typed in the forms, to keep it after a refusal.
    pub reason: &'a str,
    pub hostname: &'a str,
    pub features: Option<&'a FeaturesForm>,
    pub keys: &'a super::keys::TenantKeys,
}

impl Detail<'_> {
    fn error(&self, section: Section) -> FieldError {
        self.problem.filter(|p| p.section == section).map(|p| p.error.clone()).unwrap_or_default()
    }
}

/// The tenant's page path.
pub fn path(t: &Tenant) -> String {
    href(t.slug.as_str(), t.id)
}

fn overview(t: &Tenant) -> Markup {
    html! {
        dl.overview {
            dt { "Status" } dd { (status_pill(t.status)) @if let Some(r) = &t.status_reason { " " span.muted { "(" (r) ")" } } }
            dt { "Plan" } dd { (plan_badge(t.plan)) }
            dt { "Slug" } dd { code { (t.slug) } }
            dt { "Id" } dd { code { (t.id) } }
            dt { "Contact" } dd { a href={ "mailto:" (t.contact_email) } { (t.contact_email) } }
            dt { "Created" } dd { (when(t.created_at)) }
            dt { "Updated" } dd { (when(t.updated_at)) }
            dt { "Version" } dd { (t.version) }
        }
    }
}

fn status_section(ctx: &Ctx, d: &Detail<'_>, t: &Tenant, action: &str) -> Markup {
    let errors = d.error(Section::Status);
    let reason_error = errors.on("reason");
    html! {
        section.card #status aria-labelledby="h-status" {
            h2 #h-status { "Status" }
            (form_error(errors.other(&["reason"])))
            @if t.status == TenantStatus::Cancelled {
                p.muted { "Cancelled is final. A returning customer is registered again." }
            }
            @if t.status.can_become(TenantStatus::Active) {
                form.inline-form method="post" action=(action) {
                    (csrf_input(&ctx.csrf))
                    input type="hidden" name="version" value=(t.version);
                    input type="hidden" name="to" value="active";
                    button type="submit" { "Activate" }
                }
            }
            @if t.status.can_become(TenantStatus::Suspended) {
                form.inline-form method="post" action=(action) {
                    (csrf_input(&ctx.csrf))
                    input type="hidden" name="version" value=(t.version);
                    input type="hidden" name="to" value="suspended";
                    label for="f-suspend-reason" { "Reason for suspending" }
                    input id="f-suspend-reason" type="text" name="reason" value=(d.reason) required maxlength="500"
                        aria-invalid=[reason_error.map(|_| "true")];
                    @if let Some(m) = reason_error { p.field-error { (m) } }
                    button.danger type="submit" { "Suspend" }
                }
            }
            @if t.status.can_become(TenantStatus::Cancelled) {
                p { a.button.danger href={ (action.trim_end_matches("/status")) "/cancel?version=" (t.version) } { "Cancel the tenant…" } }
            }
        }
    }
}

fn plan_section(d: &Detail<'_>, t: &Tenant, base: &str) -> Markup {
    let errors = d.error(Section::Plan);
    html! {
        section.card #plan aria-labelledby="h-plan" {
            h2 #h-plan { "Plan" }
            p { "Now on " (plan_badge(t.plan)) ". Choosing another plan first shows what it would switch off." }
            (form_error(errors.other(&["plan"])))
            form method="get" action={ (base) "/plan" } {
                input type="hidden" name="version" value=(t.version);
                label for="f-plan" { "New plan" }
                select id="f-plan" name="plan" {
                    @for p in Plan::ALL { option value=(p.as_str()) selected[p == t.plan] { (p.as_str()) } }
                }
                @if let Some(m) = errors.on("plan") { p.field-error { (m) } }
                button type="submit" { "Preview the change" }
            }
        }
    }
}

fn domains_section(ctx: &Ctx, d: &Detail<'_>, t: &Tenant, action: &str) -> Markup {
    let errors = d.error(Section::Domains);
    let error = errors.on("domain");
    html! {
        section.card #domains aria-labelledby="h-domains" {
            h2 #h-domains { "Domains" }
            (form_error(errors.other(&["domain"])))
            table.data {
                thead { tr { th { "Hostname" } th { "Added" } th { span.visually-hidden { "Actions" } } } }
                tbody {
                    @for dom in &t.domains {
                        @let unicode = dom.hostname.to_unicode();
                        tr {
                            td {
                                (unicode)
                                @if unicode != dom.hostname.as_str() { " " span.muted { "(" (dom.hostname.as_str()) ")" } }
                                @if dom.is_primary { " " span.badge.primary { "primary" } }
                            }
                            td { (when(dom.added_at)) }
                            td {
                                @if !dom.is_primary {
                                    form.inline method="post" action=(action) {
                                        (csrf_input(&ctx.csrf))
                                        input type="hidden" name="version" value=(t.version);
                                        input type="hidden" name="hostname" value=(dom.hostname.as_str());
                                        button.link type="submit" name="action" value="primary" { "Make primary" }
                                        " · "
                                        button.link type="submit" name="action" value="remove" { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action=(action) {
                (csrf_input(&ctx.csrf))
                input type="hidden" name="version" value=(t.version);
                input type="hidden" name="action" value="add";
                label for="f-domain" { "Add a domain" }
                input id="f-domain" type="text" name="hostname" value=(d.hostname) required placeholder="login.example.com"
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "f-domain-error")];
                @if let Some(m) = error { p.field-error #f-domain-error { (m) } }
                button type="submit" { "Add domain" }
            }
        }
    }
}

fn audit_section(trail: &AuditTrail) -> Markup {
    html! {
        section.card #audit aria-labelledby="h-audit" {
            h2 #h-audit { "Audit trail" }
            @match trail {
                AuditTrail::NotAllowed => p.muted { "Your role cannot read the audit trail." },
                AuditTrail::Shown(records) if records.is_empty() => p.muted { "No events yet." },
                AuditTrail::Shown(records) => {
                    p.muted { "The newest " (records.len()) " events." }
                    table.data {
                        thead { tr { th { "When" } th { "Event" } th { "By" } th { "Outcome" } th { "Reason" } } }
                        tbody {
                            @for r in records {
                                tr {
                                    td { (when(r.event.at)) }
                                    td { (r.event.kind) }
                                    td { (r.event.actor_label) }
                                    td { (r.event.outcome) }
                                    td { (r.event.reason.as_deref().unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn page(ctx: &Ctx, d: &Detail<'_>) -> Markup {
    let t = &d.details.tenant;
    let base = path(t);
    let stored = FeaturesForm::from(&t.features);
    frame(
        t.name.as_str(),
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (t.name.as_str(), None)]))
            div.page-head {
                h1 { (t.name) }
                (status_pill(t.status)) " " (plan_badge(t.plan))
            }
            @if d.conflict {
                p.notice.error role="alert" {
                    "This tenant was changed by someone else — reloaded. The page now shows the current data; check it and try again."
                }
            }
            (flash(d.flash.as_ref()))
            (overview(t))
            (status_section(ctx, d, t, &format!("{base}/status")))
            (plan_section(d, t, &base))
            (domains_section(ctx, d, t, &format!("{base}/domains")))
            section.card #features aria-labelledby="h-features" {
                h2 #h-features { "Features and quotas" }
                (features_form(&ctx.csrf, &format!("{base}/features"), t.version, t.plan, d.features.unwrap_or(&stored), &d.error(Section::Features)))
            }
            (super::usage::section(d.details))
            (super::keys::section(ctx, t, d.keys))
            (notifications::section(ctx, t, d.notifications))
            section.card #api-log aria-labelledby="h-api-log" {
                h2 #h-api-log { "API log" }
                p {
                    "Every call to the JSON API about this tenant is logged with its key, status and duration: "
                    a href={ "/api-log?tenant=" (t.slug) } { "open this tenant's API log" } "."
                }
            }
            (audit_section(d.audit))
        },
    )
}

/// The plan-change preview: what moving to `plan` would switch off, then the confirmation.
pub fn plan_preview(
    ctx: &Ctx,
    tenant: &str,
    base: &str,
    plan: Plan,
    version: &str,
    switched_off: &[SwitchedOff],
) -> Markup {
    frame(
        "Change plan",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), ("Change plan", None)]))
            h1 { "Move " (tenant) " to the " (plan_badge(plan)) " plan" }
            @if switched_off.is_empty() {
                p.notice.ok { "Nothing would be switched off or lowered." }
            } @else {
                div.notice.warning {
                    p { strong { "The new plan would switch off or lower:" } }
                    ul.switched-off { @for s in switched_off { li { (s) } } }
                }
            }
            form.card method="post" action={ (base) "/plan" } {
                (csrf_input(&ctx.csrf))
                input type="hidden" name="version" value=(version);
                input type="hidden" name="plan" value=(plan.as_str());
                button type="submit" { "Change to " (plan.as_str()) }
                " " a href=(base) { "Keep the current plan" }
            }
        },
    )
}

/// The cancel confirmation: final, so it asks once more and wants a reason.
pub fn cancel_confirm(
    ctx: &Ctx,
    tenant: &str,
    base: &str,
    version: &str,
    reason: &str,
    errors: &FieldError,
) -> Markup {
    let error = errors.on("reason");
    frame(
        "Cancel tenant",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), ("Cancel", None)]))
            h1 { "Cancel " (tenant) "?" }
            p.notice.warning { "Cancelling is final: the tenant stops being served and cannot be reactivated. A returning customer is registered again." }
            (form_error(errors.other(&["reason"])))
            form.card method="post" action={ (base) "/status" } {
                (csrf_input(&ctx.csrf))
                input type="hidden" name="version" value=(version);
                input type="hidden" name="to" value="cancelled";
                input type="hidden" name="confirmed" value="yes";
                label for="f-cancel-reason" { "Reason (kept on the tenant and in the audit trail)" }
                input id="f-cancel-reason" type="text" name="reason" value=(reason) required maxlength="500"
                    aria-invalid=[error.map(|_| "true")];
                @if let Some(m) = error { p.field-error { (m) } }
                button.danger type="submit" { "Cancel the tenant for good" }
                " " a href=(base) { "Keep it" }
            }
        },
    )
}
