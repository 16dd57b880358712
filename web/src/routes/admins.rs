//! Managing SuperAdmins (`/admins`): list, create, and disable / enable / change role / unlock
//! / reset 2FA with a reason. Permission checks are the use cases' (S24).

use std::str::FromStr as _;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gatehouse_application::manage_admins::{self, AdminAction, CreateAdmin};
use gatehouse_application::ports::SecretString;
use gatehouse_application::setup_totp;
use gatehouse_domain::{AdminId, Role, TenantScope, ValidationError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::components::FieldError;
use crate::views::{Ctx, admins as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/admins", get(list).post(create)).route("/admins/{username}", post(update))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    auth: &Full,
    errors: &FieldError,
    status: StatusCode,
) -> Result<Response, AppError> {
    let admins = manage_admins::list(&state.ports, &auth.0.actor).await?;
    Ok((status, view::page(ctx, &admins, errors)).into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx, auth: Full) -> Result<Response, AppError> {
    render(&state, &ctx, &auth, &FieldError::default(), StatusCode::OK).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CreateForm {
    username: String,
    email: String,
    role: String,
    password: String,
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Full,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    let result = match Role::from_str(&form.role) {
        Ok(role) => {
            let request = CreateAdmin {
                username: form.username,
                email: form.email,
                role,
                scope: TenantScope::All,
                password: SecretString::new(form.password),
            };
            manage_admins::create(&state.ports, &auth.0.actor, request).await.map(|_| ())
        }
        Err(e) => Err(e.into()),
    };
    finish(&state, &ctx, &auth, result).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct UpdateForm {
    action: String,
    role: String,
    reason: String,
    id: String,
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Full,
    Path(username): Path<String>,
    Form(form): Form<UpdateForm>,
) -> Result<Response, AppError> {
    let actor = &auth.0.actor;
    let action = match form.action.as_str() {
        "disable" => Ok(AdminAction::Disable),
        "enable" => Ok(AdminAction::Enable),
        "unlock" => Ok(AdminAction::Unlock),
        "set_role" => Role::from_str(&form.role).map(AdminAction::SetRole),
        "reset_2fa" => {
            let result = match uuid::Uuid::parse_str(&form.id) {
                Ok(id) => setup_totp::reset(&state.ports, actor, AdminId::from_uuid(id), &form.reason).await,
                Err(_) => Err(ValidationError::new("admin", "unknown admin").into()),
            };
            return finish(&state, &ctx, &auth, result).await;
        }
        _ => Err(ValidationError::new("action", "unknown action")),
    };
    let result = match action {
        Ok(a) => manage_admins::update(&state.ports, actor, &username, a, &form.reason).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    finish(&state, &ctx, &auth, result).await
}

/// Back to the list, or the list again with the error.
async fn finish(
    state: &AppState,
    ctx: &Ctx,
    auth: &Full,
    result: gatehouse_application::Result<()>,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to("/admins?notice=saved").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => render(state, ctx, auth, &errors, StatusCode::UNPROCESSABLE_ENTITY).await,
            None => Err(e.into()),
        },
    }
}
