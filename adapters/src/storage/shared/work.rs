//! The unit of work: every change and audit event of a `Work` in one write transaction.

/// Implements `UnitOfWork` for `$store` with the statements of the sibling modules.
macro_rules! work {
    ($store:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{Change, Conflict, StoreError, UnitOfWork, Work};
        use gatehouse_domain::{AuditEvent, AuditKind};

        use $crate::storage::cache::Reach;
        use $crate::storage::looks::arrived;

        use super::{
            admins, api_keys, audit, outbox, panel, second_factor, sessions, settings, support, sync,
            tenants, throttle, usage,
        };
        use $crate::storage::rows::{CountDeltas, backend};

        #[async_trait]
        impl UnitOfWork for $store {
            fn parallel_writes(&self) -> usize {
                <$store>::PARALLEL_WRITES
            }

            async fn commit(&self, work: Work) -> Result<(), StoreError> {
                if only_records_a_look(&work) {
                    return record_looks(self, work.audit).await;
                }
                let mut tx = self.begin_write().await?;
                tx.reaches(reach_of(&work));
                let mut counts = CountDeltas::default();
                // Written together after the loop (a sync commits several tenants' links).
                let mut links = Vec::new();
                for change in &work.changes {
                    match change {
                        Change::InsertTenant(t) => tenants::insert(&mut tx, t, &mut counts).await?,
                        Change::UpdateTenant(t) => tenants::update(&mut tx, t, &mut counts).await?,
                        Change::InsertAdmin(a) => admins::insert(&mut tx, a).await?,
                        Change::UpdateAdmin(a) => admins::update(&mut tx, a).await?,
                        Change::InsertSession(s) => sessions::insert(&mut tx, s).await?,
                        Change::SucceedLoginAttempt { attempt, reset } => {
                            throttle::succeed(&mut tx, *attempt, reset).await?;
                        }
                        Change::EndSession { id, at, reason } => {
                            sessions::end(&mut tx, *id, *at, *reason).await?
                        }
                        Change::EndAdminSessions { admin, at, reason, except } => {
                            sessions::end_for_admin(&mut tx, *admin, *at, *reason, *except).await?;
                        }
                        Change::ClaimTotpStep { admin, step } => {
                            if !second_factor::claim(&mut tx, *admin, *step).await? {
                                return Err(Conflict::TotpStepUsed.into());
                            }
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
                        Change::SaveUpstreamLink(link) => links.push(link),
                        Change::FinishSyncRun(run) => sync::finish_run(&mut tx, run).await?,
                    }
                }
                sync::save_links(&mut tx, &links).await?;
                panel::add_counts(&mut tx, &counts).await?;
                let saves_settings = work.changes.iter().any(|c| matches!(c, Change::SaveSettings(_)));
                // Last, so that PostgreSQL holds the chain's lock as briefly as possible.
                audit::append(&mut tx, work.audit).await?;
                let committed = tx.commit().await.map_err(backend);
                if saves_settings {
                    self.cache.settings_saved();
                }
                committed
            }
        }

        /// What `work` may change among the cache's kept answers: the rollups with a write of
        /// tenants or usage (a new tenant, a status, plan or quota, a day's usage), the security
        /// events with any audit event. Every change is named, so a new one must be placed.
        fn reach_of(work: &Work) -> Reach {
            let rollups = work.changes.iter().any(|change| match change {
                Change::InsertTenant(_) | Change::UpdateTenant(_) | Change::RecordUsage(_) => true,
                Change::InsertAdmin(_)
                | Change::UpdateAdmin(_)
                | Change::InsertSession(_)
                | Change::SucceedLoginAttempt { .. }
                | Change::EndSession { .. }
                | Change::EndAdminSessions { .. }
                | Change::ClaimTotpStep { .. }
                | Change::SetPendingTotp { .. }
                | Change::EnableTotp { .. }
                | Change::DisableTotp { .. }
                | Change::ReplaceRecoveryCodes { .. }
                | Change::SaveSettings(_)
                | Change::InsertSetupToken { .. }
                | Change::UseSetupToken { .. }
                | Change::InsertSupportGrant(_)
                | Change::InsertApiKey { .. }
                | Change::RevokeApiKey { .. }
                | Change::NoteKeyRefusal { .. }
                | Change::InsertTenantKey { .. }
                | Change::ExpireTenantKeys { .. }
                | Change::RevokeTenantKeys { .. }
                | Change::RevokeTenantKey { .. }
                | Change::Enqueue(_)
                | Change::RetryMessage { .. }
                | Change::SaveUpstreamLink(_)
                | Change::FinishSyncRun(_) => false,
            });
            Reach { rollups, events: !work.audit.is_empty() }
        }

        /// A unit of work that changes nothing and records only that a tenant was looked at (the
        /// tenant page writes one per view): appended in batches, and the one kind whose commit
        /// need not wait for the disk (see `commit_without_flush`).
        fn only_records_a_look(work: &Work) -> bool {
            work.changes.is_empty()
                && !work.audit.is_empty()
                && work.audit.iter().all(|e| e.kind == AuditKind::TenantAccess)
        }

        /// Appends the looks `events` with whatever other looks are queued (see
        /// [`looks`](crate::storage::looks)): queue, then either learn that an earlier turn
        /// appended them, or take the turn and append everything queued.
        async fn record_looks(store: &$store, events: Vec<AuditEvent>) -> Result<(), StoreError> {
            let mut outcome = store.looks.queue(events);
            loop {
                if let Some(done) = arrived(&mut outcome) {
                    return done;
                }
                let _turn = store.looks.turn().await;
                if let Some(done) = arrived(&mut outcome) {
                    return done;
                }
                let (batches, waiting): (Vec<Vec<AuditEvent>>, Vec<_>) =
                    store.looks.take().into_iter().unzip();
                let appended = append_looks(store, batches.into_iter().flatten().collect()).await;
                let failure = appended.err().map(|e| e.to_string());
                for waiter in waiting {
                    // A waiter that gave up (its request ended) needs no answer.
                    let _ = waiter.send(failure.clone().map_or(Ok(()), Err));
                }
            }
        }

        /// One transaction appending `events`, committed without waiting for the disk.
        async fn append_looks(store: &$store, events: Vec<AuditEvent>) -> Result<(), StoreError> {
            let mut tx = store.begin_write().await?;
            // A look is not a security event, and changes no tenant.
            tx.reaches(Reach::NEITHER);
            <$store>::commit_without_flush(&mut tx).await?;
            audit::append(&mut tx, events).await?;
            tx.commit().await.map_err(backend)
        }
    };
}
pub(crate) use work;
