//! `/api/v1/sync`: start a tenant sync (in the background, or a dry run that answers with the
//! changes it would make), and read the runs (`sync:run`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gatehouse_application::TenantRef;
use gatehouse_application::ports::{SyncRun, SyncTrigger};
use gatehouse_application::sync_tenants::{self, DEFAULT_CONCURRENCY, Request, TenantOutcome};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::errors::AppError;

/// The most tenant changes a dry run lists (the counts are always complete).
const MAX_LISTED: usize = 1_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(runs)).routes(routes!(run))
}

/// What to sync.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Only this tenant (id or slug); absent: every tenant.
    tenant: Option<String>,
    /// Answer with the changes the sync would make, and make none.
    #[serde(default)]
    dry_run: bool,
    /// Tenants synced at once, 1–64 (default 16).
    #[schema(minimum = 1, maximum = 64)]
    concurrency: Option<usize>,
}

/// A tenant failure of a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncFailureBody {
    tenant: Uuid,
    slug: String,
    reason: String,
}

/// A sync run: running while `finished_at` is null.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncRunBody {
    id: Uuid,
    /// `cli`, `panel`, `api` or `schedule`.
    trigger: &'static str,
    /// Who started it.
    actor: String,
    /// Only this tenant, when set.
    tenant: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    finished_at: Option<OffsetDateTime>,
    total: u64,
    synced: u64,
    unchanged: u64,
    failed: u64,
    /// The first failures (at most 100).
    failures: Vec<SyncFailureBody>,
    /// Why the run stopped before every tenant was handled.
    error: Option<String>,
}

impl From<SyncRun> for SyncRunBody {
    fn from(r: SyncRun) -> Self {
        SyncRunBody {
            id: r.id,
            trigger: r.trigger.as_str(),
            actor: r.actor,
            tenant: r.tenant.map(|t| t.as_uuid()),
            started_at: r.started_at,
            finished_at: r.finished_at,
            total: r.counts.total,
            synced: r.counts.synced,
            unchanged: r.counts.unchanged,
            failed: r.counts.failed,
            failures: r
                .failures
                .into_iter()
                .map(|f| SyncFailureBody { tenant: f.tenant.as_uuid(), slug: f.slug, reason: f.reason })
                .collect(),
            error: r.error,
        }
    }
}

/// One tenant a dry run would change, or could not check.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedBody {
    tenant: Uuid,
    slug: String,
    /// `synced` (would change) or `failed`.
    outcome: &'static str,
    /// What would be done, in words.
    changes: Vec<String>,
    /// Why the tenant could not be checked.
    reason: Option<String>,
}

/// What a dry run found; nothing was changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRunBody {
    total: u64,
    would_sync: u64,
    unchanged: u64,
    failed: u64,
    /// The tenants that would change or failed (at most 1,000).
    tenants: Vec<PlannedBody>,
    /// Whether more tenants would change than are listed.
    truncated: bool,
}

/// Starts a sync of every tenant (or one) in the background and answers at once with the run,
/// whose progress `GET /sync/runs/{id}` shows; 409 while another run is going on, 503 when no
/// upstream is configured. With `dry_run` it answers when done, with what it would change.
#[utoipa::path(post, path = "/sync", tag = "sync", request_body = SyncRequest, responses(
    (status = 202, description = "Started", body = SyncRunBody, headers(("location" = String))),
    (status = 200, description = "The dry run's findings", body = DryRunBody),
    (status = 503, description = "No MFA upstream is configured.", body = super::problem::Problem, content_type = "application/problem+json")))]
async fn start(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SyncRequest>,
) -> Result<Response, AppError> {
    let tenant = body
        .tenant
        .as_deref()
        .map(str::parse::<TenantRef>)
        .transpose()
        .map_err(|e| AppError::App(e.into()))?;
    let request = Request {
        tenant,
        dry_run: body.dry_run,
        concurrency: body.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        trigger: SyncTrigger::Api,
    };
    let started = sync_tenants::begin(&state.ports, &caller.actor, request).await?;
    if let Some(run) = started.run.clone() {
        crate::routes::system::run_in_background(state.ports.clone(), started);
        let mut response = (StatusCode::ACCEPTED, Json(SyncRunBody::from(run.clone()))).into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("{}/sync/runs/{}", super::BASE, run.id)) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return Ok(response);
    }
    let listed = std::sync::Mutex::new(Vec::new());
    let summary = started
        .run(&state.ports, &|p| {
            let r = p.last;
            let (outcome, reason) = match &r.outcome {
                TenantOutcome::Unchanged => return,
                TenantOutcome::Synced => ("synced", None),
                TenantOutcome::Failed { reason } => ("failed", Some(reason.clone())),
            };
            let mut listed = listed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if listed.len() < MAX_LISTED {
                listed.push(PlannedBody {
                    tenant: r.tenant.as_uuid(),
                    slug: r.slug.clone(),
                    outcome,
                    changes: r.changes.clone(),
                    reason,
                });
            }
        })
        .await;
    let tenants = listed.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let c = summary.counts;
    let truncated = c.synced + c.failed > u64::try_from(tenants.len()).unwrap_or(u64::MAX);
    let body = DryRunBody {
        total: c.total,
        would_sync: c.synced,
        unchanged: c.unchanged,
        failed: c.failed,
        tenants,
        truncated,
    };
    Ok(Json(body).into_response())
}

/// How many runs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunsParams {
    /// 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The newest sync runs first.
#[utoipa::path(get, path = "/sync/runs", tag = "sync", params(RunsParams),
    responses((status = 200, body = Vec<SyncRunBody>)))]
async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RunsParams>,
) -> Result<Json<Vec<SyncRunBody>>, AppError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(AppError::App(
            gatehouse_domain::ValidationError::new("limit", "must be between 1 and 100").into(),
        ));
    }
    let runs = sync_tenants::recent(&state.ports, &caller.actor, limit).await?;
    Ok(Json(runs.into_iter().map(SyncRunBody::from).collect()))
}

/// One sync run, running or finished.
#[utoipa::path(get, path = "/sync/runs/{id}", tag = "sync", params(("id" = Uuid, Path, description = "The run's id")),
    responses((status = 200, body = SyncRunBody)))]
async fn run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SyncRunBody>, AppError> {
    Ok(Json(sync_tenants::show(&state.ports, &caller.actor, id).await?.into()))
}
