//! `/api/v1/tenants/{tenant}/support…`: the governed support view over the API — open a grant
//! with a reason, then read the tenant's end users and authentication logs live from the MFA
//! upstream while it runs (502/503 when the upstream fails or is not configured).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use gatehouse_application::support_view;
use gatehouse_domain::SupportGrant;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::problem::Problem;
use super::tenants::{TenantPath, created};
use crate::AppState;
use crate::errors::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(open)).routes(routes!(users)).routes(routes!(auth_logs))
}

/// Why support needs to look.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRequest {
    /// 5–500 characters, recorded in the audit trail.
    reason: String,
    ticket: Option<String>,
}

/// A running grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantBody {
    id: Uuid,
    tenant: Uuid,
    reason: String,
    ticket: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    granted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

impl From<&SupportGrant> for GrantBody {
    fn from(g: &SupportGrant) -> Self {
        GrantBody {
            id: g.id,
            tenant: g.tenant.as_uuid(),
            reason: g.reason.clone(),
            ticket: g.ticket.clone(),
            granted_at: g.granted_at,
            expires_at: g.expires_at,
        }
    }
}

/// Opens 15 minutes of support access to a tenant's live data (audited with the reason).
#[utoipa::path(post, path = "/tenants/{tenant}/support", tag = "support", params(TenantPath),
    request_body = SupportRequest, responses((status = 201, body = GrantBody)))]
async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<SupportRequest>,
) -> Result<Response, AppError> {
    let (t, grant) = support_view::open(
        &state.ports,
        &caller.actor,
        &path.tenant()?,
        &body.reason,
        body.ticket.as_deref(),
    )
    .await?;
    Ok(created(&format!("{}/tenants/{}/support/users", super::BASE, t.id), GrantBody::from(&grant)))
}

/// A page of end users.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersParams {
    /// 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    #[param(minimum = 0, maximum = 100_000_000)]
    offset: Option<u64>,
}

/// One end user as the upstream describes them.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndUser {
    id: String,
    email: Option<String>,
    display_name: Option<String>,
    methods: Vec<String>,
    status: Option<String>,
}

/// A page of a tenant's end users.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndUsers {
    grant: GrantBody,
    users: Vec<EndUser>,
    total: u64,
}

/// The tenant's end users, live from the MFA upstream (needs a running grant).
#[utoipa::path(get, path = "/tenants/{tenant}/support/users", tag = "support", params(TenantPath, UsersParams),
    responses((status = 200, body = EndUsers),
        (status = 502, description = "The MFA upstream failed.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No MFA upstream is configured.", body = Problem, content_type = "application/problem+json")))]
async fn users(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiQuery(q): ApiQuery<UsersParams>,
) -> Result<Json<EndUsers>, AppError> {
    let (limit, offset) = (q.limit.unwrap_or(50), q.offset.unwrap_or(0));
    if offset > 100_000_000 {
        return Err(AppError::App(
            gatehouse_domain::ValidationError::new("offset", "must be at most 100000000").into(),
        ));
    }
    let (grant, page) =
        support_view::users(&state.ports, &caller.actor, &path.tenant()?, limit, offset).await?;
    Ok(Json(EndUsers {
        grant: GrantBody::from(&grant),
        users: page
            .users
            .into_iter()
            .map(|u| EndUser {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                methods: u.methods,
                status: u.status,
            })
            .collect(),
        total: page.total,
    }))
}

/// Which part of the authentication log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    /// The last 1–90 days (default 7).
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
    /// 1–500 entries (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One authentication.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthLogBody {
    id: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    user_id: Option<String>,
    method: Option<String>,
    success: bool,
    reason: Option<String>,
}

/// A page of a tenant's authentication log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthLogs {
    grant: GrantBody,
    logs: Vec<AuthLogBody>,
    total: u64,
    next_cursor: Option<String>,
}

/// The tenant's authentication log, live from the MFA upstream (needs a running grant).
#[utoipa::path(get, path = "/tenants/{tenant}/support/auth-logs", tag = "support", params(TenantPath, LogParams),
    responses((status = 200, body = AuthLogs),
        (status = 502, description = "The MFA upstream failed.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "No MFA upstream is configured.", body = Problem, content_type = "application/problem+json")))]
async fn auth_logs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiQuery(q): ApiQuery<LogParams>,
) -> Result<Json<AuthLogs>, AppError> {
    let (days, limit) = (q.days.unwrap_or(7), q.limit.unwrap_or(100));
    let (grant, page) =
        support_view::auth_logs(&state.ports, &caller.actor, &path.tenant()?, days, limit, q.cursor).await?;
    Ok(Json(AuthLogs {
        grant: GrantBody::from(&grant),
        logs: page
            .logs
            .into_iter()
            .map(|l| AuthLogBody {
                id: l.id,
                timestamp: l.timestamp,
                user_id: l.user_id,
                method: l.method,
                success: l.success,
                reason: l.reason,
            })
            .collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    }))
}
