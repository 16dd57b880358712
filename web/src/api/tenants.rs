//! `/api/v1/tenants…`: the tenant list, registration, profile, status, plan, domains, features,
//! usage and bulk actions — each a call of the same use case the panel calls.
//!
//! A tenant is addressed by id or slug (`{tenant}`). Writes take the `version` the client last
//! saw; a stale one is refused with 409 and nothing is written.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gatehouse_application::ports::{Page, SortDirection, TenantQuery, TenantSort, TenantSummary};
use gatehouse_application::update_features::{self, Update};
use gatehouse_application::{
    TenantRef, bulk_action, change_plan, change_tenant_status, list_tenants, manage_domains, register_tenant,
    show_tenant, tenant_usage, update_tenant,
};
use gatehouse_domain::{
    AdvancedFeature, Features, MfaMethod, Plan, Quotas, Tenant, TenantDomain, TenantId, TenantStatus,
    UsageTotals,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::schema;
use crate::AppState;
use crate::errors::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(change_status))
        .routes(routes!(change_plan_of))
        .routes(routes!(domains, add_domain))
        .routes(routes!(remove_domain))
        .routes(routes!(set_primary_domain))
        .routes(routes!(features, put_features))
        .routes(routes!(usage))
        .routes(routes!(bulk))
}

/// The `{tenant}` path parameter: a tenant id or slug.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantPath {
    /// The tenant's id or slug.
    tenant: String,
}

impl From<String> for TenantPath {
    fn from(tenant: String) -> Self {
        TenantPath { tenant }
    }
}

impl TenantPath {
    pub fn tenant(&self) -> Result<TenantRef, AppError> {
        self.tenant.parse::<TenantRef>().map_err(|e| AppError::App(e.into()))
    }
}

/// A tenant, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantBody {
    id: Uuid,
    name: String,
    slug: String,
    contact_email: String,
    #[schema(schema_with = schema::status)]
    status: TenantStatus,
    /// Why it was last suspended or cancelled.
    status_reason: Option<String>,
    #[schema(schema_with = schema::plan)]
    plan: Plan,
    features: FeaturesBody,
    /// The primary domain first.
    domains: Vec<DomainBody>,
    /// Send it back with a change: a change made against an older version is refused (409).
    version: i64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<&Tenant> for TenantBody {
    fn from(t: &Tenant) -> Self {
        TenantBody {
            id: t.id.as_uuid(),
            name: t.name.as_str().to_owned(),
            slug: t.slug.as_str().to_owned(),
            contact_email: t.contact_email.as_str().to_owned(),
            status: t.status,
            status_reason: t.status_reason.clone(),
            plan: t.plan,
            features: FeaturesBody::from(&t.features),
            domains: t.domains.iter().map(DomainBody::from).collect(),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// One of a tenant's hostnames.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainBody {
    hostname: String,
    is_primary: bool,
    #[serde(with = "time::serde::rfc3339")]
    added_at: OffsetDateTime,
}

impl From<&TenantDomain> for DomainBody {
    fn from(d: &TenantDomain) -> Self {
        DomainBody { hostname: d.hostname.to_string(), is_primary: d.is_primary, added_at: d.added_at }
    }
}

/// A tenant's MFA methods, advanced features and quotas.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturesBody {
    #[schema(schema_with = schema::methods)]
    methods: Vec<MfaMethod>,
    #[schema(schema_with = schema::features)]
    advanced: Vec<AdvancedFeature>,
    quotas: QuotasBody,
}

/// Limits within the plan's.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotasBody {
    #[schema(minimum = 0)]
    monthly_authentications: u64,
    /// `null`: no limit.
    #[schema(minimum = 0)]
    max_users: Option<u64>,
    #[schema(minimum = 0)]
    api_requests_per_minute: u32,
    #[schema(minimum = 0)]
    api_requests_per_hour: u32,
}

impl From<&Features> for FeaturesBody {
    fn from(f: &Features) -> Self {
        FeaturesBody {
            methods: f.methods.iter().copied().collect(),
            advanced: f.advanced.iter().copied().collect(),
            quotas: QuotasBody {
                monthly_authentications: f.quotas.monthly_authentications,
                max_users: f.quotas.max_users,
                api_requests_per_minute: f.quotas.api_requests_per_minute,
                api_requests_per_hour: f.quotas.api_requests_per_hour,
            },
        }
    }
}

impl From<FeaturesBody> for Features {
    fn from(f: FeaturesBody) -> Self {
        Features {
            methods: f.methods.into_iter().collect(),
            advanced: f.advanced.into_iter().collect(),
            quotas: Quotas {
                monthly_authentications: f.quotas.monthly_authentications,
                max_users: f.quotas.max_users,
                api_requests_per_minute: f.quotas.api_requests_per_minute,
                api_requests_per_hour: f.quotas.api_requests_per_hour,
            },
        }
    }
}

/// A column to sort the list by.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    Name,
    Slug,
    Created,
    Plan,
    Status,
}

/// Which way to sort.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

/// The list's filters, order and window: the panel's.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only tenants on this plan.
    #[param(schema_with = schema::plan)]
    plan: Option<Plan>,
    /// Only tenants in this status.
    #[param(schema_with = schema::status)]
    status: Option<TenantStatus>,
    /// A case-insensitive part of the name, slug or a domain (at most 100 characters).
    q: Option<String>,
    #[param(inline)]
    sort: Option<SortBy>,
    #[param(inline)]
    direction: Option<Direction>,
    /// Rows per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// Rows to skip, at most 100,000,000.
    #[param(minimum = 0, maximum = 100_000_000)]
    offset: Option<u64>,
}

/// One row of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantRow {
    id: Uuid,
    name: String,
    slug: String,
    #[schema(schema_with = schema::status)]
    status: TenantStatus,
    #[schema(schema_with = schema::plan)]
    plan: Plan,
    primary_domain: Option<String>,
    domain_count: u32,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<TenantSummary> for TenantRow {
    fn from(s: TenantSummary) -> Self {
        TenantRow {
            id: s.id.as_uuid(),
            name: s.name,
            slug: s.slug,
            status: s.status,
            plan: s.plan,
            primary_domain: s.primary_domain,
            domain_count: s.domain_count,
            created_at: s.created_at,
        }
    }
}

/// A page of the tenant list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    items: Vec<TenantRow>,
    /// How many tenants match the filters in all.
    total: u64,
    limit: u32,
    offset: u64,
}

/// The tenants matching the filters, a page at a time.
#[utoipa::path(get, path = "/tenants", tag = "tenants", params(ListParams),
    responses((status = 200, body = TenantList)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<TenantList>, AppError> {
    let page = Page { limit: p.limit.unwrap_or(50), offset: p.offset.unwrap_or(0) };
    let query = TenantQuery {
        plan: p.plan,
        status: p.status,
        search: p.q,
        only: None,
        sort: match p.sort.unwrap_or_default() {
            SortBy::Name => TenantSort::Name,
            SortBy::Slug => TenantSort::Slug,
            SortBy::Created => TenantSort::Created,
            SortBy::Plan => TenantSort::Plan,
            SortBy::Status => TenantSort::Status,
        },
        direction: match p.direction.unwrap_or_default() {
            Direction::Asc => SortDirection::Asc,
            Direction::Desc => SortDirection::Desc,
        },
        page,
    };
    let found = list_tenants::run(&state.ports, &caller.actor, query).await?;
    Ok(Json(TenantList {
        items: found.items.into_iter().map(TenantRow::from).collect(),
        total: found.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// A new tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenantBody {
    name: String,
    /// Derived from the name when absent.
    slug: Option<String>,
    contact_email: String,
    /// The `default_plan` setting when absent.
    #[schema(schema_with = schema::plan)]
    plan: Option<Plan>,
    /// Hostnames; the first is the primary one.
    #[serde(default)]
    domains: Vec<String>,
    /// Everything the plan allows when absent.
    features: Option<FeaturesBody>,
    /// Register straight into `active` (needs `tenants:suspend`), else `pending`.
    #[serde(default)]
    activate: bool,
}

/// A registered tenant and its first key.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    tenant: TenantBody,
    /// The key the tenant's website uses with the MFA service: shown in this answer only.
    tenant_key: super::keys::IssuedTenantKey,
}

/// Registers a tenant and issues its first key.
#[utoipa::path(post, path = "/tenants", tag = "tenants", request_body = NewTenantBody,
    responses((status = 201, body = Registration, headers(("location" = String)))))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewTenantBody>,
) -> Result<Response, AppError> {
    let req = register_tenant::Request {
        name: body.name,
        slug: body.slug,
        contact_email: body.contact_email,
        plan: body.plan,
        domains: body.domains,
        features: body.features.map(Features::from),
        activate: body.activate,
    };
    let r = register_tenant::run(&state.ports, &caller.actor, req).await?;
    let body = Registration {
        tenant: TenantBody::from(&r.tenant),
        tenant_key: super::keys::IssuedTenantKey::of(&r.key, &r.key_text, state.ports.clock.now()),
    };
    Ok(created(&format!("{}/tenants/{}", super::BASE, r.tenant.id), body))
}

/// A 201 with `Location`.
pub fn created(location: &str, body: impl Serialize) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A tenant with its month to date.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantDetails {
    tenant: TenantBody,
    /// `YYYY-MM`.
    month: String,
    month_to_date: TotalsBody,
    /// `normal`, `warning` (≥ 80 % of the monthly authentications) or `reached` (≥ 100 %).
    quota_level: String,
}

/// Usage counters summed over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsBody {
    days: u32,
    auth_attempts: u64,
    auth_successes: u64,
    auth_failures: u64,
    peak_active_users: u64,
    api_calls: u64,
    sms_sent: u64,
    emails_sent: u64,
    avg_response_ms: u32,
}

impl From<&UsageTotals> for TotalsBody {
    fn from(t: &UsageTotals) -> Self {
        TotalsBody {
            days: t.days,
            auth_attempts: t.auth_attempts,
            auth_successes: t.auth_successes,
            auth_failures: t.auth_failures,
            peak_active_users: t.peak_active_users,
            api_calls: t.api_calls,
            sms_sent: t.sms_sent,
            emails_sent: t.emails_sent,
            avg_response_ms: t.avg_response_ms,
        }
    }
}

fn quota_level(level: gatehouse_domain::QuotaLevel) -> String {
    format!("{level:?}").to_lowercase()
}

/// One tenant.
#[utoipa::path(get, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath),
    responses((status = 200, body = TenantDetails)))]
async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
) -> Result<Json<TenantDetails>, AppError> {
    let d = show_tenant::run(&state.ports, &caller.actor, &path.tenant()?).await?;
    Ok(Json(TenantDetails {
        tenant: TenantBody::from(&d.tenant),
        month: d.month.to_string(),
        month_to_date: TotalsBody::from(&d.month_to_date),
        quota_level: quota_level(d.quota_level),
    }))
}

/// Profile fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    name: Option<String>,
    contact_email: Option<String>,
    /// The version this change was made against.
    version: Option<i64>,
}

/// Changes a tenant's name or contact e-mail.
#[utoipa::path(patch, path = "/tenants/{tenant}", tag = "tenants", params(TenantPath),
    request_body = TenantPatch, responses((status = 200, body = TenantBody)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<TenantPatch>,
) -> Result<Json<TenantBody>, AppError> {
    let req = update_tenant::Request {
        tenant: path.tenant()?,
        name: body.name,
        contact_email: body.contact_email,
        expected_version: body.version,
    };
    let tenant = update_tenant::run(&state.ports, &caller.actor, req).await?;
    Ok(Json(TenantBody::from(&tenant)))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[schema(schema_with = schema::status)]
    status: TenantStatus,
    /// Required to suspend or cancel.
    reason: Option<String>,
    version: Option<i64>,
}

/// Activates, suspends or cancels a tenant.
#[utoipa::path(post, path = "/tenants/{tenant}/status", tag = "tenants", params(TenantPath),
    request_body = StatusChange, responses((status = 200, body = TenantBody)))]
async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<TenantBody>, AppError> {
    let req = change_tenant_status::Request {
        tenant: path.tenant()?,
        to: body.status,
        reason: body.reason,
        expected_version: body.version,
    };
    let tenant = change_tenant_status::run(&state.ports, &caller.actor, req).await?;
    Ok(Json(TenantBody::from(&tenant)))
}

/// A plan change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChange {
    #[schema(schema_with = schema::plan)]
    plan: Plan,
    version: Option<i64>,
}

/// The tenant after a plan change, and what the new plan switched off.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanChanged {
    tenant: TenantBody,
    /// Methods and features the new plan does not allow, now off.
    switched_off: Vec<String>,
}

/// Moves a tenant to another plan; what the new plan does not allow is switched off.
#[utoipa::path(post, path = "/tenants/{tenant}/plan", tag = "tenants", params(TenantPath),
    request_body = PlanChange, responses((status = 200, body = PlanChanged)))]
async fn change_plan_of(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<PlanChange>,
) -> Result<Json<PlanChanged>, AppError> {
    let req =
        change_plan::Request { tenant: path.tenant()?, plan: body.plan, expected_version: body.version };
    let outcome = change_plan::run(&state.ports, &caller.actor, req).await?;
    Ok(Json(PlanChanged {
        tenant: TenantBody::from(&outcome.tenant),
        switched_off: outcome.switched_off.iter().map(ToString::to_string).collect(),
    }))
}

/// A tenant's domains.
#[utoipa::path(get, path = "/tenants/{tenant}/domains", tag = "domains", params(TenantPath),
    responses((status = 200, body = Vec<DomainBody>)))]
async fn domains(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
) -> Result<Json<Vec<DomainBody>>, AppError> {
    let d = show_tenant::run(&state.ports, &caller.actor, &path.tenant()?).await?;
    Ok(Json(d.tenant.domains.iter().map(DomainBody::from).collect()))
}

/// A domain to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    hostname: String,
    version: Option<i64>,
}

/// Adds a domain (the first one becomes primary).
#[utoipa::path(post, path = "/tenants/{tenant}/domains", tag = "domains", params(TenantPath),
    request_body = NewDomain, responses((status = 201, body = TenantBody)))]
async fn add_domain(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<NewDomain>,
) -> Result<Response, AppError> {
    let tenant =
        domain_action(&state, &caller, &path, manage_domains::Action::Add, body.hostname, body.version)
            .await?;
    Ok(created(&format!("{}/tenants/{}/domains", super::BASE, tenant.id), TenantBody::from(&tenant)))
}

/// The `{tenant}` and `{hostname}` path parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DomainPath {
    /// The tenant's id or slug.
    tenant: String,
    hostname: String,
}

/// The version a change without a body was made against.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionParam {
    version: Option<i64>,
}

/// Removes a domain.
#[utoipa::path(delete, path = "/tenants/{tenant}/domains/{hostname}", tag = "domains",
    params(DomainPath, VersionParam), responses((status = 200, body = TenantBody)))]
async fn remove_domain(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<DomainPath>,
    ApiQuery(v): ApiQuery<VersionParam>,
) -> Result<Json<TenantBody>, AppError> {
    let tenant_path = TenantPath { tenant: path.tenant };
    let tenant = domain_action(
        &state,
        &caller,
        &tenant_path,
        manage_domains::Action::Remove,
        path.hostname,
        v.version,
    )
    .await?;
    Ok(Json(TenantBody::from(&tenant)))
}

/// Makes a domain the primary one.
#[utoipa::path(post, path = "/tenants/{tenant}/domains/{hostname}/primary", tag = "domains",
    params(DomainPath, VersionParam), responses((status = 200, body = TenantBody)))]
async fn set_primary_domain(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<DomainPath>,
    ApiQuery(v): ApiQuery<VersionParam>,
) -> Result<Json<TenantBody>, AppError> {
    let tenant_path = TenantPath { tenant: path.tenant };
    let action = manage_domains::Action::SetPrimary;
    let tenant = domain_action(&state, &caller, &tenant_path, action, path.hostname, v.version).await?;
    Ok(Json(TenantBody::from(&tenant)))
}

async fn domain_action(
    state: &AppState,
    caller: &Caller,
    path: &TenantPath,
    action: manage_domains::Action,
    hostname: String,
    expected_version: Option<i64>,
) -> Result<Tenant, AppError> {
    let req = manage_domains::Request { tenant: path.tenant()?, action, hostname, expected_version };
    Ok(manage_domains::run(&state.ports, &caller.actor, req).await?)
}

/// A tenant's features.
#[utoipa::path(get, path = "/tenants/{tenant}/features", tag = "features", params(TenantPath),
    responses((status = 200, body = FeaturesBody)))]
async fn features(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
) -> Result<Json<FeaturesBody>, AppError> {
    let d = show_tenant::run(&state.ports, &caller.actor, &path.tenant()?).await?;
    Ok(Json(FeaturesBody::from(&d.tenant.features)))
}

/// The whole new set of features.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturesPut {
    #[schema(schema_with = schema::methods)]
    methods: Vec<MfaMethod>,
    #[schema(schema_with = schema::features)]
    advanced: Vec<AdvancedFeature>,
    quotas: QuotasBody,
    /// The version this change was made against.
    version: Option<i64>,
}

/// Replaces a tenant's features; refused (422, nothing changed) where the plan does not allow them.
#[utoipa::path(put, path = "/tenants/{tenant}/features", tag = "features", params(TenantPath),
    request_body = FeaturesPut, responses((status = 200, body = TenantBody)))]
async fn put_features(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<FeaturesPut>,
) -> Result<Json<TenantBody>, AppError> {
    let req = update_features::Request {
        tenant: path.tenant()?,
        update: Update::Replace(
            FeaturesBody { methods: body.methods, advanced: body.advanced, quotas: body.quotas }.into(),
        ),
        expected_version: body.version,
    };
    let tenant = update_features::run(&state.ports, &caller.actor, req).await?;
    Ok(Json(TenantBody::from(&tenant)))
}

/// A date range, both ends included (at most 366 days; default: the last 30).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// First day, `YYYY-MM-DD`.
    from: Option<Date>,
    /// Last day, `YYYY-MM-DD`.
    to: Option<Date>,
}

/// One day of a tenant's usage.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayBody {
    day: Date,
    auth_attempts: u64,
    auth_successes: u64,
    auth_failures: u64,
    active_users: u64,
    api_calls: u64,
    sms_sent: u64,
    emails_sent: u64,
    avg_response_ms: u32,
}

/// A tenant's daily usage over a range, with its month to date against the quota.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageBody {
    tenant: Uuid,
    from: Date,
    to: Date,
    /// Every day of the range, zeros where nothing was recorded.
    days: Vec<DayBody>,
    totals: TotalsBody,
    month: String,
    month_to_date: TotalsBody,
    /// The monthly authentications included.
    quota: u64,
    quota_level: String,
}

/// A tenant's usage, day by day.
#[utoipa::path(get, path = "/tenants/{tenant}/usage", tag = "usage", params(TenantPath, RangeParams),
    responses((status = 200, body = UsageBody)))]
async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiQuery(range): ApiQuery<RangeParams>,
) -> Result<Json<UsageBody>, AppError> {
    let today = gatehouse_application::ports::Clock::now(state.ports.clock.as_ref()).date();
    let to = range.to.unwrap_or(today);
    let from = range.from.unwrap_or_else(|| to - time::Duration::days(29));
    let u = tenant_usage::run(&state.ports, &caller.actor, &path.tenant()?, from, to).await?;
    Ok(Json(UsageBody {
        tenant: u.tenant.id.as_uuid(),
        from: u.from,
        to: u.to,
        days: u
            .days
            .iter()
            .map(|d| DayBody {
                day: d.day,
                auth_attempts: d.auth_attempts,
                auth_successes: d.auth_successes,
                auth_failures: d.auth_failures,
                active_users: d.active_users,
                api_calls: d.api_calls,
                sms_sent: d.sms_sent,
                emails_sent: d.emails_sent,
                avg_response_ms: d.avg_response_ms,
            })
            .collect(),
        totals: TotalsBody::from(&u.totals),
        month: u.month.to_string(),
        month_to_date: TotalsBody::from(&u.month_to_date),
        quota: u.quota,
        quota_level: quota_level(u.quota_level),
    }))
}

/// What a bulk action does.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    Activate,
    Suspend,
    Cancel,
    ChangePlan,
    EnableMethod,
    DisableMethod,
}

/// One action over many tenants: all of them change, or none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// Ids or slugs, at most 10,000.
    tenants: Vec<String>,
    #[schema(inline)]
    action: BulkKind,
    /// Required for `suspend` and `cancel`.
    reason: Option<String>,
    /// Required for `change_plan`.
    #[schema(schema_with = schema::plan)]
    plan: Option<Plan>,
    /// Required for `enable_method` and `disable_method`.
    #[schema(schema_with = schema::method)]
    method: Option<MfaMethod>,
}

/// Which tenants a bulk action changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkOutcome {
    changed: Vec<Uuid>,
    /// Already as asked.
    unchanged: Vec<Uuid>,
}

/// Runs one action over many tenants, all or nothing.
#[utoipa::path(post, path = "/tenants/bulk", tag = "tenants", request_body = BulkBody,
    responses((status = 200, body = BulkOutcome)))]
async fn bulk(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BulkBody>,
) -> Result<Json<BulkOutcome>, AppError> {
    use bulk_action::BulkAction as A;
    let missing = |field: &'static str| {
        AppError::App(gatehouse_domain::ValidationError::new(field, "is required for this action").into())
    };
    let action = match body.action {
        BulkKind::Activate => A::Activate,
        BulkKind::Suspend => A::Suspend { reason: body.reason.ok_or_else(|| missing("reason"))? },
        BulkKind::Cancel => A::Cancel { reason: body.reason.ok_or_else(|| missing("reason"))? },
        BulkKind::ChangePlan => A::ChangePlan(body.plan.ok_or_else(|| missing("plan"))?),
        BulkKind::EnableMethod => A::EnableMethod(body.method.ok_or_else(|| missing("method"))?),
        BulkKind::DisableMethod => A::DisableMethod(body.method.ok_or_else(|| missing("method"))?),
    };
    let tenants = body
        .tenants
        .iter()
        .map(|t| t.parse::<TenantRef>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::App(e.into()))?;
    let outcome =
        bulk_action::run(&state.ports, &caller.actor, bulk_action::Request { tenants, action }).await?;
    Ok(Json(BulkOutcome {
        changed: outcome.changed.iter().map(TenantId::as_uuid).collect(),
        unchanged: outcome.unchanged.iter().map(TenantId::as_uuid).collect(),
    }))
}
