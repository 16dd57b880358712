//! TOTP enrolment (`/account/2fa/setup`, reachable from a partial session too), and the
//! status page where an enrolled admin turns it off or regenerates recovery codes — each with
//! the password and a fresh code (S9, S10).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gatehouse_application::ports::SecretString;
use gatehouse_application::setup_totp::{self, Confirmed};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{AnySession, Full};
use crate::client::ClientInfo;
use crate::errors::AppError;
use crate::routes::{field_error, redirect_with_session};
use crate::views::Ctx;
use crate::views::account as view;
use crate::views::components::FieldError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/2fa/setup", get(begin).post(confirm))
        .route("/account/2fa", get(status))
        .route("/account/2fa/disable", post(disable))
        .route("/account/2fa/recovery-codes", post(regenerate))
}

async fn begin(
    State(state): State<AppState>,
    ctx: Ctx,
    AnySession(auth): AnySession,
) -> Result<Response, AppError> {
    if auth.admin.totp_enabled {
        return Ok(Redirect::to(if auth.is_full() { "/account/2fa" } else { "/login/2fa" }).into_response());
    }
    let enrolment = setup_totp::begin(&state.ports, &auth).await?;
    Ok(view::enrol(&ctx, Some(&enrolment), &FieldError::default()).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    AnySession(auth): AnySession,
    ClientInfo(client): ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if auth.admin.totp_enabled {
        return Ok(Redirect::to("/account/2fa").into_response());
    }
    match setup_totp::confirm(&state.ports, &auth, &form.code, &client).await {
        Ok(Confirmed { recovery_codes, upgraded }) => {
            let next = auth.session.return_to.clone().unwrap_or_else(|| "/".to_owned());
            let page = view::recovery_codes(&ctx, &recovery_codes, &next);
            let mut response = page.into_response();
            if let Some((token, session)) = upgraded {
                // The full session's cookie rides on the page that shows the codes once.
                let cookies = redirect_with_session(&state, &next, &token, &session).await?;
                for value in cookies.headers().get_all(axum::http::header::SET_COOKIE) {
                    response.headers_mut().append(axum::http::header::SET_COOKIE, value.clone());
                }
            }
            Ok(response)
        }
        Err(e) => match field_error(&e) {
            Some(errors) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::enrol(&ctx, None, &errors)).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn status(ctx: Ctx, Full(auth): Full) -> Response {
    view::two_factor(&ctx, &auth.admin, &FieldError::default()).into_response()
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ReauthForm {
    password: String,
    code: String,
}

async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    ClientInfo(client): ClientInfo,
    Form(form): Form<ReauthForm>,
) -> Result<Response, AppError> {
    let password = SecretString::new(form.password);
    match setup_totp::disable(&state.ports, &auth, &password, &form.code, &client).await {
        Ok(()) => Ok(Redirect::to("/account/2fa?notice=2fa_disabled").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::two_factor(&ctx, &auth.admin, &errors))
                    .into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn regenerate(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    ClientInfo(client): ClientInfo,
    Form(form): Form<ReauthForm>,
) -> Result<Response, AppError> {
    let password = SecretString::new(form.password);
    match setup_totp::regenerate_recovery_codes(&state.ports, &auth, &password, &form.code, &client).await {
        Ok(codes) => Ok(view::recovery_codes(&ctx, &codes, "/account/2fa").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::two_factor(&ctx, &auth.admin, &errors))
                    .into_response())
            }
            None => Err(e.into()),
        },
    }
}
