//! The governed support view of a tenant (`/tenants/{id}/support`, permission `impersonate`):
//! without a running grant, a form asking for the reason (and a ticket); with one, a banner
//! with the time left, the tenant's end users and its recent authentication logs, fetched live
//! from the MFA upstream. The page reloads itself each minute, so the banner counts down and
//! the data disappears when the grant ends.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use gatehouse_application::{TenantRef, support_view};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::Ctx;
use crate::views::components::FieldError;
use crate::views::support as view;

/// End users and log entries shown per page.
pub const PAGE: u32 = 50;
/// Days of authentication log shown.
pub const LOG_DAYS: u32 = 7;

pub fn router() -> Router<AppState> {
    Router::new().route("/tenants/{id}/support", get(show).post(open))
}

fn tenant(id: &str) -> Result<TenantRef, AppError> {
    id.parse::<TenantRef>().map_err(|e| AppError::App(e.into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    offset: u64,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let r = tenant(&id)?;
    let (t, grant) = support_view::current(&state.ports, &auth.actor, &r).await?;
    let Some(grant) = grant else {
        return Ok(view::ask(&ctx, &t, &view::AskForm::default(), &FieldError::default()).into_response());
    };
    let now = state.ports.clock.now();
    // The upstream's answers are shown, or its error in their place: the grant stays usable.
    let users = support_view::users(&state.ports, &auth.actor, &r, PAGE, q.offset).await.map(|(_, p)| p);
    let logs =
        support_view::auth_logs(&state.ports, &auth.actor, &r, LOG_DAYS, PAGE, None).await.map(|(_, p)| p);
    for e in [users.as_ref().err(), logs.as_ref().err()].into_iter().flatten() {
        if !matches!(e, gatehouse_application::Error::Upstream(_)) {
            return Err(AppError::Internal(e.to_string()));
        }
    }
    let err = |e: &gatehouse_application::Error| e.to_string();
    Ok(view::live(&ctx, &t, &grant, now, users.as_ref().map_err(err), logs.as_ref().map_err(err), q.offset)
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OpenForm {
    reason: String,
    ticket: String,
}

async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(id): Path<String>,
    Form(form): Form<OpenForm>,
) -> Result<Response, AppError> {
    let r = tenant(&id)?;
    let ticket = Some(form.ticket.as_str()).filter(|t| !t.trim().is_empty());
    match support_view::open(&state.ports, &auth.actor, &r, &form.reason, ticket).await {
        Ok((t, _)) => Ok(Redirect::to(&format!("/tenants/{}/support", t.slug)).into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                let (t, _) = support_view::current(&state.ports, &auth.actor, &r).await?;
                let typed = view::AskForm { reason: form.reason, ticket: form.ticket };
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::ask(&ctx, &t, &typed, &errors)).into_response())
            }
            None => Err(e.into()),
        },
    }
}
