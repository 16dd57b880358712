//! `/api/v1/usage`, `/api/v1/billing` and `/api/v1/audit`: system-wide usage by plan, the
//! month's bills (JSON pages or one CSV), and the audit trail with a cursor.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use gatehouse_application::ports::AuditQuery;
use gatehouse_application::{analytics, audit_query, billing_report};
use gatehouse_domain::{AuditKind, AuditRecord, Month, Outcome, Plan, TenantId};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::ApiQuery;
use super::schema;
use super::tenants::TotalsBody;
use crate::AppState;
use crate::errors::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(usage))
        .routes(routes!(billing))
        .routes(routes!(billing_csv))
        .routes(routes!(audit))
}

/// A month, `YYYY-MM` (default: the current one).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthParam {
    #[param(value_type = Option<String>, pattern = r"^\d{4}-\d{2}$")]
    month: Option<Month>,
}

fn month_or_current(state: &AppState, month: Option<Month>) -> Month {
    month.unwrap_or_else(|| Month::of(state.ports.clock.now().date()))
}

/// One day of usage summed over tenants.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayPointBody {
    day: Date,
    auth_attempts: u64,
    auth_successes: u64,
    auth_failures: u64,
    api_calls: u64,
    /// `null` on a day without attempts.
    success_rate: Option<f64>,
    avg_response_ms: u32,
}

/// One plan's usage over the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanUsage {
    #[schema(schema_with = schema::plan)]
    plan: Plan,
    days: Vec<DayPointBody>,
    totals: TotalsBody,
    success_rate: Option<f64>,
}

/// Usage across tenants, by plan, day by day.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    month: String,
    from: Date,
    to: Date,
    plans: Vec<PlanUsage>,
}

/// Usage across all tenants in a month, per plan and day.
#[utoipa::path(get, path = "/usage", tag = "usage", params(MonthParam),
    responses((status = 200, body = UsageReport)))]
async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MonthParam>,
) -> Result<Json<UsageReport>, AppError> {
    let month = month_or_current(&state, q.month);
    let a = analytics::run(&state.ports, &caller.actor, month).await?;
    Ok(Json(UsageReport {
        month: a.month.to_string(),
        from: a.from,
        to: a.to,
        plans: a
            .plans
            .iter()
            .map(|p| PlanUsage {
                plan: p.plan,
                days: p
                    .days
                    .iter()
                    .map(|d| DayPointBody {
                        day: d.day,
                        auth_attempts: d.auth_attempts,
                        auth_successes: d.auth_successes,
                        auth_failures: d.auth_failures,
                        api_calls: d.api_calls,
                        success_rate: d.success_rate,
                        avg_response_ms: d.avg_response_ms,
                    })
                    .collect(),
                totals: TotalsBody::from(&p.totals),
                success_rate: p.success_rate,
            })
            .collect(),
    }))
}

/// A page of the month's bills.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BillingParams {
    #[param(value_type = Option<String>, pattern = r"^\d{4}-\d{2}$")]
    month: Option<Month>,
    /// The `next` of the previous page.
    after: Option<Uuid>,
    /// Bills per page, 1–5,000 (default 500).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<u32>,
}

/// One tenant's bill.
#[derive(Debug, Serialize, ToSchema)]
pub struct Bill {
    tenant: Uuid,
    slug: String,
    name: String,
    #[schema(schema_with = schema::status)]
    status: gatehouse_domain::TenantStatus,
    #[schema(schema_with = schema::plan)]
    plan: Plan,
    included_authentications: u64,
    used_authentications: u64,
    overage_authentications: u64,
    /// Amounts in cents.
    base_cents: u64,
    overage_cents: u64,
    total_cents: u64,
}

/// A page of bills; ask again with `after = next` until it is `null`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingPageBody {
    month: String,
    items: Vec<Bill>,
    next: Option<Uuid>,
}

/// The month's bills, a page at a time.
#[utoipa::path(get, path = "/billing", tag = "billing", params(BillingParams),
    responses((status = 200, body = BillingPageBody)))]
async fn billing(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BillingParams>,
) -> Result<Json<BillingPageBody>, AppError> {
    let month = month_or_current(&state, q.month);
    let after = q.after.map(TenantId::from_uuid);
    let page =
        billing_report::page(&state.ports, &caller.actor, month, after, q.limit.unwrap_or(500)).await?;
    Ok(Json(BillingPageBody {
        month: page.month.to_string(),
        items: page
            .entries
            .iter()
            .map(|e| Bill {
                tenant: e.tenant.id.as_uuid(),
                slug: e.tenant.slug.clone(),
                name: e.tenant.name.clone(),
                status: e.tenant.status,
                plan: e.line.plan,
                included_authentications: e.line.included_authentications,
                used_authentications: e.line.used_authentications,
                overage_authentications: e.line.overage_authentications,
                base_cents: e.line.base_cents,
                overage_cents: e.line.overage_cents,
                total_cents: e.line.total_cents,
            })
            .collect(),
        next: page.next.map(|t| t.as_uuid()),
    }))
}

/// The month's bills as one CSV file (the panel's export).
#[utoipa::path(get, path = "/billing.csv", tag = "billing", params(MonthParam),
    responses((status = 200, description = "The bills, one tenant a line", content_type = "text/csv",
        body = String)))]
async fn billing_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MonthParam>,
) -> Result<Response, AppError> {
    let month = month_or_current(&state, q.month);
    crate::routes::analytics::billing_csv_response(state, caller.actor, month).await
}

/// Filters and cursor of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// The actor's label (username, key name), exactly.
    actor: Option<String>,
    tenant: Option<Uuid>,
    /// An event kind such as `tenant_suspended`.
    kind: Option<String>,
    /// `success`, `failure` or `denied`.
    outcome: Option<String>,
    /// From this time on (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    since: Option<OffsetDateTime>,
    /// Up to this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    until: Option<OffsetDateTime>,
    /// The `next` of the previous page: records older than it.
    #[param(minimum = 1)]
    before: Option<i64>,
    /// Records per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditBody {
    seq: i64,
    id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    kind: String,
    actor_type: String,
    actor_id: Option<String>,
    actor_label: String,
    tenant: Option<Uuid>,
    outcome: String,
    reason: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    hash: String,
}

impl From<AuditRecord> for AuditBody {
    fn from(r: AuditRecord) -> Self {
        let e = r.event;
        AuditBody {
            seq: r.seq,
            id: e.id,
            at: e.at,
            kind: e.kind.as_str().to_owned(),
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            tenant: e.tenant_id.map(|t| t.as_uuid()),
            outcome: e.outcome.as_str().to_owned(),
            reason: e.reason,
            ip: e.ip,
            user_agent: e.user_agent,
            before: e.before,
            after: e.after,
            hash: r.hash,
        }
    }
}

/// A page of audit records, newest first; ask again with `before = next` until it is `null`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    items: Vec<AuditBody>,
    next: Option<i64>,
}

fn keyword<T: Copy>(
    field: &'static str,
    text: Option<&str>,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Option<T>, AppError> {
    let Some(text) = text else { return Ok(None) };
    all.iter().copied().find(|v| name(*v) == text).map(Some).ok_or_else(|| {
        AppError::App(
            gatehouse_domain::ValidationError::new(field, format!("{text:?} is not a known {field}")).into(),
        )
    })
}

/// The audit trail, newest first, filtered.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage)))]
async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, AppError> {
    let limit = q.limit.unwrap_or(100);
    let query = AuditQuery {
        tenant: q.tenant.map(TenantId::from_uuid),
        kind: keyword("kind", q.kind.as_deref(), AuditKind::ALL, AuditKind::as_str)?,
        kinds: Vec::new(),
        outcome: keyword("outcome", q.outcome.as_deref(), Outcome::ALL, Outcome::as_str)?,
        actor: q.actor,
        since: q.since,
        until: q.until,
        before_seq: q.before,
        limit,
    };
    let records = audit_query::run(&state.ports, &caller.actor, query).await?;
    let next = if records.len() == limit as usize { records.last().map(|r| r.seq) } else { None };
    Ok(Json(AuditPage { items: records.into_iter().map(AuditBody::from).collect(), next }))
}
