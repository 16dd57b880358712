//! The contract's calls as the stand-in answers them, and its control endpoints.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use time::{Date, Duration as Days, OffsetDateTime};
use uuid::Uuid;

use super::wire::{self, ErrorBody, PLANS, STATUSES};
use super::{Call, Fault, Shared, TenantRecord, World, generate, lock};

type Answer = Result<Response, Refusal>;
type Params = Query<HashMap<String, String>>;

/// The contract's error body.
pub(super) fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: code.to_owned(), detail: detail.into() })).into_response()
}

/// A call refused with the contract's error body.
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        error(self.status, self.code, self.detail)
    }
}

fn refuse(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal { status, code, detail: detail.into() }
}

fn bad(detail: impl Into<String>) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, "invalid_request", detail)
}

pub(super) async fn health() -> Response {
    Json(wire::Health { status: "ok".into(), version: "stand-in 1.0".into(), contract: 1 }).into_response()
}

/// `X-Tenant-ID` of a registered tenant whose `X-Tenant-Key`, when sent, is right.
fn tenant_of(world: &World, headers: &HeaderMap) -> Result<(Uuid, TenantRecord), Refusal> {
    let id = header(headers, "x-tenant-id").ok_or_else(|| bad("X-Tenant-ID is missing"))?;
    let id = Uuid::parse_str(id).map_err(|_| bad("X-Tenant-ID is not a UUID"))?;
    let record = world
        .tenants
        .get(&id)
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "unknown_tenant", format!("no tenant {id}")))?;
    if header(headers, "x-tenant-key").is_some_and(|k| k != record.tenant_key) {
        return Err(refuse(StatusCode::FORBIDDEN, "invalid_tenant_key", "X-Tenant-Key does not match"));
    }
    Ok((id, record.clone()))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Query parameter `name`, if given.
fn param<T: std::str::FromStr>(params: &HashMap<String, String>, name: &str) -> Result<Option<T>, Refusal> {
    params.get(name).map(|text| text.parse().map_err(|_| bad(format!("{name} is not a number")))).transpose()
}

fn within(name: &str, value: u32, max: u32) -> Result<u32, Refusal> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(bad(format!("{name} must be between 1 and {max}")))
    }
}

pub(super) async fn stats(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Answer {
    let (id, _) = tenant_of(&lock(&shared.world), &headers)?;
    let today = shared.today();
    let daily = match params.get("since") {
        None => None,
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let since = Date::parse(text, &format).map_err(|_| bad("since is not a date like 2026-11-01"))?;
            if since < today - Days::days(366) {
                return Err(bad("since may be at most 366 days ago"));
            }
            Some(generate::days(id, since, today))
        }
    };
    let month = generate::days(id, today.replace_day(1).unwrap_or(today), today);
    let (attempts, successes) = month.iter().fold((0, 0), |(a, s), d| (a + d.attempts, s + d.successes));
    #[expect(clippy::cast_precision_loss, reason = "a percentage")]
    let rate = if attempts == 0 { 0.0 } else { (successes as f64 / attempts as f64 * 1000.0).round() / 10.0 };
    Ok(Json(wire::Stats {
        total_users: generate::user_count(id),
        active_users: month.last().map_or(0, |d| d.active_users),
        total_authentications: attempts + generate::earlier_authentications(id, today),
        monthly_authentications: attempts,
        success_rate: rate,
        daily,
    })
    .into_response())
}

/// A JSON body in the contract's request shape, or a 400 naming what is wrong.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(bytes).map_err(|e| bad(format!("body: {e}")))
}

fn check_names(plan: &str, status: &str, features: &wire::Features) -> Result<(), Refusal> {
    if !PLANS.contains(&plan) {
        return Err(bad(format!("unknown plan {plan:?}")));
    }
    if !STATUSES.contains(&status) {
        return Err(bad(format!("unknown status {status:?}")));
    }
    features.unknown_name().map_or(Ok(()), |name| Err(bad(format!("unknown method or feature {name:?}"))))
}

fn same_id(headers: &HeaderMap, id: Uuid) -> Result<(), Refusal> {
    match header(headers, "x-tenant-id").map(Uuid::parse_str) {
        Some(Ok(h)) if h == id => Ok(()),
        _ => Err(bad("X-Tenant-ID must be the body's tenant_id")),
    }
}

pub(super) async fn register(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let request: wire::RegisterRequest = body(&bytes)?;
    same_id(&headers, request.tenant_id)?;
    check_names(&request.plan, &request.status, &request.features)?;
    if request.name.trim().is_empty() || request.domains.is_empty() {
        return Err(bad("a tenant needs a name and at least one domain"));
    }
    let id = request.tenant_id;
    let mut world = lock(&shared.world);
    if let Some(taken) =
        request.domains.iter().find(|d| world.domains.get(*d).is_some_and(|owner| *owner != id))
    {
        return Err(refuse(
            StatusCode::CONFLICT,
            "domain_taken",
            format!("{taken} belongs to another tenant"),
        ));
    }
    let created = !world.tenants.contains_key(&id);
    let tenant_key = generate::tenant_key(id);
    // A stale re-registration (an older version) changes nothing; the answer is the same.
    let stale = world.tenants.get(&id).is_some_and(|old| old.version > request.version);
    if !stale {
        if let Some(old) = world.tenants.get(&id) {
            for d in old.registration.domains.clone() {
                world.domains.remove(&d);
            }
        }
        for d in &request.domains {
            world.domains.insert(d.clone(), id);
        }
        let registered_at = world.tenants.get(&id).map_or_else(OffsetDateTime::now_utc, |t| t.registered_at);
        let record = TenantRecord {
            status: request.status.clone(),
            plan: request.plan.clone(),
            features: request.features.clone(),
            version: request.version,
            tenant_key: tenant_key.clone(),
            registered_at,
            registration: request,
        };
        world.tenants.insert(id, record);
    }
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(wire::Registered { tenant_id: id, created, tenant_key })).into_response())
}

pub(super) async fn features(State(shared): State<Arc<Shared>>, headers: HeaderMap, bytes: Bytes) -> Answer {
    let request: wire::FeaturesRequest = body(&bytes)?;
    same_id(&headers, request.tenant_id)?;
    check_names(&request.plan, &request.status, &request.features)?;
    let mut world = lock(&shared.world);
    tenant_of(&world, &headers)?;
    let Some(record) = world.tenants.get_mut(&request.tenant_id) else {
        return Err(refuse(StatusCode::NOT_FOUND, "unknown_tenant", "no such tenant"));
    };
    let applied = request.version >= record.version;
    if applied {
        record.status = request.status;
        record.plan = request.plan;
        record.features = request.features;
        record.version = request.version;
    }
    Ok(Json(wire::FeaturesApplied { tenant_id: request.tenant_id, applied, version: record.version })
        .into_response())
}

pub(super) async fn users(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Answer {
    let (id, record) = tenant_of(&lock(&shared.world), &headers)?;
    let limit = within("limit", param(&params, "limit")?.unwrap_or(50), 200)?;
    let offset: u64 = param(&params, "offset")?.unwrap_or(0);
    let total = generate::user_count(id);
    let domain = record.registration.domains.first().map_or("example.com", String::as_str);
    let users = (offset..total.min(offset.saturating_add(u64::from(limit))))
        .map(|i| generate::user(id, i, &record.features.methods, domain))
        .collect();
    Ok(Json(wire::Users { users, total, limit, offset }).into_response())
}

pub(super) async fn auth_logs(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Answer {
    let (id, _) = tenant_of(&lock(&shared.world), &headers)?;
    let days = within("days", param(&params, "days")?.unwrap_or(7), 90)?;
    let limit = within("limit", param(&params, "limit")?.unwrap_or(100), 500)?;
    // The cursor is opaque to clients; here it is the offset of the next entry.
    let offset: u64 = match params.get("cursor") {
        None => 0,
        Some(c) => c.strip_prefix("o").and_then(|n| n.parse().ok()).ok_or_else(|| bad("unknown cursor"))?,
    };
    let (total, logs) = generate::logs(id, shared.today(), days, offset, limit);
    let next = offset + logs.len() as u64;
    let next_cursor = (next < total).then(|| format!("o{next}"));
    Ok(Json(wire::Logs { logs, total, next_cursor }).into_response())
}

/// `POST /_stand-in/fault`: `{"fault": "none" | "slow" (+ "ms") | "server_errors" |
/// "fail_next" (+ "count") | "rate_limited" (+ "retry_after") | "drop_connections" |
/// "wrong_token" | "malformed_json"}`.
#[derive(Debug, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
enum FaultRequest {
    None,
    Slow { ms: u64 },
    ServerErrors,
    FailNext { count: u32 },
    RateLimited { retry_after: u64 },
    DropConnections,
    WrongToken,
    MalformedJson,
}

pub(super) async fn set_fault(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Answer {
    let fault = match body::<FaultRequest>(&bytes)? {
        FaultRequest::None => Fault::None,
        FaultRequest::Slow { ms } => Fault::Slow(Duration::from_millis(ms)),
        FaultRequest::ServerErrors => Fault::ServerErrors,
        FaultRequest::FailNext { count } => Fault::FailNext(count),
        FaultRequest::RateLimited { retry_after } => Fault::RateLimited { retry_after },
        FaultRequest::DropConnections => Fault::DropConnections,
        FaultRequest::WrongToken => Fault::WrongToken,
        FaultRequest::MalformedJson => Fault::MalformedJson,
    };
    *lock(&shared.fault) = fault;
    Ok(Json(json!({ "fault": format!("{fault:?}") })).into_response())
}

/// `GET /_stand-in/state`: the fault, the tenant count and the call counters.
pub(super) async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let calls: HashMap<&str, u64> =
        Call::ALL.iter().map(|c| (c.as_str(), shared.calls[c.index()].load(Ordering::Relaxed))).collect();
    Json(json!({
        "fault": format!("{:?}", shared.fault()),
        "tenants": lock(&shared.world).tenants.len(),
        "calls": calls,
        "dropped": shared.dropped.load(Ordering::Relaxed),
    }))
    .into_response()
}
