//! Reading the API log: every call with its key, tenant, status and duration. One tenant's
//! calls need `tenants:view` on that tenant; the whole log, `audit:view`.

use gatehouse_domain::{Actor, Permission, ValidationError};

use crate::ports::ApiLogEntry;
use crate::tenant_ref::{TenantRef, load};
use crate::{Ports, Result};

/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 500;

/// The newest calls first, about `tenant` or all.
pub async fn recent(
    ports: &Ports,
    actor: &Actor,
    tenant: Option<&TenantRef>,
    limit: u32,
) -> Result<Vec<ApiLogEntry>> {
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ValidationError::new("limit", format!("must be between 1 and {MAX_LIMIT}")).into());
    }
    let tenant = if let Some(r) = tenant {
        let t = load(ports, r).await?;
        actor.require(Permission::TenantsView, Some(t.id))?;
        Some(t.id)
    } else {
        actor.require(Permission::AuditView, None)?;
        None
    };
    Ok(ports.api_log.recent(tenant, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, admin, cli, tenant};
    use gatehouse_domain::{Role, TenantScope, TenantStatus};

    #[tokio::test]
    async fn the_whole_log_needs_audit_view_and_a_tenants_log_its_scope() {
        let mut m = MockPorts::new();
        m.tenants.expect_get_by_slug().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
        m.api_log.expect_recent().returning(|_, _| Ok(vec![]));
        let ports = m.ports();
        let support = admin(Role::Support, TenantScope::All);
        assert!(recent(&ports, &support, None, 10).await.expect_err("403").is_forbidden());
        let acme: TenantRef = "acme".parse().expect("slug");
        assert!(recent(&ports, &support, Some(&acme), 10).await.expect("in scope").is_empty());
        let elsewhere = admin(Role::Support, TenantScope::Only(std::collections::BTreeSet::new()));
        assert!(recent(&ports, &elsewhere, Some(&acme), 10).await.expect_err("scope").is_forbidden());
        assert_eq!(recent(&ports, &cli(), None, 0).await.expect_err("limit").field(), Some("limit"));
    }
}
