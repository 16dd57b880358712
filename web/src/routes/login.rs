//! The login steps: password (`/login`), second factor (`/login/2fa`), and `/logout`.
//!
//! A refused password gets the same page, status and message whatever the cause — unknown
//! user, wrong password, disabled or locked account — after the delay the use case asks for
//! (S13, S15). Each step that succeeds sets a fresh session token (S16).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gatehouse_application::login::{self, LoggedIn, Next, Refused};
use gatehouse_application::logout;
use gatehouse_application::ports::SecretString;
use gatehouse_application::session_support::safe_return_path;
use gatehouse_application::verify_second_factor::{self, Failed, Passed};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{AnySession, MaybeSession, pending_step};
use crate::client::ClientInfo;
use crate::errors::AppError;
use crate::routes::{redirect_clearing_session, redirect_with_session};
use crate::views::components::FieldError;
use crate::views::{Ctx, login as view};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/login/2fa", get(show_code).post(submit_code))
        .route("/logout", post(logout_now))
}

/// The one message of every refused login (S15).
pub const REFUSED: &str = "Invalid username or password.";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LoginQuery {
    next: Option<String>,
}

async fn show(ctx: Ctx, MaybeSession(auth): MaybeSession, Query(q): Query<LoginQuery>) -> Response {
    let next = q.next.and_then(|n| safe_return_path(&n));
    match auth {
        Some(a) if a.is_full() => Redirect::to(next.as_deref().unwrap_or("/")).into_response(),
        _ => view::password(&ctx, next.as_deref(), None).into_response(),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    remember: Option<String>,
    next: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = form.next.and_then(|n| safe_return_path(&n));
    let request = login::Request {
        username: form.username,
        password: SecretString::new(form.password),
        client,
        remember: form.remember.is_some(),
        return_to: next.clone(),
    };
    match login::run(&state.ports, request).await? {
        Err(Refused { delay }) => {
            tokio::time::sleep(std::time::Duration::try_from(delay).unwrap_or_default()).await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::password(&ctx, next.as_deref(), Some(REFUSED)))
                .into_response())
        }
        Ok(LoggedIn { token, session, next, .. }) => {
            let to = match next {
                Next::Done => session.return_to.clone().unwrap_or_else(|| "/".to_owned()),
                Next::SecondFactor => "/login/2fa".to_owned(),
                Next::SetupSecondFactor => "/account/2fa/setup".to_owned(),
            };
            redirect_with_session(&state, &to, &token, &session).await
        }
    }
}

async fn show_code(ctx: Ctx, AnySession(auth): AnySession) -> Response {
    if auth.is_full() {
        return Redirect::to("/").into_response();
    }
    if !auth.admin.totp_enabled {
        return Redirect::to(pending_step(&auth)).into_response();
    }
    view::second_factor(&ctx, &FieldError::default()).into_response()
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
}

async fn submit_code(
    State(state): State<AppState>,
    ctx: Ctx,
    AnySession(auth): AnySession,
    ClientInfo(client): ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if auth.is_full() {
        return Ok(Redirect::to("/").into_response());
    }
    if !auth.admin.totp_enabled {
        return Ok(Redirect::to(pending_step(&auth)).into_response());
    }
    match verify_second_factor::run(&state.ports, &auth, &form.code, &client).await {
        Ok(Ok(Passed { token, session, .. })) => {
            let to = session.return_to.clone().unwrap_or_else(|| "/".to_owned());
            redirect_with_session(&state, &to, &token, &session).await
        }
        Ok(Err(Failed::Wrong { tries_left })) => {
            let message = format!(
                "That code is not valid. {tries_left} {} left.",
                if tries_left == 1 { "try" } else { "tries" }
            );
            let errors = FieldError::new("code", message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::second_factor(&ctx, &errors)).into_response())
        }
        Ok(Err(Failed::SessionEnded)) => {
            Ok(redirect_clearing_session(&state, "/login?notice=too_many_codes"))
        }
        Err(e) if e.field().is_some() && !e.is_forbidden() => {
            let errors = FieldError::new("code", e.to_string());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::second_factor(&ctx, &errors)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout_now(
    State(state): State<AppState>,
    AnySession(auth): AnySession,
    ClientInfo(client): ClientInfo,
) -> Result<Response, AppError> {
    logout::run(&state.ports, &auth, &client).await?;
    Ok(redirect_clearing_session(&state, "/login?notice=signed_out"))
}
