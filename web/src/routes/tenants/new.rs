//! `/tenants/new` and `POST /tenants`: registering a tenant with `register_tenant`.

use std::str::FromStr as _;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gatehouse_application::register_tenant;
use gatehouse_domain::Plan;

use super::renamed;
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::Ctx;
use crate::views::components::FieldError;
use crate::views::tenants::href;
use crate::views::tenants::keys::{Occasion, shown_once};
use crate::views::tenants::new::{NewTenantForm, page};

pub async fn form(ctx: Ctx, Full(_): Full) -> Response {
    page(&ctx, &NewTenantForm::default(), &FieldError::default()).into_response()
}

/// The use case's request for what was typed.
fn request(f: &NewTenantForm) -> Result<register_tenant::Request, gatehouse_domain::ValidationError> {
    let slug = f.slug.trim();
    Ok(register_tenant::Request {
        name: f.name.clone(),
        slug: (!slug.is_empty()).then(|| slug.to_owned()),
        contact_email: f.contact_email.clone(),
        plan: Some(Plan::from_str(&f.plan)?),
        domains: f.domains.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        features: None,
        activate: f.activate.is_some(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Form(f): Form<NewTenantForm>,
) -> Result<Response, AppError> {
    let result = match request(&f) {
        Ok(req) => register_tenant::run(&state.ports, &auth.actor, req).await,
        Err(e) => Err(e.into()),
    };
    match result {
        // The first key is shown in this answer only (never in a URL); the page links on to
        // the tenant.
        Ok(r) => {
            let (t, text) = (&r.tenant, r.key_text.expose());
            let base = href(t.slug.as_str(), t.id);
            Ok(shown_once(&ctx, t.name.as_str(), &base, text, Occasion::Registered).into_response())
        }
        Err(e) => match field_error(&e) {
            Some(errors) => {
                let errors = renamed(renamed(errors, "email", "contact_email"), "domain", "domains");
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&ctx, &f, &errors)).into_response())
            }
            None => Err(e.into()),
        },
    }
}
