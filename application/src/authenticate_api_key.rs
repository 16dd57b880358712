//! Checking the key behind an API request (S29): every request made with
//! `Authorization: Bearer <key>` passes here before anything else.
//!
//! It must cost next to nothing, because the API serves thousands of requests a second: one
//! indexed read by the keyed hash of the presented text, and a write only when the key's
//! last use is older than [`TOUCH_EVERY`]. Nothing is cached, so a revocation holds from the
//! next request on, on every instance.
//!
//! To the caller, an unknown, malformed, expired or revoked key all look the same (a 401). The
//! audit trail tells them apart: a known key that is refused (revoked, expired, or presented
//! with a wrong secret) leaves an `authn_token_reuse` row — at most one per key per
//! [`REFUSAL_AUDIT_EVERY`], so a client hammering with a dead key cannot flood the log. Keys
//! whose id matches nothing are not audited: they name no one.

use gatehouse_domain::{
    Actor, ApiKey, ApiKeyId, AuditEvent, AuditKind, KeyKind, KeyStatus, Outcome, TenantApiKey, parse_key,
};
use time::Duration;

use crate::ports::{Change, StoreError, Work};
use crate::session_support::Client;
use crate::{Error, Ports, Result};

/// A key's last use is written at most this often.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);
/// A refused key is audited at most this often.
pub const REFUSAL_AUDIT_EVERY: Duration = Duration::minutes(1);

/// A request's valid key and the actor it acts as.
#[derive(Debug, Clone)]
pub struct ApiPrincipal {
    pub actor: Actor,
    pub key: ApiKey,
}

/// Why a key was refused (the caller answers 401 to all of them alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefused {
    /// No such key, a wrong secret, or not a key's shape at all.
    Unknown,
    Expired,
    Revoked,
}

/// Checks `presented` (the bearer token as sent) from `client`.
pub async fn run(
    ports: &Ports,
    presented: &str,
    client: &Client,
) -> Result<Result<ApiPrincipal, KeyRefused>> {
    let Some((KeyKind::Operator, id)) = parse_key(presented) else {
        return Ok(Err(KeyRefused::Unknown));
    };
    let id = ApiKeyId::from_uuid(id);
    // The lookup compares keyed hashes inside the index: an attacker cannot steer them byte by
    // byte, so it leaks nothing about the secret.
    let hash = ports.tokens.hash(presented);
    let key = match ports.api_keys.by_hash(&hash).await? {
        Some(key) if key.id == id => key,
        _ => {
            if let Some(known) = ports.api_keys.get(id).await? {
                audit_refusal(ports, &known, "a wrong secret", client).await?;
            }
            return Ok(Err(KeyRefused::Unknown));
        }
    };
    let now = ports.clock.now();
    match key.state(now) {
        KeyStatus::Active => {}
        KeyStatus::Expired => {
            audit_refusal(ports, &key, "expired", client).await?;
            return Ok(Err(KeyRefused::Expired));
        }
        KeyStatus::Revoked => {
            audit_refusal(ports, &key, "revoked", client).await?;
            return Ok(Err(KeyRefused::Revoked));
        }
    }
    let mut key = key;
    if key.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        ports.api_keys.touch(key.id, now).await?;
        key.last_used_at = Some(now);
    }
    Ok(Ok(ApiPrincipal { actor: Actor::api_key(&key), key }))
}

/// Checks a tenant's key (`ght_…`) the same way, for the endpoint the MFA service will verify
/// tenant keys with: the key if it is active. Its last use is written at most once a minute.
/// Refusals are not audited here: a tenant key acts as no one in Gatehouse.
pub async fn tenant_key(ports: &Ports, presented: &str) -> Result<Result<TenantApiKey, KeyRefused>> {
    let Some((KeyKind::Tenant, id)) = parse_key(presented) else {
        return Ok(Err(KeyRefused::Unknown));
    };
    let hash = ports.tokens.hash(presented);
    let Some(mut key) = ports.api_keys.tenant_key_by_hash(&hash).await?.filter(|k| k.id.as_uuid() == id)
    else {
        return Ok(Err(KeyRefused::Unknown));
    };
    let now = ports.clock.now();
    match key.state(now) {
        KeyStatus::Active => {}
        KeyStatus::Expired => return Ok(Err(KeyRefused::Expired)),
        KeyStatus::Revoked => return Ok(Err(KeyRefused::Revoked)),
    }
    if key.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
        ports.api_keys.touch_tenant_key(key.id, now).await?;
        key.last_used_at = Some(now);
    }
    Ok(Ok(key))
}

/// Audits a refused use of `key`, unless one was audited within the quiet period.
async fn audit_refusal(ports: &Ports, key: &ApiKey, why: &str, client: &Client) -> Result<()> {
    let now = ports.clock.now();
    let audit = AuditEvent::new(
        ports.ids.new_id(),
        now,
        AuditKind::AuthnTokenReuse,
        &Actor::api_key(key),
        Outcome::Denied,
    )
    .client(&client.ip, &client.user_agent)
    .reason(format!("API key {:?} ({}) refused: {why}", key.name.as_str(), key.id));
    let note = Change::NoteKeyRefusal { id: key.id, at: now, quiet_since: now - REFUSAL_AUDIT_EVERY };
    match ports.work.commit(Work::new(note, audit)).await {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(Error::from(e)),
    }
}

#[cfg(test)]
mod tests;
