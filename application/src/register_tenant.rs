//! Registering a website as a new tenant, with its domains, default features and first
//! tenant key (shown once, S29).

use gatehouse_domain::{
    Actor, AuditKind, Email, Features, Hostname, NewTenant, Permission, Plan, Tenant, TenantApiKey, TenantId,
    TenantName, TenantSlug, TenantStatus,
};

use crate::manage_tenant_keys::new_key;
use crate::ports::{Change, Conflict, Ports, SecretString, Work};
use crate::tenant_ref::{event, snapshot};
use crate::{Error, Result};

/// What an operator typed; every field is validated here.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub contact_email: String,
    /// Defaults to the `default_plan` system setting.
    pub plan: Option<Plan>,
    /// The first one becomes the primary domain.
    pub domains: Vec<String>,
    /// Defaults to everything the plan allows.
    pub features: Option<Features>,
    /// Register straight into the active state (needs the suspend permission, which governs
    /// every status change).
    pub activate: bool,
}

/// The new tenant and its first key, whose text is never available again.
#[derive(Debug, Clone)]
pub struct Registered {
    pub tenant: Tenant,
    pub key: TenantApiKey,
    pub key_text: SecretString,
}

pub async fn run(ports: &Ports, actor: &Actor, req: Request) -> Result<Registered> {
    actor.require(Permission::TenantsCreate, None)?;
    if req.activate {
        actor.require(Permission::TenantsSuspend, None)?;
    }
    let name = TenantName::parse(&req.name)?;
    let slug = match &req.slug {
        Some(s) => TenantSlug::parse(s)?,
        None => TenantSlug::from_name(&name)?,
    };
    let contact_email = Email::parse(&req.contact_email)?;
    let domains = req.domains.iter().map(|d| Hostname::parse(d)).collect::<Result<Vec<_>, _>>()?;
    let plan = match req.plan {
        Some(plan) => plan,
        None => ports.settings.get().await?.default_plan,
    };
    let new = NewTenant { name, slug, contact_email, plan, domains, features: req.features };
    let now = ports.clock.now();
    let mut tenant = Tenant::register(TenantId::from_uuid(ports.ids.new_id()), new, now)?;
    if req.activate {
        tenant.change_status(TenantStatus::Active, None, now)?;
    }
    ensure_unclaimed(ports, &tenant).await?;
    let created = event(ports, actor, AuditKind::TenantCreated, &tenant).change(None, snapshot(&tenant));
    let (key, key_text, insert_key, issued) = new_key(ports, actor, &tenant, now);
    let issued = issued.reason(format!("key {} issued with the tenant", key.prefix));
    let work = Work {
        changes: vec![Change::InsertTenant(tenant.clone()), insert_key],
        audit: vec![created, issued],
    };
    ports.work.commit(work).await?;
    Ok(Registered { tenant, key, key_text })
}

/// A friendly early check; the database's unique constraints remain the guarantee.
async fn ensure_unclaimed(ports: &Ports, tenant: &Tenant) -> Result<()> {
    if ports.tenants.get_by_slug(&tenant.slug).await?.is_some() {
        return Err(Error::Conflict(Conflict::SlugTaken(tenant.slug.to_string())));
    }
    for d in &tenant.domains {
        if ports.tenants.find_by_domain(&d.hostname).await?.is_some() {
            return Err(Error::Conflict(Conflict::DomainTaken(d.hostname.to_string())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, cli, forbidden_actor};

    fn acme() -> Request {
        Request {
            name: "Acme Corp".into(),
            contact_email: "ops@acme.example".into(),
            plan: Some(Plan::Basic),
            domains: vec!["acme.example".into(), "www.acme.example".into()],
            ..Request::default()
        }
    }

    #[tokio::test]
    async fn registers_with_defaults_and_one_audit_event() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(None));
        m.tenants.expect_find_by_domain().times(2).returning(|_| Ok(None));
        m.with_tokens();
        m.expect_commit(|w| {
            let [Change::InsertTenant(t), Change::InsertTenantKey { key, .. }] = &w.changes[..] else {
                panic!("the tenant and its first key: {:?}", w.changes)
            };
            assert_eq!((t.slug.as_str(), key.tenant), ("acme-corp", t.id));
            let kinds: Vec<_> = w.audit.iter().map(|a| a.kind).collect();
            assert_eq!(kinds, [AuditKind::TenantCreated, AuditKind::TenantKeyIssued]);
            assert!(w.audit[0].after.is_some());
            assert!(!serde_json::to_string(&w.audit).expect("json").contains("token-1"), "S27");
        });
        let Registered { tenant: t, key, key_text } =
            run(&m.ports(), &cli(), acme()).await.expect("registered");
        assert_eq!(key_text.expose(), format!("ght_{}_token-1", key.id.as_uuid().simple()));
        assert_eq!(t.status, TenantStatus::Pending);
        assert_eq!(t.features, Features::default_for(Plan::Basic));
    }

    #[tokio::test]
    async fn without_a_plan_the_default_plan_setting_applies() {
        let mut m = MockPorts::new();
        m.settings.expect_get().returning(|| {
            Ok(gatehouse_domain::settings::SystemSettings {
                default_plan: Plan::Premium,
                ..Default::default()
            })
        });
        m.tenants.expect_get_by_slug().returning(|_| Ok(None));
        m.tenants.expect_find_by_domain().returning(|_| Ok(None));
        m.with_tokens();
        m.expect_commit(|_| ());
        let r = run(&m.ports(), &cli(), Request { plan: None, ..acme() }).await.expect("registered");
        assert_eq!(r.tenant.plan, Plan::Premium);
    }

    #[tokio::test]
    async fn refuses_a_taken_domain_and_writes_nothing() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(None));
        m.tenants.expect_find_by_domain().returning(|h| {
            Ok((h.as_str() == "www.acme.example").then(|| TenantId::from_uuid(uuid::Uuid::nil())))
        });
        let err = run(&m.ports(), &cli(), acme()).await.expect_err("taken");
        assert!(matches!(err, Error::Conflict(Conflict::DomainTaken(ref d)) if d == "www.acme.example"));
    }

    #[tokio::test]
    async fn invalid_input_names_the_field() {
        let ports = MockPorts::new().ports();
        for (req, field) in [
            (Request { domains: vec!["not a host".into()], ..acme() }, "domain"),
            (Request { contact_email: "nope".into(), ..acme() }, "email"),
            (Request { slug: Some("No Slug".into()), ..acme() }, "slug"),
            (Request { name: String::new(), ..acme() }, "name"),
            (Request { domains: vec![], ..acme() }, "domain"),
        ] {
            let err = run(&ports, &cli(), req).await.expect_err(field);
            assert_eq!(err.field(), Some(field), "{err}");
        }
    }

    #[tokio::test]
    async fn needs_the_create_permission() {
        let m = MockPorts::new();
        let err = run(&m.ports(), &forbidden_actor(), acme()).await.expect_err("forbidden");
        assert!(err.is_forbidden());
    }
}
