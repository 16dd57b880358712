//! The one error type of the use cases.
//!
//! A single enum (rather than one per use case) so that the web and the CLI translate errors
//! in exactly one place each: every variant but `Store` is the client's doing.

use gatehouse_domain::{DomainError, ValidationError};

use crate::ports::{Conflict, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request broke a business rule or lacks a permission.
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    /// A uniqueness rule (slug, domain, username), a running sync, a used TOTP step.
    #[error(transparent)]
    Conflict(Conflict),
    /// Somebody else saved the same record first; nothing was written.
    #[error("{0}")]
    VersionConflict(String),
    /// A bulk action refused by some tenants; nothing was written.
    #[error("bulk action refused, nothing changed: {}", .0.iter().map(|f| format!("{}: {}", f.tenant, f.error)).collect::<Vec<_>>().join("; "))]
    Bulk(Vec<crate::bulk_action::BulkFailure>),
    /// Storage or another outside system failed: not the client's fault.
    #[error(transparent)]
    Store(StoreError),
    /// The MFA upstream failed or is not configured; the message is safe to show an operator.
    #[error(transparent)]
    Upstream(#[from] crate::ports::UpstreamError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(c) => Error::Conflict(c),
            e @ StoreError::VersionConflict { .. } => Error::VersionConflict(e.to_string()),
            StoreError::NotFound => Error::NotFound { what: "record", key: String::new() },
            e @ StoreError::Backend(_) => Error::Store(e),
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Domain(e.into())
    }
}

impl Error {
    pub fn tenant_not_found(key: &impl ToString) -> Self {
        Error::NotFound { what: "tenant", key: key.to_string() }
    }

    /// Whether the request was refused for lack of permission (403 on the web, audited).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Error::Domain(DomainError::Forbidden { .. }))
    }

    /// The field a validation error is about, for forms and problem documents.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Domain(DomainError::Invalid(v)) => Some(v.field),
            Error::Domain(DomainError::FeaturesNotAllowed(_)) => Some("features"),
            Error::Domain(DomainError::IllegalTransition { .. }) => Some("status"),
            Error::Conflict(Conflict::SlugTaken(_)) => Some("slug"),
            Error::Conflict(Conflict::DomainTaken(_)) => Some("domain"),
            Error::Conflict(Conflict::UsernameTaken(_)) => Some("username"),
            Error::Conflict(Conflict::TotpStepUsed) => Some("code"),
            Error::Bulk(_) => Some("tenants"),
            _ => None,
        }
    }
}
