//! Naming a tenant the way people do: by id or by slug.

use std::fmt;
use std::str::FromStr;

use gatehouse_domain::{
    Actor, AuditEvent, AuditKind, Outcome, Tenant, TenantId, TenantSlug, ValidationError,
};

use crate::ports::{Change, Ports, Work};
use crate::{Error, Result};

/// A tenant's id or slug, as typed on the command line or in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TenantRef {
    Id(TenantId),
    Slug(TenantSlug),
}

impl FromStr for TenantRef {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(id) = s.parse::<TenantId>() {
            return Ok(TenantRef::Id(id));
        }
        TenantSlug::parse(s)
            .map(TenantRef::Slug)
            .map_err(|_| ValidationError::new("tenant", format!("{s:?} is neither a tenant id nor a slug")))
    }
}

impl From<TenantId> for TenantRef {
    fn from(id: TenantId) -> Self {
        TenantRef::Id(id)
    }
}

impl fmt::Display for TenantRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenantRef::Id(id) => id.fmt(f),
            TenantRef::Slug(slug) => slug.fmt(f),
        }
    }
}

/// Loads the tenant `r` names, or `NotFound`.
pub(crate) async fn load(ports: &Ports, r: &TenantRef) -> Result<Tenant> {
    let found = match r {
        TenantRef::Id(id) => ports.tenants.get(*id).await?,
        TenantRef::Slug(slug) => ports.tenants.get_by_slug(slug).await?,
    };
    found.ok_or_else(|| Error::tenant_not_found(r))
}

/// Loads the tenant `r` names and refuses with a version conflict if it is no longer at
/// `expected` — the version a form was filled in against. Storage's own check then covers the
/// moment between this load and the save, so no edit is ever made over one the user never saw.
pub(crate) async fn load_expecting(ports: &Ports, r: &TenantRef, expected: Option<i64>) -> Result<Tenant> {
    let tenant = load(ports, r).await?;
    match expected {
        Some(v) if v != tenant.version => Err(Error::VersionConflict(format!(
            "tenant {} was changed by someone else (now at version {}, the form was for version {v}); reload and try again",
            tenant.slug, tenant.version
        ))),
        _ => Ok(tenant),
    }
}

/// An audit event about `tenant` by `actor`, timed now.
pub(crate) fn event(ports: &Ports, actor: &Actor, kind: AuditKind, tenant: &Tenant) -> AuditEvent {
    AuditEvent::new(ports.ids.new_id(), ports.clock.now(), kind, actor, Outcome::Success).tenant(tenant.id)
}

/// A snapshot of a tenant for the audit trail's before/after.
pub(crate) fn snapshot(tenant: &Tenant) -> Option<serde_json::Value> {
    serde_json::to_value(tenant).ok()
}

/// Saves `after` (loaded as `before`) with one audit event of `kind`; returns it at its new version.
pub(crate) async fn save(
    ports: &Ports,
    actor: &Actor,
    kind: AuditKind,
    before: &Tenant,
    after: Tenant,
    reason: Option<&str>,
) -> Result<Tenant> {
    save_with(ports, actor, kind, before, after, reason, Vec::new()).await
}

/// [`save`], with `extra` changes (outbox messages the change owes) in the same work.
pub(crate) async fn save_with(
    ports: &Ports,
    actor: &Actor,
    kind: AuditKind,
    before: &Tenant,
    mut after: Tenant,
    reason: Option<&str>,
    extra: Vec<Change>,
) -> Result<Tenant> {
    let mut audit = event(ports, actor, kind, &after).change(snapshot(before), snapshot(&after));
    if let Some(reason) = reason {
        audit = audit.reason(reason);
    }
    let mut work = Work::new(Change::UpdateTenant(after.clone()), audit);
    work.changes.extend(extra);
    ports.work.commit(work).await?;
    after.version += 1;
    Ok(after)
}
