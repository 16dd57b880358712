//! Row mapping of the key tables: operator API keys and tenant keys. The key hashes are
//! written but never read back into the domain: lookups compare them in the database.

use std::collections::BTreeSet;

use gatehouse_application::ports::StoreError;
use gatehouse_domain::{
    ApiKey, ApiKeyId, KeyName, Permission, TenantApiKey, TenantId, TenantKeyId, TenantScope,
};
use uuid::Uuid;

use super::{Ts, corrupt};

/// The columns an `api_keys` query selects into [`ApiKeyRow`].
pub const API_KEY: &str = "id, name, scopes, tenants, expires_at, rate_per_minute, created_by, created_at, \
                           last_used_at, revoked_at";
/// The columns a `tenant_api_keys` query selects into [`TenantKeyRow`].
pub const TENANT_KEY: &str = "id, tenant_id, prefix, created_at, expires_at, revoked_at, last_used_at";

/// The values of a new `api_keys` row (its hash is bound beside them).
#[derive(Debug)]
pub struct ApiKeyValues {
    pub id: Uuid,
    pub name: String,
    pub scopes: String,
    pub tenants: String,
    pub expires_at: Option<Ts>,
    pub rate_per_minute: Option<i64>,
    pub created_by: String,
    pub created_at: Ts,
}

impl ApiKeyValues {
    pub fn of(k: &ApiKey) -> Result<ApiKeyValues, StoreError> {
        Ok(ApiKeyValues {
            id: k.id.as_uuid(),
            name: k.name.as_str().to_owned(),
            scopes: serde_json::to_string(&k.scopes).map_err(StoreError::backend)?,
            tenants: serde_json::to_string(&k.tenants).map_err(StoreError::backend)?,
            expires_at: k.expires_at.map(Ts::new),
            rate_per_minute: k.rate_per_minute.map(i64::from),
            created_by: k.created_by.clone(),
            created_at: Ts::new(k.created_at),
        })
    }
}

/// An `api_keys` row.
#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub scopes: String,
    pub tenants: String,
    pub expires_at: Option<Ts>,
    pub rate_per_minute: Option<i64>,
    pub created_by: String,
    pub created_at: Ts,
    pub last_used_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;
    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId::from_uuid(r.id),
            name: KeyName::parse(&r.name).map_err(|e| corrupt("name", e))?,
            scopes: serde_json::from_str::<BTreeSet<Permission>>(&r.scopes)
                .map_err(|e| corrupt("scopes", e))?,
            tenants: serde_json::from_str::<TenantScope>(&r.tenants).map_err(|e| corrupt("tenants", e))?,
            expires_at: r.expires_at.map(|t| t.0),
            rate_per_minute: r
                .rate_per_minute
                .map(|n| u32::try_from(n).map_err(|e| corrupt("rate_per_minute", e)))
                .transpose()?,
            created_by: r.created_by,
            created_at: r.created_at.0,
            last_used_at: r.last_used_at.map(|t| t.0),
            revoked_at: r.revoked_at.map(|t| t.0),
        })
    }
}

/// A `tenant_api_keys` row.
#[derive(Debug, sqlx::FromRow)]
pub struct TenantKeyRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub prefix: String,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

impl From<TenantKeyRow> for TenantApiKey {
    fn from(r: TenantKeyRow) -> Self {
        TenantApiKey {
            id: TenantKeyId::from_uuid(r.id),
            tenant: TenantId::from_uuid(r.tenant_id),
            prefix: r.prefix,
            created_at: r.created_at.0,
            expires_at: r.expires_at.map(|t| t.0),
            revoked_at: r.revoked_at.map(|t| t.0),
            last_used_at: r.last_used_at.map(|t| t.0),
        }
    }
}
