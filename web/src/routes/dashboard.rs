//! The dashboard (`/`), from `dashboard::run` (needs `usage:view`).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_application::dashboard;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, dashboard as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DashboardQuery {
    /// `off` pauses the self-refresh.
    refresh: String,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let data = dashboard::run(&state.ports, &auth.actor).await?;
    let outbox = crate::routes::notifications::status_for(&state, &auth.actor).await?;
    Ok(view::page(&ctx, &data, outbox.as_ref(), q.refresh != "off").into_response())
}
