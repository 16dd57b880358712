//! One action over many tenants, all or nothing, with one audit event per tenant changed.

use std::collections::HashSet;

use gatehouse_domain::{
    Actor, AuditKind, MfaMethod, Permission, Plan, Tenant, TenantId, TenantStatus, ValidationError,
};
use serde::Serialize;

use crate::change_tenant_status::audit_kind;
use crate::manage_tenant_keys::revoke_on_status;
use crate::ports::{Change, Work};
use crate::tenant_ref::{TenantRef, event, load, snapshot};
use crate::{Error, Ports, Result};

/// The most tenants one bulk action may touch; larger sets go in several calls.
pub const MAX_TENANTS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    Activate,
    Suspend { reason: String },
    Cancel { reason: String },
    ChangePlan(Plan),
    EnableMethod(MfaMethod),
    DisableMethod(MfaMethod),
}

impl BulkAction {
    fn permission(&self) -> Permission {
        match self {
            BulkAction::Activate | BulkAction::Suspend { .. } | BulkAction::Cancel { .. } => {
                Permission::TenantsSuspend
            }
            BulkAction::ChangePlan(_) => Permission::TenantsUpdate,
            BulkAction::EnableMethod(_) | BulkAction::DisableMethod(_) => Permission::FeaturesManage,
        }
    }

    /// Applies the action to one tenant: `Ok(Some(kind))` if it changed, `Ok(None)` if it was
    /// already in the wanted state.
    fn apply(&self, t: &mut Tenant, now: time::OffsetDateTime) -> Result<Option<AuditKind>> {
        let status = |t: &mut Tenant, to: TenantStatus, reason: Option<&str>| -> Result<Option<AuditKind>> {
            if t.status == to {
                return Ok(None);
            }
            t.change_status(to, reason, now)?;
            Ok(Some(audit_kind(to)))
        };
        match self {
            BulkAction::Activate => status(t, TenantStatus::Active, None),
            BulkAction::Suspend { reason } => status(t, TenantStatus::Suspended, Some(reason)),
            BulkAction::Cancel { reason } => status(t, TenantStatus::Cancelled, Some(reason)),
            BulkAction::ChangePlan(plan) => {
                if t.plan == *plan {
                    return Ok(None);
                }
                t.change_plan(*plan, now);
                Ok(Some(AuditKind::TenantPlanChanged))
            }
            BulkAction::EnableMethod(m) | BulkAction::DisableMethod(m) => {
                let mut features = t.features.clone();
                let changed = if matches!(self, BulkAction::EnableMethod(_)) {
                    features.methods.insert(*m)
                } else {
                    features.methods.remove(m)
                };
                if !changed {
                    return Ok(None);
                }
                t.set_features(features, now)?;
                Ok(Some(AuditKind::TenantFeaturesUpdated))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            BulkAction::Activate => "activate".into(),
            BulkAction::Suspend { reason } => format!("suspend: {reason}"),
            BulkAction::Cancel { reason } => format!("cancel: {reason}"),
            BulkAction::ChangePlan(p) => format!("change plan to {p}"),
            BulkAction::EnableMethod(m) => format!("enable {m}"),
            BulkAction::DisableMethod(m) => format!("disable {m}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub tenants: Vec<TenantRef>,
    pub action: BulkAction,
}

/// Why one tenant of a bulk action could not take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkFailure {
    pub tenant: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub changed: Vec<TenantId>,
    /// Already in the wanted state; left untouched.
    pub unchanged: Vec<TenantId>,
}

/// Applies the action to every tenant or to none: if any tenant refuses, nothing is written
/// and the error lists every refusal.
pub async fn run(ports: &Ports, actor: &Actor, req: Request) -> Result<Outcome> {
    actor.require(req.action.permission(), None).or_else(|e| {
        // A tenant-scoped actor may still act on its own tenants; checked per tenant below.
        if actor.sees_all_tenants() { Err(e) } else { Ok(()) }
    })?;
    if req.tenants.is_empty() || req.tenants.len() > MAX_TENANTS {
        return Err(
            ValidationError::new("tenants", format!("choose between 1 and {MAX_TENANTS} tenants")).into()
        );
    }
    let now = ports.clock.now();
    let bulk_id = ports.ids.new_id();
    let reason = format!("bulk action {bulk_id}: {}", req.action.describe());
    let mut work = Work::default();
    let mut outcome = Outcome::default();
    let mut failures = Vec::new();
    let mut seen = HashSet::new();
    for r in &req.tenants {
        let before = match load(ports, r).await {
            Ok(t) => t,
            Err(e @ (Error::NotFound { .. } | Error::Domain(_))) => {
                failures.push(BulkFailure { tenant: r.to_string(), error: e.to_string() });
                continue;
            }
            Err(e) => return Err(e),
        };
        if !seen.insert(before.id) {
            continue;
        }
        let mut after = before.clone();
        let applied = actor
            .require(req.action.permission(), Some(before.id))
            .map_err(Error::from)
            .and_then(|()| req.action.apply(&mut after, now));
        match applied {
            Ok(Some(kind)) => {
                // A tenant that stops being served loses its keys in the same transaction.
                let revoke_keys =
                    revoke_on_status(after.id, after.status, now).filter(|_| after.status != before.status);
                work.audit.push(
                    event(ports, actor, kind, &after)
                        .change(snapshot(&before), snapshot(&after))
                        .reason(&reason),
                );
                outcome.changed.push(after.id);
                let outbox = crate::notify::tenant_changed(ports, &before, &after);
                work.changes.push(Change::UpdateTenant(after));
                work.changes.extend(revoke_keys);
                work.changes.extend(outbox);
            }
            Ok(None) => outcome.unchanged.push(before.id),
            Err(e) => failures.push(BulkFailure { tenant: r.to_string(), error: e.to_string() }),
        }
    }
    if !failures.is_empty() {
        return Err(Error::Bulk(failures));
    }
    if !work.changes.is_empty() {
        ports.work.commit(work).await?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, cli, tenant};
    use gatehouse_domain::TenantSlug;

    fn two_tenants(m: &mut MockPorts) {
        m.tenants.expect_get_by_slug().returning(|slug: &TenantSlug| {
            let mut t =
                tenant(if slug.as_str() == "beta" { TenantStatus::Pending } else { TenantStatus::Active });
            t.slug = slug.clone();
            t.id = TenantId::from_uuid(uuid::Uuid::from_u128(u128::from(slug.as_str().as_bytes()[0])));
            Ok(Some(t))
        });
    }

    fn refs(slugs: &[&str]) -> Vec<TenantRef> {
        slugs.iter().map(|s| s.parse().expect("slug")).collect()
    }

    #[tokio::test]
    async fn suspends_all_with_one_event_each() {
        let mut m = MockPorts::new();
        two_tenants(&mut m);
        m.expect_commit(|w| {
            let revoked = w.changes.iter().filter(|c| matches!(c, Change::RevokeTenantKeys { .. })).count();
            assert_eq!(revoked, 2, "each suspended tenant loses its keys too");
            let updates = w.changes.iter().filter(|c| matches!(c, Change::UpdateTenant(_))).count();
            let enqueued = w.changes.iter().filter(|c| matches!(c, Change::Enqueue(_))).count();
            assert_eq!((updates, enqueued), (2, 4), "one notification and one push per tenant");
            assert_eq!(w.audit.len(), 2);
            assert!(
                w.audit.iter().all(|a| a.reason.as_deref().is_some_and(|r| r.contains("suspend: audit")))
            );
        });
        let req = Request {
            tenants: refs(&["acme", "zeta"]),
            action: BulkAction::Suspend { reason: "audit".into() },
        };
        let out = run(&m.ports(), &cli(), req).await.expect("done");
        assert_eq!(out.changed.len(), 2);
    }

    #[tokio::test]
    async fn one_refusal_writes_nothing_and_names_the_tenant() {
        let mut m = MockPorts::new();
        two_tenants(&mut m);
        let req =
            Request { tenants: refs(&["acme", "beta"]), action: BulkAction::Suspend { reason: "x".into() } };
        let Err(Error::Bulk(f)) = run(&m.ports(), &cli(), req).await else { panic!("expected bulk failure") };
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].tenant, "beta");
    }

    #[tokio::test]
    async fn already_done_is_unchanged_and_bounds_are_checked() {
        let mut m = MockPorts::new();
        two_tenants(&mut m);
        let ports = m.ports();
        let out = run(&ports, &cli(), Request { tenants: refs(&["acme"]), action: BulkAction::Activate })
            .await
            .expect("no-op");
        assert_eq!((out.changed.len(), out.unchanged.len()), (0, 1));
        let err = run(&ports, &cli(), Request { tenants: vec![], action: BulkAction::Activate })
            .await
            .expect_err("empty");
        assert_eq!(err.field(), Some("tenants"));
    }
}
