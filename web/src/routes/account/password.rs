//! Changing one's password (S5): the current one, the new one twice; other sessions end.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use gatehouse_application::change_password;
use gatehouse_application::ports::SecretString;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::client::ClientInfo;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::components::FieldError;
use crate::views::{Ctx, account as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/account/password", get(show).post(change))
}

async fn show(ctx: Ctx, Full(_): Full) -> Response {
    view::password(&ctx, &FieldError::default()).into_response()
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    ClientInfo(client): ClientInfo,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let again = |errors: FieldError| {
        (StatusCode::UNPROCESSABLE_ENTITY, view::password(&ctx, &errors)).into_response()
    };
    if form.password != form.password_confirm {
        return Ok(again(FieldError::new("password_confirm", "The two new passwords differ.")));
    }
    let current = SecretString::new(form.current_password);
    let new = SecretString::new(form.password);
    match change_password::run(&state.ports, &auth, &current, &new, &client).await {
        Ok(()) => Ok(Redirect::to("/account/password?notice=password_changed").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => Ok(again(errors)),
            None => Err(e.into()),
        },
    }
}
