//! Who is acting, and what they may do: every use case starts with `actor.require(..)`.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::admin::{AdminId, Permission, SuperAdmin, TenantScope};
use crate::error::DomainError;
use crate::tenant::TenantId;

/// The kind of principal behind a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActorKind {
    /// A SuperAdmin in a panel session.
    Admin { id: AdminId, username: String },
    /// An integration using an operator API key.
    ApiKey { id: Uuid, name: String },
    /// The operator at the `gatehouse-ctl` command line (who has the database anyway).
    Cli { user: String },
    /// Gatehouse itself (scheduled jobs).
    System,
}

/// A principal with its effective permissions and tenant scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub permissions: BTreeSet<Permission>,
    pub scope: TenantScope,
}

impl Actor {
    pub fn admin(admin: &SuperAdmin) -> Self {
        Actor {
            kind: ActorKind::Admin { id: admin.id, username: admin.username.to_string() },
            permissions: admin.permissions(),
            scope: admin.scope.clone(),
        }
    }

    /// The CLI operator holds every permission: access to the CLI means access to the database.
    pub fn cli(user: impl Into<String>) -> Self {
        Actor {
            kind: ActorKind::Cli { user: user.into() },
            permissions: Permission::ALL.iter().copied().collect(),
            scope: TenantScope::All,
        }
    }

    pub fn system() -> Self {
        Actor {
            kind: ActorKind::System,
            permissions: Permission::ALL.iter().copied().collect(),
            scope: TenantScope::All,
        }
    }

    /// Allows the action if the actor holds `permission` and, for a tenant action, has the tenant in scope.
    pub fn require(&self, permission: Permission, tenant: Option<TenantId>) -> Result<(), DomainError> {
        let in_scope = tenant.is_none_or(|t| self.scope.includes(t));
        if self.permissions.contains(&permission) && in_scope {
            Ok(())
        } else {
            Err(DomainError::Forbidden { permission, tenant })
        }
    }

    /// Whether the actor sees every tenant (list queries must otherwise filter by scope).
    pub fn sees_all_tenants(&self) -> bool {
        self.scope == TenantScope::All
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorKind::Admin { username, .. } => write!(f, "admin {username}"),
            ActorKind::ApiKey { name, .. } => write!(f, "API key {name}"),
            ActorKind::Cli { user } => write!(f, "CLI operator {user}"),
            ActorKind::System => f.write_str("system"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::Role;

    fn actor(role: Role, scope: TenantScope) -> Actor {
        Actor {
            kind: ActorKind::Admin { id: AdminId::from_uuid(Uuid::nil()), username: "a".into() },
            permissions: role.permissions().iter().copied().collect(),
            scope,
        }
    }

    #[test]
    fn permission_and_scope_both_count() {
        let t1 = TenantId::from_uuid(Uuid::from_u128(1));
        let t2 = TenantId::from_uuid(Uuid::from_u128(2));
        let scoped = actor(Role::Operator, TenantScope::Only([t1].into()));
        assert_eq!(scoped.require(Permission::TenantsUpdate, Some(t1)), Ok(()));
        assert_eq!(
            scoped.require(Permission::TenantsUpdate, Some(t2)),
            Err(DomainError::Forbidden { permission: Permission::TenantsUpdate, tenant: Some(t2) })
        );
        assert!(scoped.require(Permission::AdminsManage, None).is_err());
        assert!(actor(Role::Auditor, TenantScope::All).require(Permission::TenantsCreate, None).is_err());
        assert!(Actor::cli("root").require(Permission::AdminsManage, Some(t2)).is_ok());
    }
}
