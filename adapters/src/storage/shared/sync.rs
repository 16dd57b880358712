//! The tenant sync's links and runs (migration 0009).

/// Implements `SyncStore` for `$store`; links are saved and runs finished by a unit of work.
macro_rules! sync {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use $crate::storage::cache::Reach;
        use gatehouse_application::ports::{
            Conflict, StoreError, SyncCounts, SyncRun, SyncStore, SyncTrigger, TenantRegistration, UpstreamLink,
        };
        use gatehouse_domain::TenantId;
        use time::{Date, OffsetDateTime};
        use uuid::Uuid;

        use $crate::storage::rows::{Ts, backend, count};

        type LinkRow = (Uuid, Option<Vec<u8>>, Option<String>, Option<Date>, Option<Ts>, Option<String>);
        type RunRow = (
            Uuid,
            String,
            String,
            Option<Uuid>,
            Ts,
            Ts,
            Option<Ts>,
            i64,
            i64,
            i64,
            i64,
            String,
            Option<String>,
        );

        const RUN_COLUMNS: &str = "id, trigger_kind, actor, tenant_id, started_at, heartbeat_at, finished_at, \
                                   total, synced, unchanged, failed, failures, error";

        fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
            StoreError::backend(std::io::Error::other(format!("stored {what} unreadable: {e}")))
        }

        fn link_of(row: LinkRow) -> Result<UpstreamLink, StoreError> {
            let (tenant, sealed_tenant_key, acknowledged, stats_through, synced_at, last_error) = row;
            let acknowledged = acknowledged
                .map(|json| serde_json::from_str::<TenantRegistration>(&json))
                .transpose()
                .map_err(|e| corrupt("upstream link", e))?;
            Ok(UpstreamLink {
                tenant: TenantId::from_uuid(tenant),
                sealed_tenant_key,
                acknowledged,
                stats_through,
                synced_at: synced_at.map(|t| t.0),
                last_error,
            })
        }

        fn unsigned(n: i64) -> u64 {
            u64::try_from(n).unwrap_or(0)
        }

        fn run_of(row: RunRow) -> Result<SyncRun, StoreError> {
            let (id, trigger, actor, tenant, started, heartbeat, finished, total, synced, unchanged, failed, failures, error) =
                row;
            Ok(SyncRun {
                id,
                trigger: SyncTrigger::parse(&trigger).ok_or_else(|| corrupt("sync run", &trigger))?,
                actor,
                tenant: tenant.map(TenantId::from_uuid),
                started_at: started.0,
                heartbeat_at: heartbeat.0,
                finished_at: finished.map(|t| t.0),
                counts: SyncCounts {
                    total: unsigned(total),
                    synced: unsigned(synced),
                    unchanged: unsigned(unchanged),
                    failed: unsigned(failed),
                },
                failures: serde_json::from_str(&failures).map_err(|e| corrupt("sync run", e))?,
                error,
            })
        }

        fn running_conflict(run: &SyncRun) -> StoreError {
            let t = run.started_at;
            Conflict::SyncRunning(format!(
                "{} since {} {:02}:{:02} UTC (run {})",
                run.actor,
                t.date(),
                t.hour(),
                t.minute(),
                run.id
            ))
            .into()
        }

        #[async_trait]
        impl SyncStore for $store {
            async fn link(&self, tenant: TenantId) -> Result<Option<UpstreamLink>, StoreError> {
                let row: Option<LinkRow> = sqlx::query_as(
                    "SELECT tenant_id, sealed_tenant_key, acknowledged, stats_through, synced_at, last_error \
                     FROM upstream_links WHERE tenant_id = $1",
                )
                .bind(tenant.as_uuid())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                row.map(link_of).transpose()
            }

            async fn tenant_ids(&self, after: Option<TenantId>, limit: u32) -> Result<Vec<TenantId>, StoreError> {
                let rows: Vec<(Uuid,)> = match after {
                    Some(after) => sqlx::query_as("SELECT id FROM tenants WHERE id > $1 ORDER BY id LIMIT $2")
                        .bind(after.as_uuid())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await,
                    None => sqlx::query_as("SELECT id FROM tenants ORDER BY id LIMIT $1")
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await,
                }
                .map_err(backend)?;
                Ok(rows.into_iter().map(|(id,)| TenantId::from_uuid(id)).collect())
            }

            async fn begin_run(&self, run: &SyncRun, now: OffsetDateTime) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                tx.reaches(Reach::NEITHER);
                let silent_since = now - gatehouse_application::ports::SYNC_LEASE;
                sqlx::query(
                    "UPDATE sync_runs SET running = NULL, finished_at = $1, \
                     error = $3 WHERE running = 1 AND heartbeat_at < $2",
                )
                .bind(Ts::new(now))
                .bind(Ts::new(silent_since))
                .bind("abandoned: no sign of life for two minutes (its process stopped)")
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                let sql = format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE running = 1");
                let running: Option<RunRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut *tx).await.map_err(backend)?;
                if let Some(row) = running {
                    return Err(running_conflict(&run_of(row)?));
                }
                sqlx::query(
                    "INSERT INTO sync_runs (id, running, trigger_kind, actor, tenant_id, started_at, heartbeat_at, \
                     total, synced, unchanged, failed, failures) VALUES ($1, 1, $2, $3, $4, $5, $5, $6, 0, 0, 0, '[]')",
                )
                .bind(run.id)
                .bind(run.trigger.as_str())
                .bind(&run.actor)
                .bind(run.tenant.map(|t| t.as_uuid()))
                .bind(Ts::new(run.started_at))
                .bind(count(run.counts.total)?)
                .execute(&mut *tx)
                .await
                .map_err(|e| match &e {
                    // Another instance inserted its run between our look and our insert.
                    sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation => {
                        Conflict::SyncRunning("another instance started one just now".into()).into()
                    }
                    _ => backend(e),
                })?;
                tx.commit().await.map_err(backend)
            }

            async fn heartbeat(&self, id: Uuid, counts: SyncCounts, at: OffsetDateTime) -> Result<(), StoreError> {
                let mut one = self.write_one(Reach::NEITHER).await?;
                let done = sqlx::query(
                    "UPDATE sync_runs SET heartbeat_at = $2, synced = $3, unchanged = $4, failed = $5 \
                     WHERE id = $1 AND running = 1",
                )
                .bind(id)
                .bind(Ts::new(at))
                .bind(count(counts.synced)?)
                .bind(count(counts.unchanged)?)
                .bind(count(counts.failed)?)
                .execute(&mut *one)
                .await
                .map_err(backend)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn recent_runs(&self, limit: u32) -> Result<Vec<SyncRun>, StoreError> {
                let sql = format!(
                    "SELECT {RUN_COLUMNS} FROM sync_runs ORDER BY started_at DESC, id DESC LIMIT $1"
                );
                let rows: Vec<RunRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(run_of).collect()
            }

            async fn run(&self, id: Uuid) -> Result<Option<SyncRun>, StoreError> {
                let sql = format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = $1");
                let row: Option<RunRow> =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
                row.map(run_of).transpose()
            }
        }

        /// Inserts or replaces `links`, many a statement (a sync commits the links of several
        /// tenants together); of two links of one tenant, the later one stands.
        pub(super) async fn save_links(conn: &mut $conn, links: &[&UpstreamLink]) -> Result<(), StoreError> {
            let links: Vec<&UpstreamLink> = links
                .iter()
                .map(|link| (link.tenant, *link))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_values()
                .collect();
            // 6 parameters a link.
            for chunk in links.chunks(1_000) {
                let acknowledged = chunk
                    .iter()
                    .map(|link| link.acknowledged.as_ref().map(serde_json::to_string).transpose())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::backend)?;
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO upstream_links \
                     (tenant_id, sealed_tenant_key, acknowledged, stats_through, synced_at, last_error) ",
                );
                qb.push_values(chunk.iter().zip(acknowledged), |mut row, (link, acknowledged)| {
                    row.push_bind(link.tenant.as_uuid())
                        .push_bind(link.sealed_tenant_key.clone())
                        .push_bind(acknowledged)
                        .push_bind(link.stats_through)
                        .push_bind(link.synced_at.map(Ts::new))
                        .push_bind(link.last_error.clone());
                });
                qb.push(
                    " ON CONFLICT (tenant_id) DO UPDATE SET sealed_tenant_key = excluded.sealed_tenant_key, \
                     acknowledged = excluded.acknowledged, stats_through = excluded.stats_through, \
                     synced_at = excluded.synced_at, last_error = excluded.last_error",
                );
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
        }

        /// Records a run's end and releases the run lock; `NotFound` unless it was running.
        pub(super) async fn finish_run(conn: &mut $conn, run: &SyncRun) -> Result<(), StoreError> {
            let failures = serde_json::to_string(&run.failures).map_err(StoreError::backend)?;
            let done = sqlx::query(
                "UPDATE sync_runs SET running = NULL, finished_at = $2, heartbeat_at = $2, synced = $3, \
                 unchanged = $4, failed = $5, failures = $6, error = $7 WHERE id = $1 AND running = 1",
            )
            .bind(run.id)
            .bind(Ts::new(run.finished_at.unwrap_or(run.heartbeat_at)))
            .bind(count(run.counts.synced)?)
            .bind(count(run.counts.unchanged)?)
            .bind(count(run.counts.failed)?)
            .bind(failures)
            .bind(run.error.as_deref())
            .execute(conn)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
        }
    };
}
pub(crate) use sync;
