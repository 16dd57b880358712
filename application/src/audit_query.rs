//! Reading the audit trail, newest first, with filters (needs `audit:view`).

use gatehouse_domain::{Actor, AuditRecord, Permission, ValidationError};

use crate::ports::AuditQuery;
use crate::{Ports, Result};

/// The largest page of audit records a client may ask for.
pub const MAX_LIMIT: u32 = 500;

pub async fn run(ports: &Ports, actor: &Actor, mut query: AuditQuery) -> Result<Vec<AuditRecord>> {
    actor.require(Permission::AuditView, query.tenant)?;
    if query.limit == 0 || query.limit > MAX_LIMIT {
        return Err(ValidationError::new("limit", format!("must be between 1 and {MAX_LIMIT}")).into());
    }
    if query.before_seq.is_some_and(|b| b < 1) {
        return Err(ValidationError::new("before", "must be at least 1").into());
    }
    if let (Some(since), Some(until)) = (query.since, query.until)
        && since > until
    {
        return Err(ValidationError::new("since", "must not be after until").into());
    }
    query.actor = query.actor.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
    Ok(ports.audit.list(&query).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{MockPorts, NOW, admin, cli};
    use gatehouse_domain::{Role, TenantScope};

    #[tokio::test]
    async fn checks_permission_and_bounds_before_reading() {
        let mut m = MockPorts::new();
        m.audit
            .expect_list()
            .withf(|q| q.actor.as_deref() == Some("alice"))
            .times(1)
            .returning(|_| Ok(vec![]));
        let ports = m.ports();
        let q = AuditQuery { actor: Some(" alice ".into()), limit: 50, ..AuditQuery::default() };
        run(&ports, &cli(), q).await.expect("listed");
        let support = admin(Role::Support, TenantScope::All);
        let q = AuditQuery { limit: 50, ..AuditQuery::default() };
        assert!(run(&ports, &support, q).await.expect_err("403").is_forbidden());
        let q = AuditQuery { limit: 0, ..AuditQuery::default() };
        assert_eq!(run(&ports, &cli(), q).await.expect_err("limit").field(), Some("limit"));
        let q = AuditQuery {
            since: Some(NOW),
            until: Some(NOW - time::Duration::days(1)),
            limit: 5,
            ..AuditQuery::default()
        };
        assert_eq!(run(&ports, &cli(), q).await.expect_err("range").field(), Some("since"));
    }
}
