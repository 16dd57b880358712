//! `/api/v1/health`, `/api/v1/settings` and `/api/v1/admins`: the system's state, its
//! settings, and who administers it (read only: admins are managed in the panel and CLI).

use axum::Json;
use axum::extract::State;
use gatehouse_application::dashboard::Health;
use gatehouse_application::ports::ComponentStatus;
use gatehouse_application::{manage_admins, manage_settings, system_status};
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{Permission, SuperAdmin, TenantId, TenantScope};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::ApiJson;
use super::schema;
use crate::AppState;
use crate::errors::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(settings, put_settings))
        .routes(routes!(admins))
        .routes(routes!(api_log))
        .routes(routes!(upstream))
        .routes(routes!(notifications))
}

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentBody {
    /// `up`, `down` or `not_configured`.
    status: &'static str,
    latency_ms: Option<f64>,
    /// Why it is down.
    error: Option<String>,
}

impl From<&ComponentStatus> for ComponentBody {
    fn from(c: &ComponentStatus) -> Self {
        match c {
            ComponentStatus::NotConfigured => {
                ComponentBody { status: "not_configured", latency_ms: None, error: None }
            }
            ComponentStatus::Up { latency } => {
                ComponentBody { status: "up", latency_ms: Some(latency.as_secs_f64() * 1000.0), error: None }
            }
            ComponentStatus::Down { error } => {
                ComponentBody { status: "down", latency_ms: None, error: Some(error.clone()) }
            }
        }
    }
}

/// The health of Gatehouse and what it depends on.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    database: ComponentBody,
    upstream: ComponentBody,
    smtp: ComponentBody,
    uptime_seconds: f64,
    resident_memory_bytes: Option<u64>,
}

impl From<&Health> for HealthBody {
    fn from(h: &Health) -> Self {
        HealthBody {
            database: ComponentBody::from(&h.database),
            upstream: ComponentBody::from(&h.upstream),
            smtp: ComponentBody::from(&h.smtp),
            uptime_seconds: h.process.uptime.as_secs_f64(),
            resident_memory_bytes: h.process.resident_memory_bytes,
        }
    }
}

/// Database, upstream, SMTP and process health.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = HealthBody)))]
async fn health(State(state): State<AppState>, caller: Caller) -> Result<Json<HealthBody>, AppError> {
    let h = system_status::run(&state.ports, &caller.actor).await?;
    Ok(Json(HealthBody::from(&h)))
}

/// The system settings, as stored (durations in seconds, delays in milliseconds).
#[derive(Debug, ToSchema)]
#[schema(as = Settings)]
#[allow(dead_code, reason = "a schema only: the body is SystemSettings itself")]
pub struct SettingsBody {
    require_2fa: bool,
    session: SessionBody,
    lockout: LockoutBody,
    #[schema(schema_with = schema::plan)]
    default_plan: String,
    maintenance_banner: Option<String>,
}

/// Session rules.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "a schema only")]
pub struct SessionBody {
    idle_timeout: i64,
    absolute_timeout: i64,
    partial_timeout: i64,
    bind_ip: bool,
    bind_user_agent: bool,
}

/// Lockout rules.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "a schema only")]
pub struct LockoutBody {
    enabled: bool,
    max_failures: u32,
    window: i64,
    lock_duration: i64,
    max_failures_per_hour: u32,
    base_delay: i64,
    max_delay: i64,
}

/// The system settings.
#[utoipa::path(get, path = "/settings", tag = "system", responses((status = 200, body = SettingsBody)))]
async fn settings(State(state): State<AppState>, caller: Caller) -> Result<Json<SystemSettings>, AppError> {
    Ok(Json(manage_settings::get(&state.ports, &caller.actor).await?))
}

/// Replaces the system settings; fields left out take their defaults.
#[utoipa::path(put, path = "/settings", tag = "system", request_body = SettingsBody,
    responses((status = 200, body = SettingsBody)))]
async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SystemSettings>,
) -> Result<Json<SystemSettings>, AppError> {
    Ok(Json(manage_settings::update(&state.ports, &caller.actor, body).await?))
}

/// A SuperAdmin, without secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBody {
    id: Uuid,
    username: String,
    email: String,
    role: &'static str,
    #[schema(schema_with = schema::permissions)]
    permissions: Vec<Permission>,
    /// `null`: every tenant.
    tenants: Option<Vec<Uuid>>,
    /// `active` or `disabled`.
    status: String,
    totp_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<&SuperAdmin> for AdminBody {
    fn from(a: &SuperAdmin) -> Self {
        AdminBody {
            id: a.id.as_uuid(),
            username: a.username.to_string(),
            email: a.email.as_str().to_owned(),
            role: a.role.as_str(),
            permissions: a.permissions().into_iter().collect(),
            tenants: match &a.scope {
                TenantScope::All => None,
                TenantScope::Only(set) => Some(set.iter().map(TenantId::as_uuid).collect()),
            },
            status: format!("{:?}", a.status).to_lowercase(),
            totp_enabled: a.totp_enabled,
            created_at: a.created_at,
        }
    }
}

/// Every SuperAdmin.
#[utoipa::path(get, path = "/admins", tag = "system", responses((status = 200, body = Vec<AdminBody>)))]
async fn admins(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<AdminBody>>, AppError> {
    let list = manage_admins::list(&state.ports, &caller.actor).await?;
    Ok(Json(list.iter().map(AdminBody::from).collect()))
}

/// Which calls of the API log to read.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApiLogParams {
    /// Only calls about this tenant (id or slug).
    tenant: Option<String>,
    /// At most this many, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One API call.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiCallBody {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    key_id: Option<Uuid>,
    tenant: Option<Uuid>,
    method: String,
    path: String,
    status: u16,
    duration_ms: u32,
    request_id: String,
}

/// The newest API calls first.
#[utoipa::path(get, path = "/api-log", tag = "system", params(ApiLogParams),
    responses((status = 200, body = Vec<ApiCallBody>)))]
async fn api_log(
    State(state): State<AppState>,
    caller: Caller,
    super::extract::ApiQuery(q): super::extract::ApiQuery<ApiLogParams>,
) -> Result<Json<Vec<ApiCallBody>>, AppError> {
    let tenant = q
        .tenant
        .map(|t| t.parse::<gatehouse_application::TenantRef>())
        .transpose()
        .map_err(|e| AppError::App(e.into()))?;
    let calls = gatehouse_application::api_log::recent(
        &state.ports,
        &caller.actor,
        tenant.as_ref(),
        q.limit.unwrap_or(100),
    )
    .await?;
    Ok(Json(
        calls
            .into_iter()
            .map(|c| ApiCallBody {
                at: c.at,
                key_id: c.key_id,
                tenant: c.tenant_id.map(|t| t.as_uuid()),
                method: c.method,
                path: c.path,
                status: c.status,
                duration_ms: c.duration_ms,
                request_id: c.request_id,
            })
            .collect(),
    ))
}

/// One recent call to the upstream.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpstreamCheckBody {
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    call: &'static str,
    latency_ms: u64,
    attempts: u32,
    error: Option<String>,
}

/// The connection to the MFA upstream as observed.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpstreamStatusBody {
    /// `not_configured`, `unknown`, `up`, `degraded` or `down`.
    state: &'static str,
    base_url: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_check: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_success: Option<OffsetDateTime>,
    last_latency_ms: Option<u64>,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Set while calls are paused by the circuit breaker.
    #[serde(default, with = "time::serde::rfc3339::option")]
    paused_until: Option<OffsetDateTime>,
    upstream_status: Option<String>,
    upstream_version: Option<String>,
    /// Newest last.
    recent: Vec<UpstreamCheckBody>,
}

/// The MFA upstream's connection status and recent calls.
#[utoipa::path(get, path = "/upstream", tag = "system", responses((status = 200, body = UpstreamStatusBody)))]
async fn upstream(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UpstreamStatusBody>, AppError> {
    let s = system_status::upstream(&state.ports, &caller.actor)?;
    Ok(Json(UpstreamStatusBody {
        state: s.state.as_str(),
        base_url: s.base_url,
        last_check: s.last_check,
        last_success: s.last_success,
        last_latency_ms: s.last_latency_ms,
        consecutive_failures: s.consecutive_failures,
        last_error: s.last_error,
        paused_until: s.paused_until,
        upstream_status: s.upstream_status,
        upstream_version: s.upstream_version,
        recent: s
            .recent
            .into_iter()
            .map(|c| UpstreamCheckBody {
                at: c.at,
                call: c.call.as_str(),
                latency_ms: c.latency_ms,
                attempts: c.attempts,
                error: c.error,
            })
            .collect(),
    }))
}

/// Which notifications to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationParams {
    /// One tenant (id or slug); required for a key restricted to some tenants.
    tenant: Option<String>,
    /// `pending`, `sent` or `dead`.
    state: Option<String>,
    /// The `id` of the last message of the previous page.
    before: Option<Uuid>,
    /// 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// A tenant notification and its delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationBody {
    id: Uuid,
    tenant: Option<Uuid>,
    /// `quota_80`, `suspended`, `support_access`, …
    kind: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    /// `pending`, `sent` or `dead`.
    state: &'static str,
    attempts: u32,
    last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

/// Tenant notifications (the e-mails of the outbox), newest first.
#[utoipa::path(get, path = "/notifications", tag = "system", params(NotificationParams),
    responses((status = 200, body = Vec<NotificationBody>)))]
async fn notifications(
    State(state): State<AppState>,
    caller: Caller,
    super::extract::ApiQuery(q): super::extract::ApiQuery<NotificationParams>,
) -> Result<Json<Vec<NotificationBody>>, AppError> {
    let invalid = |e: gatehouse_domain::ValidationError| AppError::App(e.into());
    let tenant = match q.tenant {
        Some(t) => {
            let r = t.parse::<gatehouse_application::TenantRef>().map_err(invalid)?;
            Some(gatehouse_application::show_tenant::run(&state.ports, &caller.actor, &r).await?.tenant.id)
        }
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(invalid(gatehouse_domain::ValidationError::new("limit", "must be between 1 and 200")));
    }
    let query = gatehouse_application::ports::OutboxQuery {
        tenant,
        state: q.state.map(|s| s.parse()).transpose().map_err(invalid)?,
        kind: Some(gatehouse_domain::MessageKind::Email),
        before: q.before,
        limit,
    };
    let entries = gatehouse_application::manage_outbox::list(&state.ports, &caller.actor, query).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| {
                let email = match &e.message.payload {
                    gatehouse_application::ports::Payload::Email(m) => Some(m),
                    gatehouse_application::ports::Payload::UpstreamPush => None,
                };
                NotificationBody {
                    id: e.message.id,
                    tenant: e.message.tenant.map(|t| t.as_uuid()),
                    kind: e.message.notification.map(|k| k.as_str().to_owned()),
                    to: email.map(|m| m.to.as_str().to_owned()),
                    subject: email.map(|m| m.subject.clone()),
                    state: e.state.as_str(),
                    attempts: e.attempts,
                    last_error: e.last_error,
                    created_at: e.message.created_at,
                }
            })
            .collect(),
    ))
}
