//! Reading SuperAdmins.

use async_trait::async_trait;
use gatehouse_domain::{AdminId, SuperAdmin, Username};

use super::StoreError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AdminRepository: Send + Sync {
    async fn get(&self, id: AdminId) -> Result<Option<SuperAdmin>, StoreError>;
    async fn get_by_username(&self, username: &Username) -> Result<Option<SuperAdmin>, StoreError>;
    /// All admins, by username.
    async fn list(&self) -> Result<Vec<SuperAdmin>, StoreError>;
}
