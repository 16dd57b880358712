//! Tenants: the websites that use the MFA service, their status machine and their domains.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{DomainError, ValidationError};
use crate::features::{Features, SwitchedOff};
use crate::hostname::Hostname;
use crate::plan::Plan;
use crate::text::single_line;

/// A tenant's identifier (UUID v7, so ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(Uuid);

impl TenantId {
    pub fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for TenantId {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(Self)
            .map_err(|_| ValidationError::new("tenant_id", format!("{s:?} is not a UUID")))
    }
}

/// A tenant's display name: 1–100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        single_line("name", input, 1, 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant's short, URL-safe handle: 3–63 of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        let err = |m: &str| Err(ValidationError::new("slug", format!("{s:?} {m}")));
        if s.len() < 3 || s.len() > 63 {
            return err("must be 3 to 63 characters long");
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return err("may contain only lower-case letters, digits and hyphens");
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return err("must not start or end with a hyphen or contain two in a row");
        }
        Ok(Self(s.to_owned()))
    }

    /// A slug derived from a display name (`"Acme Corp."` → `acme-corp`), when it yields a valid one.
    pub fn from_name(name: &TenantName) -> Result<Self, ValidationError> {
        let mut slug = String::new();
        for c in name.as_str().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 63 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        Self::parse(slug).map_err(|_| {
            ValidationError::new(
                "slug",
                format!("cannot derive a slug from {:?}; give one explicitly", name.as_str()),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A contact e-mail address (a pragmatic check: `local@host.example`, at most 254 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let s = input.trim();
        let invalid = || ValidationError::new("email", format!("{s:?} is not an e-mail address"));
        if s.len() > 254 {
            return Err(ValidationError::new("email", "must be at most 254 characters"));
        }
        let (local, host) = s.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || local.len() > 64
            || local.chars().any(|c| c.is_control() || c.is_whitespace() || c == '@' || c == '<' || c == '>')
        {
            return Err(invalid());
        }
        let host = Hostname::parse(host).map_err(|_| invalid())?;
        Ok(Self(format!("{local}@{host}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($t:ty),+) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str { &self.0 }
        }
        impl TryFrom<String> for $t {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, Self::Error> { Self::parse(&value) }
        }
        impl From<$t> for String {
            fn from(value: $t) -> Self { value.0 }
        }
    )+};
}
string_newtype_impls!(TenantName, TenantSlug, Email);

/// Where a tenant is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    /// Registered, not yet serving (the initial state).
    Pending,
    Active,
    /// Temporarily stopped, for example for non-payment or abuse; can be reactivated.
    Suspended,
    /// Ended for good.
    Cancelled,
}

impl TenantStatus {
    pub const ALL: [TenantStatus; 4] = [Self::Pending, Self::Active, Self::Suspended, Self::Cancelled];

    /// The transition table: cancelled is final, suspension only applies to active tenants.
    pub fn can_become(self, to: TenantStatus) -> bool {
        use TenantStatus::{Active, Cancelled, Pending, Suspended};
        matches!(
            (self, to),
            (Pending | Suspended, Active) | (Active, Suspended) | (Pending | Active | Suspended, Cancelled)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TenantStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            ValidationError::new(
                "status",
                format!("unknown status {s:?} (expected pending, active, suspended or cancelled)"),
            )
        })
    }
}

/// One of a tenant's hostnames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDomain {
    pub hostname: Hostname,
    pub is_primary: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// The most domains one tenant may have; a guard against runaway scripts.
pub const MAX_DOMAINS: usize = 100;

/// A tenant with its domains and features: the unit that is loaded, changed and saved whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantName,
    pub slug: TenantSlug,
    pub contact_email: Email,
    pub status: TenantStatus,
    /// Why the tenant was last suspended or cancelled.
    pub status_reason: Option<String>,
    pub plan: Plan,
    pub features: Features,
    /// Primary domain first, the others in the order they were added.
    pub domains: Vec<TenantDomain>,
    /// Optimistic-concurrency version: storage refuses to save over a newer one.
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What registering a tenant needs; features default to everything the plan allows.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub name: TenantName,
    pub slug: TenantSlug,
    pub contact_email: Email,
    pub plan: Plan,
    pub domains: Vec<Hostname>,
    pub features: Option<Features>,
}

impl Tenant {
    /// A new pending tenant; the first domain given is the primary one.
    pub fn register(id: TenantId, new: NewTenant, now: OffsetDateTime) -> Result<Tenant, DomainError> {
        if new.domains.is_empty() {
            return Err(ValidationError::new("domain", "a tenant needs at least one domain").into());
        }
        let features = new.features.unwrap_or_else(|| Features::default_for(new.plan));
        features.validate(new.plan)?;
        let mut tenant = Tenant {
            id,
            name: new.name,
            slug: new.slug,
            contact_email: new.contact_email,
            status: TenantStatus::Pending,
            status_reason: None,
            plan: new.plan,
            features,
            domains: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        for hostname in new.domains {
            tenant.add_domain(hostname, now)?;
        }
        Ok(tenant)
    }

    /// Moves to `to`. Suspending and cancelling need a reason, which is kept.
    pub fn change_status(
        &mut self,
        to: TenantStatus,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if !self.status.can_become(to) {
            return Err(DomainError::IllegalTransition { from: self.status, to });
        }
        let reason = reason.map(|r| single_line("reason", r, 1, 500)).transpose()?;
        if matches!(to, TenantStatus::Suspended | TenantStatus::Cancelled) && reason.is_none() {
            return Err(ValidationError::new(
                "reason",
                format!("a reason is required to make a tenant {to}"),
            )
            .into());
        }
        self.status = to;
        self.status_reason = reason;
        self.updated_at = now;
        Ok(())
    }

    /// Moves to `plan`, switching off what it does not allow; returns what was switched off.
    pub fn change_plan(&mut self, plan: Plan, now: OffsetDateTime) -> Vec<SwitchedOff> {
        let (features, changes) = self.features.restrict_to(plan);
        self.plan = plan;
        self.features = features;
        self.updated_at = now;
        changes
    }

    /// Replaces the features, refusing anything the plan does not allow.
    pub fn set_features(&mut self, features: Features, now: OffsetDateTime) -> Result<(), DomainError> {
        features.validate(self.plan)?;
        self.features = features;
        self.updated_at = now;
        Ok(())
    }

    pub fn primary_domain(&self) -> Option<&Hostname> {
        self.domains.iter().find(|d| d.is_primary).map(|d| &d.hostname)
    }

    /// Adds a hostname; the first one becomes primary. Uniqueness across tenants is storage's job.
    pub fn add_domain(&mut self, hostname: Hostname, now: OffsetDateTime) -> Result<(), DomainError> {
        if self.domains.iter().any(|d| d.hostname == hostname) {
            return Err(ValidationError::new(
                "domain",
                format!("{hostname} is already a domain of this tenant"),
            )
            .into());
        }
        if self.domains.len() >= MAX_DOMAINS {
            return Err(ValidationError::new(
                "domain",
                format!("a tenant may have at most {MAX_DOMAINS} domains"),
            )
            .into());
        }
        let is_primary = self.domains.is_empty();
        self.domains.push(TenantDomain { hostname, is_primary, added_at: now });
        self.updated_at = now;
        Ok(())
    }

    /// Removes a hostname. The last domain cannot go, nor the primary while others remain
    /// (make another one primary first), so a tenant always has exactly one primary domain.
    pub fn remove_domain(&mut self, hostname: &Hostname, now: OffsetDateTime) -> Result<(), DomainError> {
        let index = self.domain_index(hostname)?;
        if self.domains.len() == 1 {
            return Err(ValidationError::new(
                "domain",
                format!("{hostname} is the tenant's only domain and cannot be removed"),
            )
            .into());
        }
        if self.domains[index].is_primary {
            return Err(ValidationError::new(
                "domain",
                format!("{hostname} is the primary domain; make another domain primary first"),
            )
            .into());
        }
        self.domains.remove(index);
        self.updated_at = now;
        Ok(())
    }

    /// Makes `hostname` the primary domain (and the previous primary an ordinary one).
    pub fn set_primary_domain(
        &mut self,
        hostname: &Hostname,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let index = self.domain_index(hostname)?;
        for (i, d) in self.domains.iter_mut().enumerate() {
            d.is_primary = i == index;
        }
        let primary = self.domains.remove(index);
        self.domains.insert(0, primary);
        self.updated_at = now;
        Ok(())
    }

    fn domain_index(&self, hostname: &Hostname) -> Result<usize, DomainError> {
        self.domains.iter().position(|d| &d.hostname == hostname).ok_or_else(|| {
            ValidationError::new("domain", format!("{hostname} is not a domain of this tenant")).into()
        })
    }
}

#[cfg(test)]
mod tests;
