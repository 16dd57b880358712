//! The registration form: name, optional slug, contact e-mail, plan, domains one per line,
//! and whether to activate at once. Refilled with what was typed when refused.

use gatehouse_domain::Plan;
use maud::{Markup, html};
use serde::Deserialize;

use crate::views::components::{
    FieldError, Input, breadcrumbs, csrf_input, field, form_error, select_field, textarea_field,
};
use crate::views::layout::{Ctx, page as frame};

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewTenantForm {
    pub name: String,
    pub slug: String,
    pub contact_email: String,
    pub plan: String,
    pub domains: String,
    pub activate: Option<String>,
}

/// The form's fields; an error about any other field is shown above the form.
pub const FIELDS: &[&str] = &["name", "slug", "contact_email", "plan", "domains"];

pub fn page(ctx: &Ctx, f: &NewTenantForm, errors: &FieldError) -> Markup {
    let plans: Vec<(&str, &str)> = Plan::ALL.iter().map(|p| (p.as_str(), p.as_str())).collect();
    let plan = if f.plan.is_empty() { Plan::Free.as_str() } else { f.plan.as_str() };
    frame(
        "Register a tenant",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), ("Register a tenant", None)]))
            h1 { "Register a tenant" }
            (form_error(errors.other(FIELDS)))
            form.card method="post" action="/tenants" novalidate {
                (csrf_input(&ctx.csrf))
                (field(Input::new("Name", "name", "text").value(&f.name), errors))
                (field(Input::new("Slug (optional: made from the name)", "slug", "text").value(&f.slug).optional(), errors))
                (field(Input::new("Contact e-mail", "contact_email", "email").value(&f.contact_email).autocomplete("email"), errors))
                (select_field("Plan", "plan", &plans, plan, errors))
                (textarea_field("Domains", "domains", &f.domains, "One per line; the first one is the primary domain.", errors))
                label.inline for="f-activate" {
                    input.check id="f-activate" type="checkbox" name="activate" value="1" checked[f.activate.is_some()];
                    "Activate now (otherwise the tenant starts as pending)"
                }
                button type="submit" { "Register" }
                " " a href="/tenants" { "Cancel" }
            }
        },
    )
}
