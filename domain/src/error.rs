//! Business failures. Never a database, HTTP or I/O error: those belong to the outer layers.

use crate::features::FeatureViolation;
use crate::tenant::TenantStatus;

/// A value that failed its validating constructor: which field, and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// A rule of the business that a request broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("status: a {from} tenant cannot become {to}")]
    IllegalTransition { from: TenantStatus, to: TenantStatus },
    #[error("features: {}", join(.0))]
    FeaturesNotAllowed(Vec<FeatureViolation>),
    #[error("permission denied: {permission} is required{}", .tenant.map(|t| format!(" for tenant {t}")).unwrap_or_default())]
    Forbidden { permission: crate::admin::Permission, tenant: Option<crate::tenant::TenantId> },
}

fn join(violations: &[FeatureViolation]) -> String {
    violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
