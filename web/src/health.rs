//! `/healthz` (the process is alive), `/readyz` (it can serve: the database answers) and
//! `/metrics` (see [`crate::metrics`]), for load balancers, orchestrators and monitoring.
//!
//! `/healthz` and `/readyz` are public, so they reveal states and timings only: no error text,
//! no host names, no configuration. Readiness depends on the database alone. The MFA upstream
//! and SMTP are reported in the body but never make an instance unready: they are shared by
//! every instance, so failing readiness for them would take the whole panel out of the load
//! balancer at the moment operators need it to look into the outage — and logging in, tenants
//! and the audit trail work without them.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use gatehouse_application::ports::ComponentStatus;
use serde::Serialize;

use crate::{AppState, metrics};

/// The health routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::serve))
}

/// Alive: answers as long as the process serves requests.
async fn healthz() -> &'static str {
    "ok"
}

/// The body of `/readyz`.
#[derive(Debug, Serialize)]
struct Readiness {
    /// `ready` or `unavailable`.
    status: &'static str,
    /// The database backend: `sqlite` or `postgres`.
    database: &'static str,
    components: Components,
}

#[derive(Debug, Serialize)]
struct Components {
    database: Component,
    upstream: Component,
    smtp: Component,
}

/// One dependency as the public may see it: its state and, when up, its round-trip time.
#[derive(Debug, Serialize)]
struct Component {
    /// `up`, `down` or `not_configured`.
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<u64>,
}

impl From<&ComponentStatus> for Component {
    fn from(status: &ComponentStatus) -> Self {
        match status {
            ComponentStatus::Up { latency } => Component { state: "up", latency_ms: Some(millis(*latency)) },
            // The reason stays in the log and on the admins' dashboard.
            ComponentStatus::Down { .. } => Component { state: "down", latency_ms: None },
            ComponentStatus::NotConfigured => Component { state: "not_configured", latency_ms: None },
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Ready: 200 when the database answers, 503 otherwise; the other components are reported
/// whatever their state.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let probe = &state.ports.probe;
    let (database, upstream, smtp) = tokio::join!(probe.database(), probe.upstream(), probe.smtp());
    let ready = matches!(database, ComponentStatus::Up { .. });
    if let ComponentStatus::Down { error } = &database {
        tracing::warn!(error = %error, "readiness check failed: the database does not answer");
    }
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        database: state.storage.backend(),
        components: Components {
            database: Component::from(&database),
            upstream: Component::from(&upstream),
            smtp: Component::from(&smtp),
        },
    };
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body))
}
