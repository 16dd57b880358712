//! The first run (`/setup?token=…`): while no SuperAdmin exists, the one-time link the server
//! printed lets the first owner create their account, then enrol TOTP. The page is served with
//! `Referrer-Policy: no-referrer` so the token in its URL never leaks to another site.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use gatehouse_application::first_run;
use gatehouse_application::ports::SecretString;
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientInfo;
use crate::errors::AppError;
use crate::routes::{field_error, no_referrer, redirect_with_session};
use crate::views::components::FieldError;
use crate::views::{Ctx, setup as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/setup", get(show).post(submit))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SetupQuery {
    token: String,
}

async fn show(ctx: Ctx, Query(q): Query<SetupQuery>) -> Response {
    no_referrer(view::page(&ctx, &q.token, &view::Values::default(), &FieldError::default()).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SetupForm {
    token: String,
    username: String,
    email: String,
    password: String,
    password_confirm: String,
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let values = view::Values { username: form.username.clone(), email: form.email.clone() };
    let again = |errors: FieldError| {
        no_referrer(
            (StatusCode::UNPROCESSABLE_ENTITY, view::page(&ctx, &form.token, &values, &errors))
                .into_response(),
        )
    };
    if form.password != form.password_confirm {
        return Ok(again(FieldError::new("password_confirm", "The two passwords differ.")));
    }
    let request = first_run::Request {
        token: SecretString::new(form.token.clone()),
        username: form.username.clone(),
        email: form.email.clone(),
        password: SecretString::new(form.password.clone()),
        client,
    };
    match first_run::complete(&state.ports, request).await {
        Ok((token, session, _admin)) => {
            Ok(no_referrer(redirect_with_session(&state, "/account/2fa/setup", &token, &session).await?))
        }
        Err(e) => match field_error(&e) {
            Some(errors) => Ok(again(errors)),
            None => Err(e.into()),
        },
    }
}
