//! The unit of work on PostgreSQL: every change and audit event of a `Work` in one
//! transaction; the audit append takes the chain's advisory lock last, after the row changes.

use async_trait::async_trait;
use gatehouse_application::ports::{Change, StoreError, UnitOfWork, Work};

use super::{PgStore, admins, audit, tenants};
use crate::storage::rows::backend;

#[async_trait]
impl UnitOfWork for PgStore {
    async fn commit(&self, work: Work) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        for change in &work.changes {
            match change {
                Change::InsertTenant(t) => tenants::insert(&mut tx, t).await?,
                Change::UpdateTenant(t) => tenants::update(&mut tx, t).await?,
                Change::InsertAdmin(a) => admins::insert(&mut tx, a).await?,
            }
        }
        audit::append(&mut tx, work.audit).await?;
        tx.commit().await.map_err(backend)
    }
}
