//! The outbox page (`/notifications`, `tenants:view`): every tenant notification and upstream
//! push with its state, attempts and last error, filtered by state, kind and tenant, newest
//! first, a page at a time; and "retry now" for a dead message (`tenants:update` on its
//! tenant). The banner says when SMTP or the upstream is not configured and messages wait.
//! An admin restricted to some tenants is asked to choose one of them.

use std::str::FromStr as _;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gatehouse_application::manage_outbox::OutboxStatus;
use gatehouse_application::ports::OutboxQuery;
use gatehouse_application::{Error, TenantRef, manage_outbox, show_tenant};
use gatehouse_domain::{Actor, MessageKind, MessageState, TenantId, ValidationError};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, notifications as view};

/// Messages per page.
pub const PAGE_SIZE: u32 = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/notifications", get(list)).route("/notifications/{id}/retry", post(retry))
}

/// The filters, as typed (kept as text so the form shows them back).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub state: String,
    pub kind: String,
    /// A tenant id or slug.
    pub tenant: String,
    /// Only messages older than this one (the next page).
    pub before: String,
    /// `retried` after a retry.
    pub done: String,
}

impl Filters {
    /// The filters as a query string (no `before` or `done`), for links.
    pub fn query_string(&self) -> String {
        let pairs = [("state", &self.state), ("kind", &self.kind), ("tenant", &self.tenant)];
        let set: Vec<(&str, &str)> =
            pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.trim())).collect();
        serde_urlencoded::to_string(set).unwrap_or_default()
    }
}

fn choice<T: std::str::FromStr>(text: &str) -> Result<Option<T>, T::Err> {
    match text.trim() {
        "" => Ok(None),
        t => T::from_str(t).map(Some),
    }
}

/// The tenant a filter names; a slug is looked up through `show_tenant` (its permission).
async fn tenant(state: &AppState, actor: &Actor, text: &str) -> Result<Option<TenantId>, Error> {
    match text.trim() {
        "" => Ok(None),
        t => match TenantRef::from_str(t)? {
            TenantRef::Id(id) => Ok(Some(id)),
            slug @ TenantRef::Slug(_) => match show_tenant::run(&state.ports, actor, &slug).await {
                Ok(details) => Ok(Some(details.tenant.id)),
                Err(Error::NotFound { .. }) => {
                    Err(ValidationError::new("tenant", "no tenant has this slug").into())
                }
                Err(e) => Err(e),
            },
        },
    }
}

async fn to_query(state: &AppState, actor: &Actor, f: &Filters) -> Result<OutboxQuery, Error> {
    let before = match f.before.trim() {
        "" => None,
        t => Some(Uuid::parse_str(t).map_err(|_| ValidationError::new("before", "is not a message id"))?),
    };
    Ok(OutboxQuery {
        tenant: tenant(state, actor, &f.tenant).await?,
        state: choice::<MessageState>(&f.state)?,
        kind: choice::<MessageKind>(&f.kind)?,
        before,
        limit: PAGE_SIZE,
    })
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let status = status_for(&state, &auth.actor).await?;
    let (entries, error) = match to_query(&state, &auth.actor, &filters).await {
        Ok(q) => (manage_outbox::list(&state.ports, &auth.actor, q).await?, None),
        Err(e) if e.is_forbidden() => return Err(e.into()),
        Err(e) => match crate::routes::field_error(&e) {
            Some(fe) => (Vec::new(), Some(fe)),
            None => return Err(e.into()),
        },
    };
    let next_before =
        (entries.len() == PAGE_SIZE as usize).then(|| entries.last().map(|e| e.message.id)).flatten();
    let page = view::Page {
        filters: &filters,
        status: status.as_ref(),
        entries: &entries,
        error: error.as_ref(),
        next_before,
        retried: filters.done == "retried",
    };
    Ok(view::page(&ctx, &page).into_response())
}

/// The outbox at a glance for pages that show it in passing (dashboard, system): `None` for an
/// admin who may not read it.
pub async fn status_for(state: &AppState, actor: &Actor) -> Result<Option<OutboxStatus>, AppError> {
    match manage_outbox::status(&state.ports, actor).await {
        Ok(status) => Ok(Some(status)),
        Err(e) if e.is_forbidden() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn retry(
    State(state): State<AppState>,
    Full(auth): Full,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let entry = manage_outbox::retry(&state.ports, &auth.actor, id).await?;
    let back = match entry.message.tenant {
        Some(t) => format!("/notifications?tenant={t}&done=retried"),
        None => "/notifications?done=retried".to_owned(),
    };
    Ok(Redirect::to(&back).into_response())
}
