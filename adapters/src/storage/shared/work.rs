//! The unit of work: every change and audit event of a `Work` in one write transaction.

/// Implements `UnitOfWork` for `$store` with the statements of the sibling modules.
macro_rules! work {
    ($store:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{Change, StoreError, UnitOfWork, Work};

        use super::{
            admins, api_keys, audit, outbox, panel, second_factor, sessions, settings, support, tenants,
            usage,
        };
        use $crate::storage::rows::{CountDeltas, backend};

        #[async_trait]
        impl UnitOfWork for $store {
            async fn commit(&self, work: Work) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let mut counts = CountDeltas::default();
                for change in &work.changes {
                    match change {
                        Change::InsertTenant(t) => tenants::insert(&mut tx, t, &mut counts).await?,
                        Change::UpdateTenant(t) => tenants::update(&mut tx, t, &mut counts).await?,
                        Change::InsertAdmin(a) => admins::insert(&mut tx, a).await?,
                        Change::UpdateAdmin(a) => admins::update(&mut tx, a).await?,
                        Change::InsertSession(s) => sessions::insert(&mut tx, s).await?,
                        Change::EndSession { id, at, reason } => {
                            sessions::end(&mut tx, *id, *at, *reason).await?
                        }
                        Change::EndAdminSessions { admin, at, reason, except } => {
                            sessions::end_for_admin(&mut tx, *admin, *at, *reason, *except).await?;
                        }
                        Change::SetPendingTotp { admin, sealed_secret } => {
                            second_factor::set_pending(&mut tx, *admin, sealed_secret.as_deref()).await?;
                        }
                        Change::EnableTotp { admin, sealed_secret, last_step, recovery_code_hashes } => {
                            second_factor::enable(
                                &mut tx,
                                *admin,
                                sealed_secret,
                                *last_step,
                                recovery_code_hashes,
                            )
                            .await?;
                        }
                        Change::DisableTotp { admin } => second_factor::disable(&mut tx, *admin).await?,
                        Change::ReplaceRecoveryCodes { admin, hashes } => {
                            second_factor::replace_codes(&mut tx, *admin, hashes).await?;
                        }
                        Change::SaveSettings(s) => settings::save(&mut tx, s).await?,
                        Change::InsertSetupToken { token_hash, expires_at } => {
                            settings::insert_setup_token(&mut tx, token_hash, *expires_at).await?;
                        }
                        Change::UseSetupToken { token_hash, at } => {
                            settings::use_setup_token(&mut tx, token_hash, *at).await?;
                        }
                        Change::InsertSupportGrant(g) => support::insert(&mut tx, g).await?,
                        Change::InsertApiKey { key, hash } => api_keys::insert(&mut tx, key, hash).await?,
                        Change::RevokeApiKey { id, at } => api_keys::revoke(&mut tx, *id, *at).await?,
                        Change::NoteKeyRefusal { id, at, quiet_since } => {
                            api_keys::note_refusal(&mut tx, *id, *at, *quiet_since).await?;
                        }
                        Change::InsertTenantKey { key, hash } => {
                            api_keys::insert_tenant_key(&mut tx, key, hash).await?;
                        }
                        Change::ExpireTenantKeys { tenant, at } => {
                            api_keys::expire_tenant_keys(&mut tx, *tenant, *at).await?;
                        }
                        Change::RevokeTenantKeys { tenant, at } => {
                            api_keys::revoke_tenant_keys(&mut tx, *tenant, *at).await?;
                        }
                        Change::RevokeTenantKey { tenant, id, at } => {
                            api_keys::revoke_tenant_key(&mut tx, *tenant, *id, *at).await?;
                        }
                        Change::Enqueue(m) => outbox::enqueue(&mut tx, m).await?,
                        Change::RetryMessage { id, at } => outbox::retry(&mut tx, *id, *at).await?,
                        Change::RecordUsage(days) => usage::record_days(&mut tx, days).await?,
                    }
                }
                panel::add_counts(&mut tx, &counts).await?;
                // Last, so that PostgreSQL holds the chain's lock as briefly as possible.
                audit::append(&mut tx, work.audit).await?;
                tx.commit().await.map_err(backend)
            }
        }
    };
}
pub(crate) use work;
