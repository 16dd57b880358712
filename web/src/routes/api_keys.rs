//! Operator API keys (`/api-keys`, S29): the list, the create form, the new key shown once
//! (in the answer to the form, never in a URL), and revocation after a confirmation.
//! Permission checks are the use cases' (`api_keys:manage`, S24).

use std::str::FromStr as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_application::{Error, TenantRef};
use gatehouse_domain::{Actor, ApiKeyId, Permission, ValidationError};
use time::macros::format_description;
use time::{Date, Time};

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::routes::tenants::{fields, value, values};
use crate::views::Ctx;
use crate::views::api_keys::{self as view, KeyForm};
use crate::views::components::FieldError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api-keys", get(list).post(create))
        .route("/api-keys/{id}/revoke", get(confirm_revoke).post(revoke))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    show_revoked: bool,
    (form, errors): (&KeyForm, &FieldError),
    status: StatusCode,
) -> Result<Response, AppError> {
    let keys = manage_api_keys::list(&state.ports, actor, show_revoked).await?;
    let now = state.ports.clock.now();
    Ok((status, view::page(ctx, &keys, show_revoked, form, errors, now)).into_response())
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let query = fields(raw.unwrap_or_default().as_bytes());
    let show_revoked = value(&query, "all") == "1";
    render(
        &state,
        &ctx,
        &auth.actor,
        show_revoked,
        (&KeyForm::default(), &FieldError::default()),
        StatusCode::OK,
    )
    .await
}

/// The use case's request for what was typed.
fn request(f: &KeyForm) -> Result<CreateApiKey, ValidationError> {
    let scopes = f
        .scopes
        .iter()
        .map(|s| Permission::from_str(s).map_err(|e| ValidationError::new("scopes", e.message)))
        .collect::<Result<_, _>>()?;
    let tenants = f
        .tenants
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| TenantRef::from_str(s).map_err(|e| ValidationError::new("tenants", e.message)))
        .collect::<Result<_, _>>()?;
    let expires_at = match f.expires_at.trim() {
        "" => None,
        text => Some(
            Date::parse(text, format_description!("[year]-[month]-[day]"))
                .map_err(|_| ValidationError::new("expires_at", "must be a date such as 2027-01-31"))?
                .with_time(Time::MIDNIGHT)
                .assume_utc(),
        ),
    };
    let rate_per_minute = match f.rate_per_minute.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| ValidationError::new("rate_per_minute", "must be a whole number of requests"))?,
        ),
    };
    Ok(CreateApiKey { name: f.name.clone(), scopes, tenants, expires_at, rate_per_minute })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    body: Bytes,
) -> Result<Response, AppError> {
    let typed = fields(&body);
    let form = KeyForm {
        name: value(&typed, "name").to_owned(),
        scopes: values(&typed, "scope").map(str::to_owned).collect(),
        tenants: value(&typed, "tenants").to_owned(),
        expires_at: value(&typed, "expires_at").to_owned(),
        rate_per_minute: value(&typed, "rate_per_minute").to_owned(),
    };
    let result = match request(&form) {
        Ok(req) => manage_api_keys::create(&state.ports, &auth.actor, req).await,
        Err(e) => Err(e.into()),
    };
    match result {
        // Shown in this answer only: never in a URL, never again (the page is `no-store`).
        Ok((key, text)) => Ok(view::created(&ctx, &key, text.expose()).into_response()),
        Err(e) => match form_error(&e) {
            Some(errors) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                render(&state, &ctx, &auth.actor, false, (&form, &errors), status).await
            }
            None => Err(e.into()),
        },
    }
}

/// The error to show next to a field of the create form: a tenant typed that does not exist
/// belongs next to the tenants, like any validation error.
fn form_error(e: &Error) -> Option<FieldError> {
    match e {
        Error::NotFound { what: "tenant", key } => {
            Some(FieldError::new("tenants", format!("no tenant {key:?}")))
        }
        other => field_error(other),
    }
}

fn key_id(text: &str) -> Result<ApiKeyId, AppError> {
    ApiKeyId::from_str(text).map_err(|_| AppError::NotFound)
}

async fn confirm_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let key = manage_api_keys::get(&state.ports, &auth.actor, key_id(&id)?).await?;
    Ok(view::revoke_confirm(&ctx, &key, &FieldError::default()).into_response())
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let id = key_id(&id)?;
    if value(&fields(&body), "confirmed") != "yes" {
        return Ok(Redirect::to(&format!("/api-keys/{id}/revoke")).into_response());
    }
    match manage_api_keys::revoke(&state.ports, &auth.actor, id).await {
        Ok(_) => Ok(Redirect::to("/api-keys?notice=revoked").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                let key = manage_api_keys::get(&state.ports, &auth.actor, id).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::revoke_confirm(&ctx, &key, &errors))
                    .into_response())
            }
            None => Err(e.into()),
        },
    }
}
