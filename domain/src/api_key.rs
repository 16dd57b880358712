//! API keys (S29): operator keys that integrations use on Gatehouse's JSON API, scoped like an
//! admin, and the per-tenant keys a tenant's website uses with the MFA service.
//!
//! A key is shown once, as `gh_<id as 32 hex>_<secret>` (tenant keys `ght_…`), where the secret
//! is 43 base64url characters (256 random bits). Only a keyed hash of that whole text is ever
//! stored; the id inside it names the key in lists and the audit trail without revealing it.
//! Making the secret and the hash is the adapters' job: here are the rules a key obeys.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::actor::{Actor, ActorKind};
use crate::admin::{Permission, TenantScope};
use crate::error::{DomainError, ValidationError};
use crate::tenant::TenantId;
use crate::text::single_line;

/// Characters of a key's secret: 256 bits in unpadded base64url.
pub const SECRET_LEN: usize = 43;
/// Characters of a tenant key shown in lists (`ght_` and the first 12 hex digits of its id).
pub const TENANT_KEY_PREFIX_LEN: usize = 16;
/// The highest per-key rate a key may be given.
pub const MAX_RATE_PER_MINUTE: u32 = 1_000_000;

macro_rules! key_id {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| ValidationError::new($field, format!("{s:?} is not a key id")))
            }
        }
    };
}

key_id!(
    /// An operator API key's identifier (UUID v7); also the middle part of the key itself.
    ApiKeyId, "key"
);
key_id!(
    /// A tenant key's identifier (UUID v7); also the middle part of the key itself.
    TenantKeyId, "key"
);

/// What a key is for, told by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `gh_`: an operator key for Gatehouse's API.
    Operator,
    /// `ght_`: a tenant's key for the MFA service.
    Tenant,
}

impl KeyKind {
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Operator => "gh_",
            KeyKind::Tenant => "ght_",
        }
    }
}

/// The text shown once: `<prefix><id as 32 lower-case hex>_<secret>`.
pub fn key_text(kind: KeyKind, id: Uuid, secret: &str) -> String {
    format!("{}{}_{secret}", kind.prefix(), id.simple())
}

/// The kind and id of a presented key, if it has the shape of one. The secret is not checked
/// here (only its hash is known); a key of the wrong shape is simply unknown.
pub fn parse_key(presented: &str) -> Option<(KeyKind, Uuid)> {
    let (kind, rest) = if let Some(rest) = presented.strip_prefix(KeyKind::Tenant.prefix()) {
        (KeyKind::Tenant, rest)
    } else {
        (KeyKind::Operator, presented.strip_prefix(KeyKind::Operator.prefix())?)
    };
    let (id, secret) = rest.split_at_checked(32)?;
    let secret = secret.strip_prefix('_')?;
    let canonical_id = id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let base64url = secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !canonical_id || secret.len() != SECRET_LEN || !base64url {
        return None;
    }
    Uuid::try_parse(id).ok().map(|id| (kind, id))
}

/// A key's label: 1–100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        single_line("name", input, 1, 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for KeyName {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<KeyName> for String {
    fn from(value: KeyName) -> Self {
        value.0
    }
}

/// Whether a key may be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Active,
    Expired,
    Revoked,
}

impl KeyStatus {
    /// Revocation wins over expiry: a revoked key says so even after it would have expired.
    fn of(
        expires_at: Option<OffsetDateTime>,
        revoked_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        if revoked_at.is_some() {
            KeyStatus::Revoked
        } else if expires_at.is_some_and(|e| e <= now) {
            KeyStatus::Expired
        } else {
            KeyStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Expired => "expired",
            KeyStatus::Revoked => "revoked",
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator API key: who may use Gatehouse's API, with which permissions, on which tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: KeyName,
    /// The permissions the key carries, checked like an admin's.
    pub scopes: BTreeSet<Permission>,
    /// The tenants the key may act on.
    pub tenants: TenantScope,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Requests per minute; `None` takes the server's default.
    pub rate_per_minute: Option<u32>,
    /// Who created the key (the actor's label, e.g. `admin alice`).
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// What a new operator key is asked to carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    pub name: KeyName,
    pub scopes: BTreeSet<Permission>,
    pub tenants: TenantScope,
    pub expires_at: Option<OffsetDateTime>,
    pub rate_per_minute: Option<u32>,
}

impl ApiKey {
    /// A new key for `grant`, created by `creator` at `now`. A key never carries more than its
    /// creator holds: every scope is one of the creator's permissions, and its tenants lie
    /// within the creator's scope.
    pub fn issue(
        id: ApiKeyId,
        grant: KeyGrant,
        creator: &Actor,
        now: OffsetDateTime,
    ) -> Result<ApiKey, DomainError> {
        if grant.scopes.is_empty() {
            return Err(ValidationError::new("scopes", "choose at least one permission").into());
        }
        if let Some(missing) = grant.scopes.iter().find(|p| !creator.permissions.contains(p)) {
            return Err(DomainError::Forbidden { permission: *missing, tenant: None });
        }
        check_tenants(&grant.tenants, creator)?;
        if grant.expires_at.is_some_and(|e| e <= now) {
            return Err(ValidationError::new("expires_at", "must be in the future").into());
        }
        if grant.rate_per_minute.is_some_and(|r| r == 0 || r > MAX_RATE_PER_MINUTE) {
            return Err(ValidationError::new(
                "rate_per_minute",
                format!("must be between 1 and {MAX_RATE_PER_MINUTE} requests per minute"),
            )
            .into());
        }
        Ok(ApiKey {
            id,
            name: grant.name,
            scopes: grant.scopes,
            tenants: grant.tenants,
            expires_at: grant.expires_at,
            rate_per_minute: grant.rate_per_minute,
            created_by: creator.kind.to_string(),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        })
    }

    pub fn state(&self, now: OffsetDateTime) -> KeyStatus {
        KeyStatus::of(self.expires_at, self.revoked_at, now)
    }

    /// Whether every tenant the key may act on is in `scope` (an admin restricted to some
    /// tenants sees and revokes only keys restricted to those).
    pub fn within(&self, scope: &TenantScope) -> bool {
        match (scope, &self.tenants) {
            (TenantScope::All, _) => true,
            (TenantScope::Only(_), TenantScope::All) => false,
            (TenantScope::Only(allowed), TenantScope::Only(own)) => own.is_subset(allowed),
        }
    }

    /// Revokes the key at `now`; a key is revoked once.
    pub fn revoke(&mut self, now: OffsetDateTime) -> Result<(), ValidationError> {
        if self.revoked_at.is_some() {
            return Err(ValidationError::new("key", format!("API key {} is already revoked", self.id)));
        }
        self.revoked_at = Some(now);
        Ok(())
    }
}

/// A key's tenant restriction must be non-empty and within the creator's scope.
fn check_tenants(tenants: &TenantScope, creator: &Actor) -> Result<(), DomainError> {
    match (tenants, &creator.scope) {
        (TenantScope::Only(set), _) if set.is_empty() => Err(ValidationError::new(
            "tenants",
            "restrict the key to at least one tenant, or to none for every tenant",
        )
        .into()),
        (TenantScope::All, TenantScope::Only(_)) => Err(ValidationError::new(
            "tenants",
            "you may act on some tenants only: restrict the key to some of them",
        )
        .into()),
        (TenantScope::Only(set), scope) => match set.iter().find(|t| !scope.includes(**t)) {
            Some(t) => {
                Err(DomainError::Forbidden { permission: Permission::ApiKeysManage, tenant: Some(*t) })
            }
            None => Ok(()),
        },
        (TenantScope::All, TenantScope::All) => Ok(()),
    }
}

impl Actor {
    /// The principal behind a request made with `key`: its scopes are its permissions.
    pub fn api_key(key: &ApiKey) -> Actor {
        Actor {
            kind: ActorKind::ApiKey { id: key.id.as_uuid(), name: key.name.to_string() },
            permissions: key.scopes.clone(),
            scope: key.tenants.clone(),
        }
    }
}

/// A tenant's key for the MFA service. A rotation gives the old keys an end (`expires_at`), so
/// the website can switch over; revocation ends a key at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantApiKey {
    pub id: TenantKeyId,
    pub tenant: TenantId,
    /// The first characters of the key (`ght_` and part of its id), to recognise it in lists.
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl TenantApiKey {
    /// A new key of `tenant` whose text is `text` (only its prefix is kept).
    pub fn issue(id: TenantKeyId, tenant: TenantId, text: &str, now: OffsetDateTime) -> TenantApiKey {
        TenantApiKey {
            id,
            tenant,
            prefix: text.chars().take(TENANT_KEY_PREFIX_LEN).collect(),
            created_at: now,
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
        }
    }

    pub fn state(&self, now: OffsetDateTime) -> KeyStatus {
        KeyStatus::of(self.expires_at, self.revoked_at, now)
    }
}

#[cfg(test)]
mod tests;
