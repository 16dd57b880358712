//! SuperAdmins: the only people who log in to Gatehouse, their roles, permissions and scope.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ValidationError;
use crate::tenant::{Email, TenantId};

/// A SuperAdmin's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AdminId(Uuid);

impl AdminId {
    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for AdminId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A login name: 3–32 of `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter; stored lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim().to_ascii_lowercase();
        let ok_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !(3..=32).contains(&s.len()) || !ok_chars || !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ValidationError::new(
                "username",
                "must be 3 to 32 characters: letters, digits, '.', '_' or '-', starting with a letter",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for Username {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase();
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    let names: Vec<_> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ValidationError::new($field, format!("unknown {} {s:?} (expected one of {})", $field, names.join(", ")))
                })
            }
        }
    };
}
pub(crate) use keyword_enum;

keyword_enum!(
    /// Something an actor may be allowed to do.
    Permission, "permission" {
        TenantsView => "tenants:view",
        TenantsCreate => "tenants:create",
        TenantsUpdate => "tenants:update",
        TenantsSuspend => "tenants:suspend",
        FeaturesManage => "features:manage",
        UsageView => "usage:view",
        BillingExport => "billing:export",
        AuditView => "audit:view",
        AdminsManage => "admins:manage",
        SettingsManage => "settings:manage",
        SyncRun => "sync:run",
        Impersonate => "impersonate",
        ApiKeysManage => "api_keys:manage",
    }
);

keyword_enum!(
    /// A named bundle of permissions.
    Role, "role" {
        /// Everything, including admins and settings.
        Owner => "owner",
        /// Day-to-day tenant management.
        Operator => "operator",
        /// Helps tenants: reads, and the governed support view.
        Support => "support",
        /// Reads usage, billing and the audit trail; changes nothing.
        Auditor => "auditor",
    }
);

impl Role {
    pub fn permissions(self) -> &'static [Permission] {
        use Permission as P;
        match self {
            Role::Owner => Permission::ALL,
            Role::Operator => &[
                P::TenantsView,
                P::TenantsCreate,
                P::TenantsUpdate,
                P::TenantsSuspend,
                P::FeaturesManage,
                P::UsageView,
                P::BillingExport,
                P::AuditView,
                P::SyncRun,
                P::ApiKeysManage,
            ],
            Role::Support => &[P::TenantsView, P::UsageView, P::Impersonate],
            Role::Auditor => &[P::TenantsView, P::UsageView, P::BillingExport, P::AuditView],
        }
    }
}

/// Which tenants an admin or key may act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", content = "tenants", rename_all = "snake_case")]
pub enum TenantScope {
    #[default]
    All,
    Only(BTreeSet<TenantId>),
}

impl TenantScope {
    pub fn includes(&self, tenant: TenantId) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Only(set) => set.contains(&tenant),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminStatus {
    Active,
    Disabled,
}

/// A person who may log in to the panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperAdmin {
    pub id: AdminId,
    pub username: Username,
    pub email: Email,
    pub role: Role,
    pub scope: TenantScope,
    pub status: AdminStatus,
    /// The argon2id PHC string; never the password.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub totp_enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl SuperAdmin {
    pub fn permissions(&self) -> BTreeSet<Permission> {
        self.role.permissions().iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roles_grant_what_they_say() {
        assert_eq!(Role::Owner.permissions(), Permission::ALL);
        assert!(!Role::Operator.permissions().contains(&Permission::AdminsManage));
        assert!(!Role::Auditor.permissions().iter().any(|p| p.as_str().ends_with(":update")));
        assert!(Role::Support.permissions().contains(&Permission::Impersonate));
    }

    #[test]
    fn permission_and_role_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(*p));
            assert_eq!(serde_json::to_string(p).ok(), Some(format!("\"{p}\"")));
        }
        assert_eq!("Auditor".parse::<Role>(), Ok(Role::Auditor));
        assert_eq!("root".parse::<Role>().expect_err("unknown").field, "role");
    }

    #[test]
    fn scope_restricts_to_listed_tenants() {
        let a = TenantId::from_uuid(Uuid::from_u128(1));
        let b = TenantId::from_uuid(Uuid::from_u128(2));
        let only = TenantScope::Only([a].into_iter().collect());
        assert!(only.includes(a) && !only.includes(b) && TenantScope::All.includes(b));
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Alice ").map(String::from), Ok("alice".into()));
        for bad in ["al", "1alice", "alice smith", "al!ce", &"a".repeat(33)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn username_parser_never_panics(input in "\\PC{0,40}") {
            if let Ok(u) = Username::parse(&input) {
                prop_assert_eq!(Username::parse(u.as_str()), Ok(u.clone()));
            }
        }
    }
}
