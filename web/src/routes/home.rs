//! The start page (`/`): who is signed in, and where to go. The full panel comes later.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::auth::Full;
use crate::views::{Ctx, home as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(ctx: Ctx, Full(auth): Full) -> Response {
    view::page(&ctx, &auth).into_response()
}
