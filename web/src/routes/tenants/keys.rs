//! A tenant's keys for the MFA service (`/tenants/{id-or-slug}/keys/…`, S29): issue, rotate
//! with an overlap, revoke one or all after a confirmation. A new key is shown in the answer
//! to its form only — never in a URL, never again. Permission checks are the use cases'.

use std::str::FromStr as _;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gatehouse_application::manage_tenant_keys::{self, DEFAULT_OVERLAP, Which};
use gatehouse_domain::{Actor, Tenant, TenantKeyId};
use time::Duration;

use super::{fields, renamed, tenant_ref, value};
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::Ctx;
use crate::views::components::FieldError;
use crate::views::tenants::keys::{self as view, Occasion, TenantKeys};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants/{tenant}/keys/issue", post(issue))
        .route("/tenants/{tenant}/keys/rotate", get(rotate_form).post(rotate))
        .route("/tenants/{tenant}/keys/revoke", get(confirm_revoke).post(revoke))
}

/// The tenant's keys for its page, if the admin may see them.
pub async fn load(state: &AppState, actor: &Actor, tenant: &Tenant) -> Result<TenantKeys, AppError> {
    match manage_tenant_keys::of_tenant(&state.ports, actor, tenant).await {
        Ok(keys) => Ok(TenantKeys::Shown { keys, now: state.ports.clock.now() }),
        Err(e) if e.is_forbidden() => Ok(TenantKeys::NotAllowed),
        Err(e) => Err(e.into()),
    }
}

async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
) -> Result<Response, AppError> {
    let r = tenant_ref(&tenant)?;
    let base = format!("/tenants/{r}");
    match manage_tenant_keys::issue(&state.ports, &auth.actor, &r).await {
        Ok((_, text)) => {
            Ok(view::shown_once(&ctx, &tenant, &base, text.expose(), Occasion::Issued).into_response())
        }
        Err(e) => match field_error(&e) {
            Some(FieldError(Some((_, message)))) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::refused(&ctx, &tenant, &base, &message))
                    .into_response())
            }
            _ => Err(e.into()),
        },
    }
}

async fn rotate_form(ctx: Ctx, Full(_): Full, Path(tenant): Path<String>) -> Result<Response, AppError> {
    let base = format!("/tenants/{}", tenant_ref(&tenant)?);
    let hours = DEFAULT_OVERLAP.whole_hours().to_string();
    Ok(view::rotate_form(&ctx, &tenant, &base, &hours, &FieldError::default()).into_response())
}

async fn rotate(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = tenant_ref(&tenant)?;
    let base = format!("/tenants/{r}");
    let hours = value(&fields(&body), "overlap_hours").trim().to_owned();
    let refused = |errors: &FieldError| {
        (StatusCode::UNPROCESSABLE_ENTITY, view::rotate_form(&ctx, &tenant, &base, &hours, errors))
            .into_response()
    };
    let Ok(overlap) = hours.parse::<i64>().map(Duration::hours) else {
        return Ok(refused(&FieldError::new("overlap_hours", "must be a whole number of hours")));
    };
    match manage_tenant_keys::rotate(&state.ports, &auth.actor, &r, overlap).await {
        Ok((key, text)) => {
            let occasion = Occasion::Rotated { ends: key.created_at + overlap };
            Ok(view::shown_once(&ctx, &tenant, &base, text.expose(), occasion).into_response())
        }
        Err(e) => match field_error(&e) {
            Some(errors) => Ok(refused(&renamed(errors, "overlap", "overlap_hours"))),
            None => Err(e.into()),
        },
    }
}

/// `all`, or a key id; anything else names no key.
fn which(key: &str) -> Result<Which, AppError> {
    if key == "all" {
        return Ok(Which::All);
    }
    TenantKeyId::from_str(key).map(Which::One).map_err(|_| AppError::NotFound)
}

async fn confirm_revoke(
    ctx: Ctx,
    Full(_): Full,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let base = format!("/tenants/{}", tenant_ref(&tenant)?);
    let query = fields(raw.unwrap_or_default().as_bytes());
    let key = value(&query, "key");
    which(key)?;
    Ok(view::revoke_confirm(&ctx, &tenant, &base, key, &FieldError::default()).into_response())
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = tenant_ref(&tenant)?;
    let base = format!("/tenants/{r}");
    let form = fields(&body);
    let key = value(&form, "key");
    let chosen = which(key)?;
    if value(&form, "confirmed") != "yes" {
        let q = serde_urlencoded::to_string([("key", key)]).unwrap_or_default();
        return Ok(Redirect::to(&format!("{base}/keys/revoke?{q}")).into_response());
    }
    match manage_tenant_keys::revoke(&state.ports, &auth.actor, &r, chosen).await {
        Ok(_) => Ok(Redirect::to(&format!("{base}?notice=revoked")).into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                let page = view::revoke_confirm(&ctx, &tenant, &base, key, &errors);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => Err(e.into()),
        },
    }
}
