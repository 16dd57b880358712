//! Analytics (`/analytics?month=YYYY-MM`, `usage:view`): usage per plan over a month, and the
//! month's billing preparation (`billing:export`) as a paginated table and a CSV download
//! (`/analytics/billing.csv?month=…`) streamed page by page, so a large platform never holds
//! the whole report in memory.

pub mod csv;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream;
use gatehouse_application::billing_report::{self, BillingPage};
use gatehouse_application::{Error, analytics};
use gatehouse_domain::{Actor, Month, TenantId};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::{Ctx, analytics as view};

/// Rows of the billing table per page.
pub const PAGE_SIZE: u32 = 50;
/// Rows fetched per round trip while streaming the CSV.
pub const EXPORT_BATCH: u32 = 1_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/analytics", get(show)).route("/analytics/billing.csv", get(billing_csv))
}

/// `?month=` and the billing table's page cursor, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AnalyticsQuery {
    pub month: String,
    /// The last tenant id of the previous page.
    pub after: String,
}

/// The month asked for, the current one when none is given.
fn month(state: &AppState, text: &str) -> Result<Month, Error> {
    if text.trim().is_empty() {
        Ok(Month::of(state.ports.clock.now().date()))
    } else {
        Ok(text.parse::<Month>()?)
    }
}

fn cursor(text: &str) -> Option<TenantId> {
    text.parse::<TenantId>().ok()
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Query(q): Query<AnalyticsQuery>,
) -> Result<Response, AppError> {
    let month = month(&state, &q.month)?;
    let data = analytics::run(&state.ports, &auth.actor, month).await?;
    // Billing is a section of the page for those who may export it; the use case decides.
    let billing =
        match billing_report::page(&state.ports, &auth.actor, month, cursor(&q.after), PAGE_SIZE).await {
            Ok(page) => Some(page),
            Err(e) if e.is_forbidden() => None,
            Err(e) => return Err(e.into()),
        };
    let this_month = Month::of(state.ports.clock.now().date());
    Ok(view::page(&ctx, &data, billing.as_ref(), this_month, !q.after.is_empty()).into_response())
}

/// The CSV header line.
pub const CSV_HEADER: &[&str] = &[
    "month",
    "tenant_id",
    "slug",
    "name",
    "status",
    "plan",
    "included_authentications",
    "used_authentications",
    "overage_authentications",
    "base_amount",
    "overage_amount",
    "total_amount",
];

fn csv_lines(page: &BillingPage) -> String {
    page.entries
        .iter()
        .map(|e| {
            let l = &e.line;
            csv::row(&[
                l.month.to_string(),
                e.tenant.id.to_string(),
                e.tenant.slug.clone(),
                e.tenant.name.clone(),
                e.tenant.status.to_string(),
                l.plan.to_string(),
                l.included_authentications.to_string(),
                l.used_authentications.to_string(),
                l.overage_authentications.to_string(),
                csv::money(l.base_cents),
                csv::money(l.overage_cents),
                csv::money(l.total_cents),
            ])
        })
        .collect()
}

/// Where the stream is: the next page's cursor, or done.
enum Next {
    After(Option<TenantId>),
    Done,
}

async fn billing_csv(
    State(state): State<AppState>,
    Full(auth): Full,
    Query(q): Query<AnalyticsQuery>,
) -> Result<Response, AppError> {
    let month = month(&state, &q.month)?;
    billing_csv_response(state, auth.actor.clone(), month).await
}

/// The month's bills as a CSV download, streamed page by page (the panel's and the API's).
pub async fn billing_csv_response(state: AppState, actor: Actor, month: Month) -> Result<Response, AppError> {
    // The first page is read before answering, so a refusal is a proper 403 (and audited).
    let first = billing_report::page(&state.ports, &actor, month, None, EXPORT_BATCH).await?;
    let mut head = csv::row(CSV_HEADER);
    head.push_str(&csv_lines(&first));
    let start = first.next.map_or(Next::Done, |n| Next::After(Some(n)));
    let rest = stream::unfold((state, actor, start), move |(state, actor, next)| async move {
        let Next::After(after) = next else { return None };
        match billing_report::page(&state.ports, &actor, month, after, EXPORT_BATCH).await {
            Ok(page) => {
                let lines = csv_lines(&page);
                let next = page.next.map_or(Next::Done, |n| Next::After(Some(n)));
                Some((Ok::<_, std::io::Error>(lines), (state, actor, next)))
            }
            Err(e) => {
                // Headers are gone; ending the body early is all that is left. Logged once.
                tracing::error!(error = %e, "billing export failed mid-stream");
                Some((Err(std::io::Error::other("billing export failed")), (state, actor, Next::Done)))
            }
        }
    });
    let body = stream::once(async move { Ok::<_, std::io::Error>(head) });
    let body = Body::from_stream(futures_util::StreamExt::chain(body, rest));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"gatehouse-billing-{month}.csv\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
