//! `/healthz` (the process is alive) and `/readyz` (it can serve: the database answers), for
//! load balancers and orchestrators. Both are public and reveal nothing but the backend name.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::AppState;

/// The health routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// Alive: answers as long as the process serves requests.
async fn healthz() -> &'static str {
    "ok"
}

/// The body of `/readyz`.
#[derive(Debug, Serialize)]
struct Readiness {
    status: &'static str,
    database: &'static str,
}

/// Ready: 200 when the database answers, 503 otherwise (the cause goes to the log only).
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = state.storage.backend();
    match state.storage.ping().await {
        Ok(()) => (StatusCode::OK, Json(Readiness { status: "ready", database })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Readiness { status: "unavailable", database }))
        }
    }
}
