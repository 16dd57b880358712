//! The audit log (`/audit`, `audit:view`): filters by actor, tenant (id or slug), kind,
//! outcome and time range, pages backwards by `before` (a sequence number), exports of the
//! current filter as CSV or JSON Lines streamed page by page (`/audit/export`), and — on
//! request, since it walks the whole log — whether the hash chain verifies (S28).

mod export;

use std::str::FromStr as _;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gatehouse_application::ports::AuditQuery;
use gatehouse_application::{Error, TenantRef, audit_query, show_tenant, verify_audit};
use gatehouse_domain::{Actor, AuditKind, Outcome, ValidationError};
use serde::Deserialize;
use time::{Date, Duration, Time};

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, audit as view};

/// Events per page.
pub const PAGE_SIZE: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list)).route("/audit/export", get(export::export))
}

/// The filters, as typed (kept as text so the form shows them back).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub kind: String,
    pub outcome: String,
    pub actor: String,
    /// A tenant id or slug.
    pub tenant: String,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    pub since: String,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub until: String,
    /// Only events older than this sequence number (the next page).
    pub before: String,
    /// Walk the chain too (`?verify=1`).
    pub verify: Option<String>,
    /// `csv` or `jsonl` (export only).
    pub format: String,
}

impl Filters {
    /// The filters as a query string (no `before`, `verify` or `format`), for links.
    pub fn query_string(&self) -> String {
        let pairs = [
            ("kind", &self.kind),
            ("outcome", &self.outcome),
            ("actor", &self.actor),
            ("tenant", &self.tenant),
            ("since", &self.since),
            ("until", &self.until),
        ];
        let set: Vec<(&str, &str)> =
            pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.trim())).collect();
        serde_urlencoded::to_string(set).unwrap_or_default()
    }
}

fn day(field: &'static str, text: &str) -> Result<Option<Date>, ValidationError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
        .map(Some)
        .map_err(|_| ValidationError::new(field, "must be a date like 2026-11-21"))
}

fn choice<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<Option<T>, ValidationError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    T::from_str(text).map(Some).map_err(|_| ValidationError::new(field, "is not one of the choices"))
}

/// The query of `filters`, resolving a tenant slug through `show_tenant` (its permission).
pub async fn to_query(state: &AppState, actor: &Actor, f: &Filters, limit: u32) -> Result<AuditQuery, Error> {
    let tenant = match f.tenant.trim() {
        "" => None,
        text => match TenantRef::from_str(text)? {
            TenantRef::Id(id) => Some(id),
            slug @ TenantRef::Slug(_) => match show_tenant::run(&state.ports, actor, &slug).await {
                Ok(details) => Some(details.tenant.id),
                Err(Error::NotFound { .. }) => {
                    return Err(ValidationError::new("tenant", "no tenant has this slug").into());
                }
                Err(e) => return Err(e),
            },
        },
    };
    let since = day("since", &f.since)?.map(|d| d.with_time(Time::MIDNIGHT).assume_utc());
    let until = day("until", &f.until)?
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(1) - Duration::microseconds(1));
    let before_seq = match f.before.trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| ValidationError::new("before", "must be a number"))?),
    };
    Ok(AuditQuery {
        tenant,
        kind: choice::<AuditKind>("kind", &f.kind)?,
        outcome: choice::<Outcome>("outcome", &f.outcome)?,
        actor: Some(f.actor.clone()),
        since,
        until,
        before_seq,
        limit,
        ..AuditQuery::default()
    })
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let query = to_query(&state, &auth.actor, &filters, PAGE_SIZE).await;
    let (records, error) = match query {
        Ok(q) => (audit_query::run(&state.ports, &auth.actor, q).await?, None),
        Err(e) if e.is_forbidden() => return Err(e.into()),
        Err(e) => match crate::routes::field_error(&e) {
            Some(fe) => (Vec::new(), Some(fe)),
            None => return Err(e.into()),
        },
    };
    let report = match filters.verify {
        Some(_) => Some(verify_audit::run(&state.ports, &auth.actor).await?),
        None => None,
    };
    let next = (records.len() == PAGE_SIZE as usize).then(|| records.last().map(|r| r.seq)).flatten();
    let page = view::Page {
        filters: &filters,
        records: &records,
        report: report.as_ref(),
        error: error.as_ref(),
        next_before: next,
    };
    Ok(view::page(&ctx, &page).into_response())
}
