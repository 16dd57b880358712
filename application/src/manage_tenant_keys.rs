//! A tenant's keys for the MFA service (S29): issued with the tenant, rotated with an overlap,
//! revoked; shown once, stored as a keyed hash.
//!
//! Issuing, rotating and revoking need `tenants:update` on the tenant; listing (prefixes and
//! dates, nothing secret) needs `tenants:view`. A tenant has at most one key without an end:
//! a second one comes by rotation, which gives the old keys an end `overlap` from now so the
//! website can switch over. A tenant that stops being served (suspended, cancelled) loses its
//! keys in the same transaction as the status change ([`revoke_on_status`]), and gets none
//! until it is active again.

use gatehouse_domain::{
    Actor, AuditEvent, AuditKind, KeyKind, KeyStatus, Outcome, Permission, Tenant, TenantApiKey, TenantId,
    TenantKeyId, TenantStatus, ValidationError,
};
use time::{Duration, OffsetDateTime};

use crate::manage_api_keys::new_key_text;
use crate::ports::{Change, SecretString, Work};
use crate::tenant_ref::{TenantRef, load};
use crate::{Error, Ports, Result};

/// How long the old keys keep working after a rotation, unless told otherwise.
pub const DEFAULT_OVERLAP: Duration = Duration::hours(24);
/// The longest overlap a rotation may give.
pub const MAX_OVERLAP: Duration = Duration::days(30);

/// Which keys to revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    One(TenantKeyId),
    All,
}

/// The tenant's keys, newest first, revoked ones included.
pub async fn list(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<Vec<TenantApiKey>> {
    of_tenant(ports, actor, &load(ports, tenant).await?).await
}

/// [`list`] for a tenant already loaded (the tenant page has it).
pub async fn of_tenant(ports: &Ports, actor: &Actor, tenant: &Tenant) -> Result<Vec<TenantApiKey>> {
    actor.require(Permission::TenantsView, Some(tenant.id))?;
    Ok(ports.api_keys.tenant_keys(tenant.id).await?)
}

/// Issues a key to a tenant that has none without an end (its first, or after a revocation).
pub async fn issue(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<(TenantApiKey, SecretString)> {
    let t = load_servable(ports, actor, tenant).await?;
    let now = ports.clock.now();
    let keys = ports.api_keys.tenant_keys(t.id).await?;
    if keys.iter().any(|k| k.state(now) == KeyStatus::Active && k.expires_at.is_none()) {
        return Err(
            ValidationError::new("key", "the tenant already has a key; rotate it to replace it").into()
        );
    }
    let (key, text, change, audit) = new_key(ports, actor, &t, now);
    ports.work.commit(Work::new(change, audit.reason(format!("key {} issued", key.prefix)))).await?;
    Ok((key, text))
}

/// Issues a new key and gives every older one an end `overlap` from now (at most
/// [`MAX_OVERLAP`]; zero ends them at once).
pub async fn rotate(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    overlap: Duration,
) -> Result<(TenantApiKey, SecretString)> {
    let t = load_servable(ports, actor, tenant).await?;
    if overlap.is_negative() || overlap > MAX_OVERLAP {
        return Err(ValidationError::new("overlap", "must be between 0 and 30 days").into());
    }
    let now = ports.clock.now();
    let (key, text, insert, audit) = new_key(ports, actor, &t, now);
    let ends = now + overlap;
    let ends_text = ends.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let audit = audit.reason(format!("key {} issued by rotation; older keys end at {ends_text}", key.prefix));
    let changes = vec![Change::ExpireTenantKeys { tenant: t.id, at: ends }, insert];
    ports.work.commit(Work { changes, audit: vec![audit] }).await?;
    Ok((key, text))
}

/// Revokes one key or all of them at once; returns the keys revoked (none when `All` finds no
/// key left to revoke).
pub async fn revoke(
    ports: &Ports,
    actor: &Actor,
    tenant: &TenantRef,
    which: Which,
) -> Result<Vec<TenantApiKey>> {
    let t = load(ports, tenant).await?;
    actor.require(Permission::TenantsUpdate, Some(t.id))?;
    let now = ports.clock.now();
    let keys = ports.api_keys.tenant_keys(t.id).await?;
    let (change, mut revoked): (Change, Vec<TenantApiKey>) = match which {
        Which::All => (
            Change::RevokeTenantKeys { tenant: t.id, at: now },
            keys.into_iter().filter(|k| k.revoked_at.is_none()).collect(),
        ),
        Which::One(id) => {
            let key = keys
                .into_iter()
                .find(|k| k.id == id)
                .ok_or_else(|| Error::NotFound { what: "tenant key", key: id.to_string() })?;
            if key.revoked_at.is_some() {
                return Err(
                    ValidationError::new("key", format!("key {} is already revoked", key.prefix)).into()
                );
            }
            (Change::RevokeTenantKey { tenant: t.id, id, at: now }, vec![key])
        }
    };
    if revoked.is_empty() {
        return Ok(revoked);
    }
    let prefixes: Vec<&str> = revoked.iter().map(|k| k.prefix.as_str()).collect();
    let audit = event(ports, actor, &t, now).reason(format!("revoked {}", prefixes.join(", ")));
    ports.work.commit(Work::new(change, audit)).await?;
    for k in &mut revoked {
        k.revoked_at = Some(now);
    }
    Ok(revoked)
}

/// The change that revokes a tenant's keys when it stops being served (suspended or
/// cancelled), to commit in the same `Work` as the status change — the kill switch's lever.
pub fn revoke_on_status(tenant: TenantId, to: TenantStatus, at: OffsetDateTime) -> Option<Change> {
    matches!(to, TenantStatus::Suspended | TenantStatus::Cancelled)
        .then_some(Change::RevokeTenantKeys { tenant, at })
}

/// A fresh key of `tenant`: the key, its text (shown once), its insert and its audit event
/// (`tenant_key_issued`, to be given its reason).
pub(crate) fn new_key(
    ports: &Ports,
    actor: &Actor,
    tenant: &Tenant,
    now: OffsetDateTime,
) -> (TenantApiKey, SecretString, Change, AuditEvent) {
    let id = TenantKeyId::from_uuid(ports.ids.new_id());
    let (text, hash) = new_key_text(ports, KeyKind::Tenant, id.as_uuid());
    let key = TenantApiKey::issue(id, tenant.id, text.expose(), now);
    let audit = AuditEvent::new(ports.ids.new_id(), now, AuditKind::TenantKeyIssued, actor, Outcome::Success)
        .tenant(tenant.id);
    (key.clone(), text, Change::InsertTenantKey { key, hash }, audit)
}

fn event(ports: &Ports, actor: &Actor, tenant: &Tenant, now: OffsetDateTime) -> AuditEvent {
    AuditEvent::new(ports.ids.new_id(), now, AuditKind::TenantKeyRevoked, actor, Outcome::Success)
        .tenant(tenant.id)
}

/// The tenant, if the actor may update it and it may be served (not suspended or cancelled).
async fn load_servable(ports: &Ports, actor: &Actor, tenant: &TenantRef) -> Result<Tenant> {
    let t = load(ports, tenant).await?;
    actor.require(Permission::TenantsUpdate, Some(t.id))?;
    if matches!(t.status, TenantStatus::Suspended | TenantStatus::Cancelled) {
        return Err(ValidationError::new(
            "status",
            format!("a {} tenant gets no key: only pending and active tenants do", t.status),
        )
        .into());
    }
    Ok(t)
}

#[cfg(test)]
mod tests;
