//! The system page (`/system`, owners: `settings:manage`): version, build, health checks and
//! the configuration with secrets masked.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_application::system_status;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::system::SystemInfo;
use crate::views::{Ctx, system as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/system", get(show))
}

/// `NAME = value` lines into pairs.
pub fn configuration(summary: &str) -> Vec<(String, String)> {
    summary
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

async fn show(State(state): State<AppState>, ctx: Ctx, Full(auth): Full) -> Result<Response, AppError> {
    let health = system_status::run(&state.ports, &auth.actor).await?;
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let info = SystemInfo {
        version: env!("CARGO_PKG_VERSION"),
        build: format!("{profile} build, {} {}", std::env::consts::OS, std::env::consts::ARCH),
        database_backend: state.storage.backend(),
        health,
        configuration: configuration(&state.settings.summary()),
        outbox: crate::routes::notifications::status_for(&state, &auth.actor).await?,
    };
    Ok(view::page(&ctx, &info).into_response())
}
