//! Reading tenants.

use std::collections::BTreeSet;

use async_trait::async_trait;
use gatehouse_domain::{Hostname, Plan, Tenant, TenantId, TenantSlug, TenantStatus};
use serde::Serialize;
use time::OffsetDateTime;

use super::StoreError;

/// How to order a tenant list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantSort {
    #[default]
    Name,
    Slug,
    Created,
    Plan,
    Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// A window into a long list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 50, offset: 0 }
    }
}

/// Filters, order and window of a tenant list. Ties in the sort order break by id, so pages
/// never overlap or skip.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TenantQuery {
    pub plan: Option<Plan>,
    pub status: Option<TenantStatus>,
    /// Case-insensitive substring of the name, slug or any domain.
    pub search: Option<String>,
    /// Only these tenants (an actor's scope); `None`: all.
    pub only: Option<BTreeSet<TenantId>>,
    pub sort: TenantSort,
    pub direction: SortDirection,
    pub page: Page,
}

/// One row of a tenant list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantSummary {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub status: TenantStatus,
    pub plan: Plan,
    pub primary_domain: Option<String>,
    pub domain_count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantPage {
    pub items: Vec<TenantSummary>,
    /// How many tenants match the filters in all.
    pub total: u64,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TenantRepository: Send + Sync {
    async fn get(&self, id: TenantId) -> Result<Option<Tenant>, StoreError>;
    async fn get_by_slug(&self, slug: &TenantSlug) -> Result<Option<Tenant>, StoreError>;
    /// The tenant that owns `hostname`, if any.
    async fn find_by_domain(&self, hostname: &Hostname) -> Result<Option<TenantId>, StoreError>;
    async fn list(&self, query: &TenantQuery) -> Result<TenantPage, StoreError>;
}
