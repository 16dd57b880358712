//! Support grants: who may see which tenant's live end-user data, until when.

use async_trait::async_trait;
use gatehouse_domain::{SupportGrant, TenantId};
use time::OffsetDateTime;

use super::StoreError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SupportGrants: Send + Sync {
    /// The newest grant of `holder` on `tenant` still running at `now`.
    async fn active_grant(
        &self,
        tenant: TenantId,
        holder: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SupportGrant>, StoreError>;
}
