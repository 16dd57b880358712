//! `/api-log`: the newest calls to the JSON API, all of them (`audit:view`) or one tenant's
//! (`?tenant=<slug or id>`, `tenants:view` on that tenant). The use case decides.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_application::{TenantRef, api_log};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::Ctx;
use crate::views::api_log as view;

/// How many calls the page shows.
pub const SHOWN: u32 = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/api-log", get(show))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LogQuery {
    tenant: String,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(q): Query<LogQuery>,
) -> Result<Response, AppError> {
    let tenant = match q.tenant.trim() {
        "" => None,
        t => Some(t.parse::<TenantRef>().map_err(|e| AppError::App(e.into()))?),
    };
    let calls = api_log::recent(&state.ports, &auth.actor, tenant.as_ref(), SHOWN).await?;
    Ok(view::page(&ctx, q.tenant.trim(), &calls).into_response())
}
