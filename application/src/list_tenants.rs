//! The tenant list: filters, text search, sort and pagination, limited to the actor's scope.

use gatehouse_domain::{Actor, Permission, TenantScope, ValidationError};

use crate::ports::{TenantPage, TenantQuery};
use crate::{Ports, Result};

/// The largest page a client may ask for.
pub const MAX_LIMIT: u32 = 500;
/// The furthest a client may skip: far beyond any real list, and within every database's range.
pub const MAX_OFFSET: u64 = 100_000_000;
const MAX_SEARCH_CHARS: usize = 100;

pub async fn run(ports: &Ports, actor: &Actor, mut query: TenantQuery) -> Result<TenantPage> {
    actor.require(Permission::TenantsView, None)?;
    if query.page.limit == 0 || query.page.limit > MAX_LIMIT {
        return Err(ValidationError::new("limit", format!("must be between 1 and {MAX_LIMIT}")).into());
    }
    if query.page.offset > MAX_OFFSET {
        return Err(ValidationError::new("offset", format!("must be at most {MAX_OFFSET}")).into());
    }
    query.search = match query.search.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if s.chars().count() > MAX_SEARCH_CHARS => {
            return Err(ValidationError::new(
                "search",
                format!("must be at most {MAX_SEARCH_CHARS} characters"),
            )
            .into());
        }
        Some(s) => Some(s.to_lowercase()),
    };
    if let TenantScope::Only(scope) = &actor.scope {
        query.only = Some(match query.only.take() {
            Some(asked) => asked.intersection(scope).copied().collect(),
            None => scope.clone(),
        });
    }
    Ok(ports.tenants.list(&query).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Page;
    use crate::testing::{MockPorts, admin, cli};
    use gatehouse_domain::{Role, TenantId};

    #[tokio::test]
    async fn scope_and_search_are_applied_before_storage() {
        let mine = TenantId::from_uuid(uuid::Uuid::from_u128(1));
        let mut m = MockPorts::new();
        m.tenants
            .expect_list()
            .withf(move |q| q.only == Some([mine].into()) && q.search.as_deref() == Some("acme"))
            .returning(|_| Ok(TenantPage { items: vec![], total: 0 }));
        let actor = admin(Role::Support, TenantScope::Only([mine].into()));
        let query = TenantQuery { search: Some("  ACME ".into()), ..TenantQuery::default() };
        run(&m.ports(), &actor, query).await.expect("listed");
    }

    #[tokio::test]
    async fn bad_windows_are_refused() {
        let ports = MockPorts::new().ports();
        for limit in [0, MAX_LIMIT + 1] {
            let q = TenantQuery { page: Page { limit, offset: 0 }, ..TenantQuery::default() };
            assert_eq!(run(&ports, &cli(), q).await.expect_err("limit").field(), Some("limit"));
        }
        let q = TenantQuery { search: Some("x".repeat(101)), ..TenantQuery::default() };
        assert_eq!(run(&ports, &cli(), q).await.expect_err("search").field(), Some("search"));
        let q = TenantQuery { page: Page { limit: 50, offset: MAX_OFFSET + 1 }, ..TenantQuery::default() };
        assert_eq!(run(&ports, &cli(), q).await.expect_err("offset").field(), Some("offset"));
    }
}
