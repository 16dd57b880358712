//! `/api/v1/api-keys` (operator keys) and `/api/v1/tenants/{tenant}/keys` (the keys tenants'
//! websites use with the MFA service): create or issue (the key is in this answer and never
//! again), list, rotate, revoke.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_application::manage_tenant_keys::{self, Which};
use gatehouse_application::ports::SecretString;
use gatehouse_domain::{ApiKey, ApiKeyId, Permission, TenantApiKey, TenantId, TenantKeyId, TenantScope};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::caller::Caller;
use super::extract::{ApiJson, ApiPath};
use super::schema;
use super::tenants::{TenantPath, created};
use crate::AppState;
use crate::errors::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(tenant_keys, issue_tenant_key))
        .routes(routes!(rotate_tenant_keys))
        .routes(routes!(revoke_tenant_key))
}

/// An operator API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyBody {
    id: Uuid,
    name: String,
    #[schema(schema_with = schema::permissions)]
    scopes: Vec<Permission>,
    /// `null`: every tenant.
    tenants: Option<Vec<Uuid>>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    /// Requests per minute; `null` takes the default.
    rate_per_minute: Option<u32>,
    created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    revoked_at: Option<OffsetDateTime>,
    /// `active`, `expired` or `revoked`.
    state: &'static str,
}

impl ApiKeyBody {
    fn of(key: &ApiKey, now: OffsetDateTime) -> Self {
        ApiKeyBody {
            id: key.id.as_uuid(),
            name: key.name.as_str().to_owned(),
            scopes: key.scopes.iter().copied().collect(),
            tenants: match &key.tenants {
                TenantScope::All => None,
                TenantScope::Only(set) => Some(set.iter().map(TenantId::as_uuid).collect()),
            },
            expires_at: key.expires_at,
            rate_per_minute: key.rate_per_minute,
            created_by: key.created_by.clone(),
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
            state: key.state(now).as_str(),
        }
    }
}

/// A new key, with its secret: shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    key: ApiKeyBody,
    /// The whole key (`gh_…`): store it now, it cannot be shown again.
    secret: String,
}

/// Every operator key the caller may manage, revoked ones included.
#[utoipa::path(get, path = "/api-keys", tag = "keys", responses((status = 200, body = Vec<ApiKeyBody>)))]
async fn list_keys(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<ApiKeyBody>>, AppError> {
    let now = state.ports.clock.now();
    let keys = manage_api_keys::list(&state.ports, &caller.actor, true).await?;
    Ok(Json(keys.iter().map(|k| ApiKeyBody::of(k, now)).collect()))
}

/// What a new operator key may do.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    name: String,
    /// Permission names; a key never carries more than its creator holds.
    #[schema(schema_with = schema::permissions)]
    scopes: Vec<Permission>,
    /// Ids or slugs of the tenants the key may act on; empty or absent for every tenant.
    #[serde(default)]
    tenants: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    #[schema(minimum = 1)]
    rate_per_minute: Option<u32>,
}

/// Creates an operator key; the answer holds its secret, once.
#[utoipa::path(post, path = "/api-keys", tag = "keys", request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey)))]
async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewApiKey>,
) -> Result<Response, AppError> {
    let tenants = body
        .tenants
        .iter()
        .map(|t| t.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e: gatehouse_domain::ValidationError| AppError::App(e.into()))?;
    let request = CreateApiKey {
        name: body.name,
        scopes: body.scopes.into_iter().collect(),
        tenants,
        expires_at: body.expires_at,
        rate_per_minute: body.rate_per_minute,
    };
    let (key, secret) = manage_api_keys::create(&state.ports, &caller.actor, request).await?;
    let now = state.ports.clock.now();
    let body = CreatedApiKey { key: ApiKeyBody::of(&key, now), secret: secret.expose().to_owned() };
    Ok(created(&format!("{}/api-keys/{}", super::BASE, key.id.as_uuid()), body))
}

/// The `{id}` path parameter of a key.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    id: Uuid,
}

/// Revokes an operator key at once.
#[utoipa::path(delete, path = "/api-keys/{id}", tag = "keys", params(KeyPath),
    responses((status = 200, body = ApiKeyBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<KeyPath>,
) -> Result<Json<ApiKeyBody>, AppError> {
    let key = manage_api_keys::revoke(&state.ports, &caller.actor, ApiKeyId::from_uuid(path.id)).await?;
    state.web.api_limits.forget(path.id);
    Ok(Json(ApiKeyBody::of(&key, state.ports.clock.now())))
}

/// A tenant's key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantKeyBody {
    id: Uuid,
    tenant: Uuid,
    /// The key's first characters, to recognise it.
    prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    /// Set when a rotation gave it an end.
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    revoked_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
    state: &'static str,
}

impl TenantKeyBody {
    fn of(key: &TenantApiKey, now: OffsetDateTime) -> Self {
        TenantKeyBody {
            id: key.id.as_uuid(),
            tenant: key.tenant.as_uuid(),
            prefix: key.prefix.clone(),
            created_at: key.created_at,
            expires_at: key.expires_at,
            revoked_at: key.revoked_at,
            last_used_at: key.last_used_at,
            state: key.state(now).as_str(),
        }
    }
}

/// A tenant key just issued, with its secret: shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedTenantKey {
    #[serde(flatten)]
    key: TenantKeyBody,
    /// The whole key (`ght_…`): give it to the tenant now, it cannot be shown again.
    secret: String,
}

impl IssuedTenantKey {
    pub fn of(key: &TenantApiKey, secret: &SecretString, now: OffsetDateTime) -> Self {
        IssuedTenantKey { key: TenantKeyBody::of(key, now), secret: secret.expose().to_owned() }
    }
}

/// A tenant's keys, newest first.
#[utoipa::path(get, path = "/tenants/{tenant}/keys", tag = "keys", params(TenantPath),
    responses((status = 200, body = Vec<TenantKeyBody>)))]
async fn tenant_keys(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
) -> Result<Json<Vec<TenantKeyBody>>, AppError> {
    let keys = manage_tenant_keys::list(&state.ports, &caller.actor, &path.tenant()?).await?;
    let now = state.ports.clock.now();
    Ok(Json(keys.iter().map(|k| TenantKeyBody::of(k, now)).collect()))
}

/// Issues another key for a tenant (older keys stay valid).
#[utoipa::path(post, path = "/tenants/{tenant}/keys", tag = "keys", params(TenantPath),
    responses((status = 201, body = IssuedTenantKey)))]
async fn issue_tenant_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
) -> Result<Response, AppError> {
    let (key, secret) = manage_tenant_keys::issue(&state.ports, &caller.actor, &path.tenant()?).await?;
    let body = IssuedTenantKey::of(&key, &secret, state.ports.clock.now());
    Ok(created(&format!("{}/tenants/{}/keys", super::BASE, key.tenant), body))
}

/// A rotation: how long the older keys keep working.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rotation {
    /// Hours the older keys keep working, 0–720 (default 24).
    #[schema(minimum = 0, maximum = 720)]
    overlap_hours: Option<i64>,
}

/// Issues a new key; the older ones end after the overlap.
#[utoipa::path(post, path = "/tenants/{tenant}/keys/rotate", tag = "keys", params(TenantPath),
    request_body = Rotation, responses((status = 201, body = IssuedTenantKey)))]
async fn rotate_tenant_keys(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantPath>,
    ApiJson(body): ApiJson<Rotation>,
) -> Result<Response, AppError> {
    let overlap = time::Duration::hours(body.overlap_hours.unwrap_or(24).clamp(-1, 100_000));
    let (key, secret) =
        manage_tenant_keys::rotate(&state.ports, &caller.actor, &path.tenant()?, overlap).await?;
    let body = IssuedTenantKey::of(&key, &secret, state.ports.clock.now());
    Ok(created(&format!("{}/tenants/{}/keys", super::BASE, key.tenant), body))
}

/// The `{tenant}` and `{key}` path parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantKeyPath {
    /// The tenant's id or slug.
    tenant: String,
    /// A key's id, or `all`.
    key: String,
}

/// Revokes one of a tenant's keys (`all`: every one) at once.
#[utoipa::path(delete, path = "/tenants/{tenant}/keys/{key}", tag = "keys", params(TenantKeyPath),
    responses((status = 200, body = Vec<TenantKeyBody>)))]
async fn revoke_tenant_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<TenantKeyPath>,
) -> Result<Json<Vec<TenantKeyBody>>, AppError> {
    let which = if path.key == "all" {
        Which::All
    } else {
        let id = path.key.parse::<Uuid>().map_err(|_| {
            AppError::App(gatehouse_domain::ValidationError::new("key", "must be a key id or `all`").into())
        })?;
        Which::One(TenantKeyId::from_uuid(id))
    };
    let tenant = TenantPath::from(path.tenant).tenant()?;
    let revoked = manage_tenant_keys::revoke(&state.ports, &caller.actor, &tenant, which).await?;
    let now = state.ports.clock.now();
    Ok(Json(revoked.iter().map(|k| TenantKeyBody::of(k, now)).collect()))
}
