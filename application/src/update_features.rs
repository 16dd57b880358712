//! Switching a tenant's MFA methods and advanced features and setting its quotas, refused with
//! a clear error when the plan does not allow the result.

use gatehouse_domain::{Actor, AdvancedFeature, AuditKind, Features, MfaMethod, Permission, Tenant};

use crate::tenant_ref::{TenantRef, load_expecting, save_with};
use crate::{Ports, Result};

/// Changes relative to the current features; what is not named stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeaturePatch {
    pub enable_methods: Vec<MfaMethod>,
    pub disable_methods: Vec<MfaMethod>,
    pub enable_features: Vec<AdvancedFeature>,
    pub disable_features: Vec<AdvancedFeature>,
    pub monthly_authentications: Option<u64>,
    /// `Some(None)` removes the user limit.
    pub max_users: Option<Option<u64>>,
    pub api_requests_per_minute: Option<u32>,
    pub api_requests_per_hour: Option<u32>,
}

impl FeaturePatch {
    pub fn apply(&self, current: &Features) -> Features {
        let mut f = current.clone();
        f.methods.extend(&self.enable_methods);
        for m in &self.disable_methods {
            f.methods.remove(m);
        }
        f.advanced.extend(&self.enable_features);
        for a in &self.disable_features {
            f.advanced.remove(a);
        }
        let q = &mut f.quotas;
        q.monthly_authentications = self.monthly_authentications.unwrap_or(q.monthly_authentications);
        q.max_users = self.max_users.unwrap_or(q.max_users);
        q.api_requests_per_minute = self.api_requests_per_minute.unwrap_or(q.api_requests_per_minute);
        q.api_requests_per_hour = self.api_requests_per_hour.unwrap_or(q.api_requests_per_hour);
        f
    }
}

/// A whole new set of features, or a patch of the current one.
#[derive(Debug, Clone)]
pub enum Update {
    Replace(Features),
    Patch(FeaturePatch),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub tenant: TenantRef,
    pub update: Update,
    /// The version the caller last saw (a form's); `None` skips the check.
    pub expected_version: Option<i64>,
}

pub async fn run(ports: &Ports, actor: &Actor, req: Request) -> Result<Tenant> {
    let before = load_expecting(ports, &req.tenant, req.expected_version).await?;
    actor.require(Permission::FeaturesManage, Some(before.id))?;
    let features = match req.update {
        Update::Replace(f) => f,
        Update::Patch(p) => p.apply(&before.features),
    };
    if features == before.features {
        return Ok(before);
    }
    let mut after = before.clone();
    after.set_features(features, ports.clock.now())?;
    let outbox = crate::notify::tenant_changed(ports, &before, &after);
    save_with(ports, actor, AuditKind::TenantFeaturesUpdated, (&before, after), None, outbox).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Change;
    use crate::testing::{MockPorts, cli, tenant};
    use gatehouse_domain::{DomainError, TenantStatus};

    fn patch(p: FeaturePatch) -> Request {
        Request { tenant: "acme".parse().expect("slug"), update: Update::Patch(p), expected_version: None }
    }

    #[tokio::test]
    async fn a_feature_outside_the_plan_is_refused_by_name() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        let err = run(
            &m.ports(),
            &cli(),
            patch(FeaturePatch { enable_methods: vec![MfaMethod::Sms], ..Default::default() }),
        )
        .await
        .expect_err("basic has no SMS");
        let crate::Error::Domain(DomainError::FeaturesNotAllowed(v)) = &err else { panic!("{err}") };
        assert!(err.to_string().contains("sms"), "{err}");
        assert_eq!(v.len(), 1);
    }

    #[tokio::test]
    async fn an_allowed_patch_is_saved_and_audited() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.expect_commit(|w| {
            let [Change::UpdateTenant(t), Change::Enqueue(mail), Change::Enqueue(_push)] = &w.changes[..]
            else {
                panic!("an update, a notification and a push")
            };
            assert_eq!(mail.notification, Some(gatehouse_domain::NotificationKind::FeaturesChanged));
            assert!(!t.features.methods.contains(&MfaMethod::EmailOtp));
            assert_eq!(t.features.quotas.monthly_authentications, 5_000);
            assert_eq!(w.audit[0].kind, AuditKind::TenantFeaturesUpdated);
        });
        let p = FeaturePatch {
            disable_methods: vec![MfaMethod::EmailOtp],
            monthly_authentications: Some(5_000),
            ..Default::default()
        };
        run(&m.ports(), &cli(), patch(p)).await.expect("saved");
    }

    #[test]
    fn patch_leaves_unnamed_settings_alone() {
        let f = Features::default_for(gatehouse_domain::Plan::Premium);
        assert_eq!(FeaturePatch::default().apply(&f), f);
        let p = FeaturePatch { max_users: Some(None), ..Default::default() };
        assert_eq!(p.apply(&f).quotas.max_users, None);
    }
}
