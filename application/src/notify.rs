//! What a tenant change owes the outside world, as outbox messages put in the same `Work` as
//! the change: one notification e-mail to the tenant's contact address, and one push of the
//! tenant's state to the MFA upstream (the kill switch: a suspension reaches the upstream
//! however long it is down, since the worker retries until it lands).
//!
//! Notifications are keyed `<kind>:<tenant>:v<version>` — the version the change saves — so a
//! change notifies once, whatever retries happen around it.

pub mod letters;

use gatehouse_domain::{NotificationKind, Tenant, TenantStatus};

use crate::Ports;
use crate::ports::{Change, OutboxMessage};

/// Which notification, if any, the move from `before` to `after` is: a status change first,
/// then a plan change, then a change of features or quotas.
pub fn kind_of(before: &Tenant, after: &Tenant) -> Option<NotificationKind> {
    if before.status != after.status {
        return Some(match (before.status, after.status) {
            (TenantStatus::Pending, TenantStatus::Active) => NotificationKind::Activated,
            (_, TenantStatus::Active) => NotificationKind::Reactivated,
            (_, TenantStatus::Suspended) => NotificationKind::Suspended,
            (_, TenantStatus::Cancelled) => NotificationKind::Cancelled,
            (_, TenantStatus::Pending) => return None,
        });
    }
    if before.plan != after.plan {
        return Some(NotificationKind::PlanChanged);
    }
    (before.features != after.features).then_some(NotificationKind::FeaturesChanged)
}

/// The outbox changes of saving `after` over `before`: the tenant's notification and the push
/// of its new state, or nothing when neither status, plan nor features moved.
pub(crate) fn tenant_changed(ports: &Ports, before: &Tenant, after: &Tenant) -> Vec<Change> {
    let Some(kind) = kind_of(before, after) else { return Vec::new() };
    let letter = match kind {
        NotificationKind::Activated => letters::activated(after),
        NotificationKind::Reactivated => letters::reactivated(after),
        NotificationKind::Suspended => letters::suspended(after),
        NotificationKind::Cancelled => letters::cancelled(after),
        NotificationKind::PlanChanged => {
            letters::plan_changed(after, before.plan, &before.features.restrict_to(after.plan).1)
        }
        _ => letters::features_changed(after),
    };
    let now = ports.clock.now();
    let key = format!("{kind}:{}:v{}", after.id, before.version + 1);
    vec![
        Change::Enqueue(OutboxMessage::notification(
            ports.ids.new_id(),
            after.id,
            kind,
            letter.to(after),
            key,
            now,
        )),
        Change::Enqueue(OutboxMessage::upstream_push(ports.ids.new_id(), after.id, now)),
    ]
}

/// The tenant's notice that support opened its live data, once per grant.
pub(crate) fn support_access(
    ports: &Ports,
    tenant: &Tenant,
    grant: &gatehouse_domain::SupportGrant,
) -> Change {
    let letter = letters::support_access(tenant, grant);
    let key = format!("{}:{}:{}", NotificationKind::SupportAccess, tenant.id, grant.id);
    Change::Enqueue(OutboxMessage::notification(
        ports.ids.new_id(),
        tenant.id,
        NotificationKind::SupportAccess,
        letter.to(tenant),
        key,
        ports.clock.now(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Payload;
    use crate::testing::{MockPorts, tenant};
    use gatehouse_domain::{MfaMethod, Plan};

    #[test]
    fn the_kind_follows_what_moved() {
        let pending = tenant(TenantStatus::Pending);
        let active = tenant(TenantStatus::Active);
        let suspended = tenant(TenantStatus::Suspended);
        assert_eq!(kind_of(&pending, &active), Some(NotificationKind::Activated));
        assert_eq!(kind_of(&suspended, &active), Some(NotificationKind::Reactivated));
        assert_eq!(kind_of(&active, &suspended), Some(NotificationKind::Suspended));
        assert_eq!(kind_of(&active, &active), None);
        let mut premium = active.clone();
        premium.plan = Plan::Premium;
        assert_eq!(kind_of(&active, &premium), Some(NotificationKind::PlanChanged));
        let mut fewer = active.clone();
        fewer.features.methods.remove(&MfaMethod::EmailOtp);
        assert_eq!(kind_of(&active, &fewer), Some(NotificationKind::FeaturesChanged));
    }

    #[test]
    fn a_change_owes_one_keyed_notification_and_one_push() {
        let ports = MockPorts::new().ports();
        let before = tenant(TenantStatus::Active);
        let mut after = before.clone();
        after.status = TenantStatus::Suspended;
        after.status_reason = Some("unpaid".into());
        let changes = tenant_changed(&ports, &before, &after);
        let [Change::Enqueue(mail), Change::Enqueue(push)] = &changes[..] else { panic!("{changes:?}") };
        assert_eq!(mail.notification, Some(NotificationKind::Suspended));
        assert_eq!(mail.dedupe_key.as_deref(), Some(format!("suspended:{}:v2", before.id).as_str()));
        let Payload::Email(email) = &mail.payload else { panic!("an e-mail") };
        assert!(email.text.contains("Reason: unpaid"));
        assert_eq!(
            (push.payload.clone(), push.tenant, push.dedupe_key.clone()),
            (Payload::UpstreamPush, Some(before.id), None)
        );
        assert!(tenant_changed(&ports, &before, &before).is_empty());
    }
}
