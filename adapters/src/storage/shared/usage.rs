//! Usage counters: tenant-days replaced idempotently, system-wide and per-plan totals kept in
//! step by the difference each replacement makes, and each touched tenant-month recomputed
//! (see [`panel`](super::panel)).

/// Implements `UsageRepository` for `$store`; `totals_after_load` ends both bulk loaders.
macro_rules! usage {
    ($store:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{StoreError, UsageRepository};
        use std::collections::{BTreeMap, BTreeSet};

        use gatehouse_domain::{DailyUsage, Month, Plan, Tenant, TenantId, UsageTotals};
        use time::Date;

        use $crate::storage::rows::{Counters, SystemRow, UsageRow, backend, columns};
        use $crate::storage::shared::Lock;

        use super::panel;

        #[async_trait]
        impl UsageRepository for $store {
            async fn record(&self, days: &[DailyUsage]) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                record_days(&mut tx, days).await?;
                tx.commit().await.map_err(backend)
            }

            async fn daily(&self, tenant: TenantId, from: Date, to: Date) -> Result<Vec<DailyUsage>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM usage_daily WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
                    columns::USAGE
                );
                let rows: Vec<UsageRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(tenant.as_uuid())
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(DailyUsage::try_from).collect()
            }

            async fn totals(&self, tenant: TenantId, from: Date, to: Date) -> Result<UsageTotals, StoreError> {
                // At most a few hundred days: summing in Rust keeps the one definition of the totals.
                Ok(UsageTotals::sum(&self.daily(tenant, from, to).await?))
            }

            /// A rollup the dashboard reads: kept for a few seconds, dropped by any write of this
            /// process (see `ReadCache::rollup`).
            async fn system_daily(&self, from: Date, to: Date) -> Result<Vec<(Date, UsageTotals)>, StoreError> {
                self.cache
                    .rollup(&self.cache.system_days, (from, to), async {
                        let sql = format!(
                            "SELECT {} FROM usage_system_daily WHERE day >= $1 AND day <= $2 ORDER BY day",
                            columns::SYSTEM
                        );
                        let rows: Vec<SystemRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                            .bind(from)
                            .bind(to)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(backend)?;
                        rows.into_iter().map(SystemRow::into_totals).collect()
                    })
                    .await
            }
        }

        /// Replaces each tenant-day and keeps the system, plan and monthly rollups in step, in the
        /// caller's write transaction (`record`, or a unit of work's `RecordUsage`).
        pub(super) async fn record_days(conn: &mut $conn, days: &[DailyUsage]) -> Result<(), StoreError> {
            // Each day's old counters are read to adjust the system totals by the difference;
            // two recorders of one day must not both read the same old row.
            <$store>::acquire(&mut *conn, Lock::UsageTotals).await?;
            let mut plans: BTreeMap<TenantId, Option<Plan>> = BTreeMap::new();
            let mut months: BTreeSet<(TenantId, Month)> = BTreeSet::new();
            for day in days {
                let sql =
                    format!("SELECT {} FROM usage_daily WHERE tenant_id = $1 AND day = $2", columns::USAGE);
                let old: Option<UsageRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(day.tenant_id.as_uuid())
                    .bind(day.day)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                let old = match old {
                    Some(row) => Counters::of(&DailyUsage::try_from(row)?)?,
                    None => Counters::default(),
                };
                upsert_day(&mut *conn, day).await?;
                let delta = Counters::of(day)?.minus(old);
                add_to_system(&mut *conn, day.day, delta).await?;
                let plan = match plans.get(&day.tenant_id) {
                    Some(plan) => *plan,
                    None => {
                        let plan = panel::plan_of(&mut *conn, day.tenant_id).await?;
                        plans.insert(day.tenant_id, plan);
                        plan
                    }
                };
                if let Some(plan) = plan {
                    panel::add_to_plan(&mut *conn, day.day, plan.as_str(), delta).await?;
                }
                months.insert((day.tenant_id, Month::of(day.day)));
            }
            // After every day is written: each touched month is recomputed once, exactly.
            for (tenant, month) in months {
                panel::recompute_month(&mut *conn, tenant, month).await?;
            }
            Ok(())
        }

        async fn upsert_day(conn: &mut $conn, d: &DailyUsage) -> Result<(), StoreError> {
            let c = Counters::of(d)?;
            sqlx::query(
                "INSERT INTO usage_daily (tenant_id, day, auth_attempts, auth_successes, auth_failures, \
                 active_users, api_calls, sms_sent, emails_sent, avg_response_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (tenant_id, day) DO UPDATE SET auth_attempts = excluded.auth_attempts, \
                 auth_successes = excluded.auth_successes, auth_failures = excluded.auth_failures, \
                 active_users = excluded.active_users, api_calls = excluded.api_calls, \
                 sms_sent = excluded.sms_sent, emails_sent = excluded.emails_sent, \
                 avg_response_ms = excluded.avg_response_ms",
            )
            .bind(d.tenant_id.as_uuid())
            .bind(d.day)
            .bind(c.auth_attempts)
            .bind(c.auth_successes)
            .bind(c.auth_failures)
            .bind(c.active_users)
            .bind(c.api_calls)
            .bind(c.sms_sent)
            .bind(c.emails_sent)
            .bind(i64::from(d.avg_response_ms))
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// What a bulk load owes the rollups once its rows are in, in this order: the usage lock
        /// (recorders recompute months from the daily rows and must not miss these), the
        /// system-wide days, then the panel's monthly rows and counts.
        pub(super) async fn totals_after_load(
            conn: &mut $conn,
            tenants: &[Tenant],
            usage: &[DailyUsage],
        ) -> Result<(), StoreError> {
            <$store>::acquire(&mut *conn, Lock::UsageTotals).await?;
            for (day, delta) in Counters::sum_by_day(usage)? {
                add_to_system(&mut *conn, day, delta).await?;
            }
            panel::add_loaded(conn, tenants, usage).await
        }

        /// Adds `delta` to the system-wide totals of `day`. (The old values are qualified with
        /// the table name: PostgreSQL finds a bare column name ambiguous next to `excluded`.)
        pub(super) async fn add_to_system(conn: &mut $conn, day: Date, delta: Counters) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO usage_system_daily AS s (day, auth_attempts, auth_successes, auth_failures, \
                 active_users, api_calls, sms_sent, emails_sent, response_ms_weighted) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (day) DO UPDATE SET auth_attempts = s.auth_attempts + excluded.auth_attempts, \
                 auth_successes = s.auth_successes + excluded.auth_successes, \
                 auth_failures = s.auth_failures + excluded.auth_failures, \
                 active_users = s.active_users + excluded.active_users, \
                 api_calls = s.api_calls + excluded.api_calls, sms_sent = s.sms_sent + excluded.sms_sent, \
                 emails_sent = s.emails_sent + excluded.emails_sent, \
                 response_ms_weighted = s.response_ms_weighted + excluded.response_ms_weighted",
            )
            .bind(day)
            .bind(delta.auth_attempts)
            .bind(delta.auth_successes)
            .bind(delta.auth_failures)
            .bind(delta.active_users)
            .bind(delta.api_calls)
            .bind(delta.sms_sent)
            .bind(delta.emails_sent)
            .bind(delta.response_ms_weighted)
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }
    };
}
pub(crate) use usage;
