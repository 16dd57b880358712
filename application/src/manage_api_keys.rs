//! Creating, listing and revoking operator API keys (permission `api_keys:manage`, S29).
//!
//! A key is shown once, when it is created: storage keeps only the keyed hash of its text. A
//! key never carries more than its creator holds (the domain's `ApiKey::issue`), and an admin
//! restricted to some tenants sees and revokes only keys restricted to those tenants.

use gatehouse_domain::{
    Actor, ApiKey, ApiKeyId, AuditEvent, AuditKind, DomainError, KeyGrant, KeyKind, KeyName, Outcome,
    Permission, TenantScope, ValidationError, key_text,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ports::{Change, SecretString, Work};
use crate::tenant_ref::{TenantRef, load};
use crate::{Error, Ports, Result};

/// The most tenants one key may be restricted to by name.
pub const MAX_TENANTS: usize = 1_000;

/// What an admin asks for; every field is validated here.
#[derive(Debug, Clone, Default)]
pub struct CreateApiKey {
    pub name: String,
    pub scopes: std::collections::BTreeSet<Permission>,
    /// The tenants the key may act on; empty for every tenant.
    pub tenants: Vec<TenantRef>,
    pub expires_at: Option<OffsetDateTime>,
    /// `None` takes the server's default rate.
    pub rate_per_minute: Option<u32>,
}

/// A fresh key of `kind` named `id`: its text, to show once, and the keyed hash storage keeps.
pub(crate) fn new_key_text(ports: &Ports, kind: KeyKind, id: Uuid) -> (SecretString, Vec<u8>) {
    let text = key_text(kind, id, ports.tokens.new_token().expose());
    let hash = ports.tokens.hash(&text);
    (SecretString::new(text), hash)
}

/// Creates a key; returns it with its text, which is never available again.
pub async fn create(ports: &Ports, actor: &Actor, req: CreateApiKey) -> Result<(ApiKey, SecretString)> {
    actor.require(Permission::ApiKeysManage, None)?;
    let name = KeyName::parse(&req.name)?;
    let tenants = resolve(ports, &req.tenants).await?;
    let now = ports.clock.now();
    let id = ApiKeyId::from_uuid(ports.ids.new_id());
    let grant = KeyGrant {
        name,
        scopes: req.scopes,
        tenants,
        expires_at: req.expires_at,
        rate_per_minute: req.rate_per_minute,
    };
    let key = ApiKey::issue(id, grant, actor, now)?;
    let (text, hash) = new_key_text(ports, KeyKind::Operator, id.as_uuid());
    let audit = event(ports, actor, AuditKind::ApiKeyCreated, &key, now).change(None, snapshot(&key));
    ports.work.commit(Work::new(Change::InsertApiKey { key: key.clone(), hash }, audit)).await?;
    Ok((key, text))
}

/// The keys the actor may manage, newest first; revoked ones only with `include_revoked`.
pub async fn list(ports: &Ports, actor: &Actor, include_revoked: bool) -> Result<Vec<ApiKey>> {
    actor.require(Permission::ApiKeysManage, None)?;
    let keys = ports.api_keys.list(include_revoked).await?;
    Ok(keys.into_iter().filter(|k| k.within(&actor.scope)).collect())
}

/// One key the actor may manage.
pub async fn get(ports: &Ports, actor: &Actor, id: ApiKeyId) -> Result<ApiKey> {
    actor.require(Permission::ApiKeysManage, None)?;
    let key = ports
        .api_keys
        .get(id)
        .await?
        .ok_or_else(|| Error::NotFound { what: "API key", key: id.to_string() })?;
    if !key.within(&actor.scope) {
        return Err(DomainError::Forbidden { permission: Permission::ApiKeysManage, tenant: None }.into());
    }
    Ok(key)
}

/// Revokes a key at once: the next request made with it is refused.
pub async fn revoke(ports: &Ports, actor: &Actor, id: ApiKeyId) -> Result<ApiKey> {
    let before = get(ports, actor, id).await?;
    let now = ports.clock.now();
    let mut after = before.clone();
    after.revoke(now)?;
    let audit = event(ports, actor, AuditKind::ApiKeyRevoked, &after, now)
        .change(snapshot(&before), snapshot(&after));
    ports.work.commit(Work::new(Change::RevokeApiKey { id, at: now }, audit)).await?;
    Ok(after)
}

/// The tenants named, as a scope: every tenant when none is named.
async fn resolve(ports: &Ports, refs: &[TenantRef]) -> Result<TenantScope> {
    if refs.is_empty() {
        return Ok(TenantScope::All);
    }
    if refs.len() > MAX_TENANTS {
        return Err(ValidationError::new("tenants", format!("name at most {MAX_TENANTS} tenants")).into());
    }
    let mut ids = std::collections::BTreeSet::new();
    for r in refs {
        ids.insert(load(ports, r).await?.id);
    }
    Ok(TenantScope::Only(ids))
}

/// An audit event about `key`, tied to its tenant when it is restricted to exactly one.
fn event(ports: &Ports, actor: &Actor, kind: AuditKind, key: &ApiKey, now: OffsetDateTime) -> AuditEvent {
    let audit = AuditEvent::new(ports.ids.new_id(), now, kind, actor, Outcome::Success).reason(format!(
        "API key {:?} ({})",
        key.name.as_str(),
        key.id
    ));
    if let TenantScope::Only(set) = &key.tenants
        && let (1, Some(only)) = (set.len(), set.first())
    {
        audit.tenant(*only)
    } else {
        audit
    }
}

fn snapshot(key: &ApiKey) -> Option<serde_json::Value> {
    serde_json::to_value(key).ok()
}

#[cfg(test)]
mod tests;
