//! A minimal audit page (`/audit`): the newest events, filtered by kind, outcome and actor,
//! and — on request, since it walks the whole log — whether the hash chain verifies (S28).

use std::str::FromStr as _;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_application::ports::AuditQuery;
use gatehouse_application::{audit_query, verify_audit};
use gatehouse_domain::{AuditKind, Outcome};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, audit as view};

/// The newest events shown.
const LIMIT: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

/// The filters, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub kind: String,
    pub outcome: String,
    pub actor: String,
    /// Walk the chain too (`?verify=1`).
    pub verify: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let query = AuditQuery {
        kind: AuditKind::from_str(&filters.kind).ok(),
        outcome: Outcome::from_str(&filters.outcome).ok(),
        actor: Some(filters.actor.clone()),
        limit: LIMIT,
        ..AuditQuery::default()
    };
    let records = audit_query::run(&state.ports, &auth.actor, query).await?;
    let report = match filters.verify {
        Some(_) => Some(verify_audit::run(&state.ports, &auth.actor).await?),
        None => None,
    };
    Ok(view::page(&ctx, &filters, &records, report.as_ref()).into_response())
}
