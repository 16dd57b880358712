//! Usage counters: tenant-days replaced idempotently, system-wide and per-plan totals kept in
//! step by the difference each replacement makes, and each touched tenant-month recomputed
//! (see [`panel`](super::panel)).

/// Implements `UsageRepository` for `$store`; `totals_after_load` ends both bulk loaders.
macro_rules! usage {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{StoreError, UsageRepository};
        use std::collections::{BTreeMap, BTreeSet};

        use gatehouse_domain::{DailyUsage, Month, Tenant, TenantId, UsageTotals};
        use time::Date;

        use sqlx::QueryBuilder;

        use $crate::storage::rows::{
            ADD_COUNTERS, Counters, SystemRow, UsageRow, backend, columns, push_counters, push_day,
        };
        use $crate::storage::filters::{self, IN_LIST};
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
                let rows = days_between(tenant, from, to).fetch_all(&self.pool).await.map_err(backend)?;
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
        ///
        /// A handful of statements whatever the number of days and tenants (the old rows, the
        /// tenants' plans, the days, the system and plan totals, the touched months): every
        /// statement is a round trip (on SQLite to the connection's thread), a sync records
        /// about fifty days per tenant and commits several tenants together. Of two entries for
        /// one tenant-day, the later one stands.
        pub(super) async fn record_days(conn: &mut $conn, days: &[DailyUsage]) -> Result<(), StoreError> {
            // Each day's old counters are read to adjust the system totals by the difference;
            // two recorders of one day must not both read the same old row.
            let days: BTreeMap<(TenantId, Date), &DailyUsage> =
                days.iter().map(|d| ((d.tenant_id, d.day), d)).collect();
            // The keys are in tenant order: each tenant once.
            let mut tenants: Vec<TenantId> = days.keys().map(|&(tenant, _)| tenant).collect();
            tenants.dedup();
            <$store>::acquire(&mut *conn, Lock::UsageOf(&tenants)).await?;
            let (Some(first), Some(last)) =
                (days.keys().map(|&(_, day)| day).min(), days.keys().map(|&(_, day)| day).max())
            else {
                return Ok(());
            };
            let mut old: BTreeMap<(TenantId, Date), Counters> = BTreeMap::new();
            for row in stored_days(&mut *conn, &tenants, first, last).await? {
                let stored = DailyUsage::try_from(row)?;
                if days.contains_key(&(stored.tenant_id, stored.day)) {
                    old.insert((stored.tenant_id, stored.day), Counters::of(&stored)?);
                }
            }
            let plans = panel::plans_of(&mut *conn, &tenants).await?;
            let mut system: BTreeMap<Date, Counters> = BTreeMap::new();
            let mut by_plan: BTreeMap<(Date, &'static str), Counters> = BTreeMap::new();
            let mut months: BTreeSet<(TenantId, Month)> = BTreeSet::new();
            for (key, day) in &days {
                let delta = Counters::of(day)?.minus(old.get(key).copied().unwrap_or_default());
                system.entry(day.day).or_default().add(delta);
                if let Some(plan) = plans.get(&day.tenant_id) {
                    by_plan.entry((day.day, plan.as_str())).or_default().add(delta);
                }
                months.insert((day.tenant_id, Month::of(day.day)));
            }
            upsert_days(&mut *conn, &days.into_values().collect::<Vec<_>>()).await?;
            // After every day is written: each touched month is recomputed once, exactly.
            panel::recompute_months(&mut *conn, &months).await?;
            // Last: the rows every recorder adds to, locked from here to the commit.
            add_to_system(&mut *conn, &system).await?;
            panel::add_to_plans(&mut *conn, &by_plan).await
        }

        /// The stored rows of `tenants` from `from` to `to` (some of which the caller may not
        /// need: one statement, through the primary key, rather than one per tenant).
        async fn stored_days(
            conn: &mut $conn,
            tenants: &[TenantId],
            from: Date,
            to: Date,
        ) -> Result<Vec<UsageRow>, StoreError> {
            let mut rows = Vec::new();
            for chunk in tenants.chunks(IN_LIST) {
                let mut qb = QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM usage_daily WHERE day >= ",
                    columns::USAGE
                ));
                qb.push_bind(from).push(" AND day <= ").push_bind(to).push(" AND tenant_id IN ");
                filters::ids(&mut qb, chunk.iter().map(|t| t.as_uuid()));
                rows.extend(qb.build_query_as::<UsageRow>().fetch_all(&mut *conn).await.map_err(backend)?);
            }
            Ok(rows)
        }

        /// Inserts or replaces `days` (no tenant-day twice), many rows a statement.
        async fn upsert_days(conn: &mut $conn, days: &[&DailyUsage]) -> Result<(), StoreError> {
            // 10 parameters a row; 1,000 rows stay under both databases' limits.
            for chunk in days.chunks(1_000) {
                let counters = chunk.iter().map(|d| Counters::of(d)).collect::<Result<Vec<_>, _>>()?;
                let mut qb = QueryBuilder::<$db>::new(
                    "INSERT INTO usage_daily (tenant_id, day, auth_attempts, auth_successes, auth_failures, \
                     active_users, api_calls, sms_sent, emails_sent, avg_response_ms) ",
                );
                qb.push_values(chunk.iter().zip(&counters), |mut row, (d, c)| push_day(&mut row, d, c));
                qb.push(
                    " ON CONFLICT (tenant_id, day) DO UPDATE SET auth_attempts = excluded.auth_attempts, \
                     auth_successes = excluded.auth_successes, auth_failures = excluded.auth_failures, \
                     active_users = excluded.active_users, api_calls = excluded.api_calls, \
                     sms_sent = excluded.sms_sent, emails_sent = excluded.emails_sent, \
                     avg_response_ms = excluded.avg_response_ms",
                );
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
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
            add_to_system(&mut *conn, &Counters::sum_by_day(usage)?).await?;
            panel::add_loaded(conn, tenants, usage).await
        }

        /// The stored `usage_daily` rows of `tenant` from `from` to `to`, in order.
        fn days_between(
            tenant: TenantId,
            from: Date,
            to: Date,
        ) -> sqlx::query::QueryAs<'static, $db, UsageRow, <$db as sqlx::Database>::Arguments> {
            let sql = format!(
                "SELECT {} FROM usage_daily WHERE tenant_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
                columns::USAGE
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant.as_uuid()).bind(from).bind(to)
        }

        /// Adds each day's change to the system-wide totals, many days a statement.
        pub(super) async fn add_to_system(conn: &mut $conn, deltas: &BTreeMap<Date, Counters>) -> Result<(), StoreError> {
            add_totals(
                conn,
                "usage_system_daily AS s (day, auth_attempts, auth_successes, auth_failures, active_users, \
                 api_calls, sms_sent, emails_sent, response_ms_weighted)",
                "day",
                deltas,
                |row, day| {
                    row.push_bind(*day);
                },
            )
            .await
        }

        /// Adds each change in `deltas` to the stored counters of its key: `INSERT INTO
        /// <into> … ON CONFLICT (<conflict>)` adding to the row there (`s`), `key` binding a
        /// key's columns before the counters. Many rows a statement. (The old values are
        /// qualified with the table's alias: PostgreSQL finds a bare column name ambiguous next
        /// to `excluded`.)
        pub(super) async fn add_totals<K>(
            conn: &mut $conn,
            into: &str,
            conflict: &str,
            deltas: &BTreeMap<K, Counters>,
            key: impl Fn(&mut sqlx::query_builder::Separated<'_, $db, &'static str>, &K),
        ) -> Result<(), StoreError> {
            let deltas: Vec<_> = deltas.iter().collect();
            // At most 10 parameters a row; 1,000 rows stay under both databases' limits.
            for chunk in deltas.chunks(1_000) {
                let mut qb = QueryBuilder::<$db>::new(format!("INSERT INTO {into} "));
                qb.push_values(chunk, |mut row, (k, delta)| {
                    key(&mut row, k);
                    push_counters(&mut row, delta);
                });
                qb.push(format!(" ON CONFLICT ({conflict}) DO UPDATE SET {ADD_COUNTERS}"));
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
        }
    };
}
pub(crate) use usage;
