//! Sessions (S19): one's own active sessions with "this device" marked; sign out one, or
//! everywhere else; owners see and end anyone's from the admins page. Plus the JSON status of
//! the current session and logout's counterpart, ending a session on the server.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use gatehouse_application::manage_sessions;
use gatehouse_application::session_support::safe_return_path;
use gatehouse_domain::AdminId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, account as view};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/sessions", get(mine))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/sessions/{id}/end", post(end_one))
        .route("/admins/{id}/sessions", get(of_admin))
        .route("/account/session/status", get(status))
}

async fn mine(State(state): State<AppState>, ctx: Ctx, Full(auth): Full) -> Result<Response, AppError> {
    sessions_of(&state, &ctx, &auth, auth.admin.id, None).await
}

async fn of_admin(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    sessions_of(&state, &ctx, &auth, AdminId::from_uuid(id), Some(id)).await
}

/// The sessions page of `admin` (one's own when `of` is `None`).
pub async fn sessions_of(
    state: &AppState,
    ctx: &Ctx,
    auth: &gatehouse_application::validate_session::Authenticated,
    admin: AdminId,
    of: Option<Uuid>,
) -> Result<Response, AppError> {
    let sessions = manage_sessions::list(&state.ports, &auth.actor, admin).await?;
    let back = of.map_or_else(|| "/account/sessions".to_owned(), |id| format!("/admins/{id}/sessions"));
    Ok(view::sessions(ctx, &sessions, auth.session.id, of.is_none(), &back).into_response())
}

/// The form that ends one session.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndSessionForm {
    back: String,
}

/// The path of the form ending session `id`.
pub fn end_session_form(id: Uuid) -> String {
    format!("/account/sessions/{id}/end")
}

async fn end_one(
    State(state): State<AppState>,
    Full(auth): Full,
    Path(id): Path<Uuid>,
    Form(form): Form<EndSessionForm>,
) -> Result<Response, AppError> {
    manage_sessions::end_one(&state.ports, &auth.actor, id).await?;
    let back = safe_return_path(&form.back).unwrap_or_else(|| "/account/sessions".to_owned());
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}notice=sessions_ended")).into_response())
}

async fn end_others(State(state): State<AppState>, Full(auth): Full) -> Result<Response, AppError> {
    manage_sessions::end_all(&state.ports, &auth.actor, auth.admin.id, Some(auth.session.id)).await?;
    Ok(Redirect::to("/account/sessions?notice=sessions_ended").into_response())
}

/// `GET /account/session/status`.
#[derive(Debug, Serialize)]
struct Status {
    username: String,
    role: String,
    permissions: Vec<String>,
    stage: gatehouse_domain::session::SessionStage,
    two_factor_enabled: bool,
    remember: bool,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

async fn status(Full(auth): Full) -> Json<Status> {
    Json(Status {
        username: auth.admin.username.to_string(),
        role: auth.admin.role.to_string(),
        permissions: auth.actor.permissions.iter().map(ToString::to_string).collect(),
        stage: auth.session.stage,
        two_factor_enabled: auth.admin.totp_enabled,
        remember: auth.session.remember,
        started_at: auth.session.created_at,
        last_seen_at: auth.session.last_seen_at,
        expires_at: auth.expires_at,
    })
}
