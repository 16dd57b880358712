//! The panel's read models ([`PanelQueries`](gatehouse_application::ports::PanelQueries)) and
//! the statements that keep their rollups in step with every write:
//!
//! - `usage_tenant_monthly`: one row per tenant and month, **recomputed** from `usage_daily`
//!   for each (tenant, month) that `UsageRepository::record` touches, so it is exact whatever
//!   was overwritten; the bulk loader, whose days are all new rows, adds their sums instead
//!   (exactly what a recomputation would add, without re-reading millions of rows). It carries
//!   the tenant's plan and quota and the used per-mille, refreshed when the tenant's plan or
//!   quota changes, so "near quota" and "top tenants" are index range scans;
//! - `usage_plan_daily`: adjusted by the difference of every write, like `usage_system_daily`,
//!   under the tenant's plan at write time;
//! - `tenant_counts`: adjusted by ±1 per (status, plan) on every tenant insert and update.

/// Implements `PanelQueries` for `$store`, and the rollup statements the write paths call.
macro_rules! panel {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{
            BillingRow, PanelQueries, PlanDay, StoreError, TenantCount, TenantMonthUsage,
        };
        use std::collections::{BTreeMap, BTreeSet};

        use gatehouse_domain::{DailyUsage, Month, Plan, Tenant, TenantId};
        use sqlx::QueryBuilder;
        use time::{Date, Time};
        use uuid::Uuid;

        use $crate::storage::filters;
        use $crate::storage::rows::{
            BillingRowRow, CountDeltas, Counters, MONTH_USAGE, MonthDelta, MonthUsageRow, PlanDayRow,
            TenantCountRow, Ts, auth_quota, backend, columns, sum_by_day_and_plan,
        };

        #[async_trait]
        impl PanelQueries for $store {
            // The dashboard's rollups are kept for a few seconds and dropped by any write of
            // this process (see `ReadCache::rollup`).

            async fn tenant_counts(&self) -> Result<Vec<TenantCount>, StoreError> {
                self.cache
                    .rollup(&self.cache.tenant_counts, (), async {
                        let rows: Vec<TenantCountRow> = sqlx::query_as(
                            "SELECT status, plan, tenants FROM tenant_counts WHERE tenants > 0 \
                             ORDER BY status, plan",
                        )
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                        rows.into_iter().map(TenantCount::try_from).collect()
                    })
                    .await
            }

            async fn top_tenants(&self, month: Month, limit: u32) -> Result<Vec<TenantMonthUsage>, StoreError> {
                let sql = format!(
                    "SELECT {MONTH_USAGE} FROM usage_tenant_monthly m JOIN tenants t ON t.id = m.tenant_id \
                     WHERE m.month = $1 ORDER BY m.auth_attempts DESC, m.tenant_id{}",
                    filters::limit(limit)
                );
                self.cache.rollup(&self.cache.top_tenants, (month, limit), month_rows(self, sql, month)).await
            }

            async fn near_quota(&self, month: Month, limit: u32) -> Result<Vec<TenantMonthUsage>, StoreError> {
                let sql = format!(
                    "SELECT {MONTH_USAGE} FROM usage_tenant_monthly m JOIN tenants t ON t.id = m.tenant_id \
                     WHERE m.month = $1 AND m.quota_per_mille >= 800 \
                     ORDER BY m.quota_per_mille DESC, m.tenant_id{}",
                    filters::limit(limit)
                );
                self.cache.rollup(&self.cache.near_quota, (month, limit), month_rows(self, sql, month)).await
            }

            async fn plan_daily(&self, from: Date, to: Date) -> Result<Vec<PlanDay>, StoreError> {
                let sql = format!(
                    "SELECT plan, {} FROM usage_plan_daily WHERE day >= $1 AND day <= $2 ORDER BY day, plan",
                    columns::SYSTEM
                );
                let rows: Vec<PlanDayRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(from)
                    .bind(to)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                rows.into_iter().map(PlanDay::try_from).collect()
            }

            async fn billing_page(
                &self,
                month: Month,
                after: Option<TenantId>,
                limit: u32,
            ) -> Result<Vec<BillingRow>, StoreError> {
                // Keyset paging by id: each page is one range of the primary key, whatever the
                // page number. The nil UUID sorts first and is never a (v7) tenant id.
                let after = after.map_or(Uuid::nil(), |t| t.as_uuid());
                let end = month.last_day().next_day().unwrap_or(Date::MAX).with_time(Time::MIDNIGHT).assume_utc();
                let rows: Vec<BillingRowRow> = sqlx::query_as(
                    "SELECT t.id, t.name, t.slug, t.plan, t.status, m.plan AS month_plan, \
                     COALESCE(m.auth_quota, t.auth_quota) AS included, COALESCE(m.auth_attempts, 0) AS used \
                     FROM tenants t LEFT JOIN usage_tenant_monthly m ON m.tenant_id = t.id AND m.month = $1 \
                     WHERE t.id > $2 AND t.created_at < $3 AND (m.auth_attempts > 0 \
                     OR (t.plan <> 'free' AND t.status IN ('active', 'suspended'))) \
                     ORDER BY t.id LIMIT $4",
                )
                .bind(month.to_string())
                .bind(after)
                .bind(Ts::new(end))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                rows.into_iter().map(BillingRow::try_from).collect()
            }
        }

        async fn month_rows(store: &$store, sql: String, month: Month) -> Result<Vec<TenantMonthUsage>, StoreError> {
            let rows: Vec<MonthUsageRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(month.to_string())
                .fetch_all(&store.pool)
                .await
                .map_err(backend)?;
            rows.into_iter().map(TenantMonthUsage::try_from).collect()
        }

        /// Applies tenant count changes, in key order (see [`CountDeltas`]).
        pub(super) async fn add_counts(conn: &mut $conn, deltas: &CountDeltas) -> Result<(), StoreError> {
            for (status, plan, n) in deltas.changes() {
                sqlx::query(
                    "INSERT INTO tenant_counts AS c (status, plan, tenants) VALUES ($1, $2, $3) \
                     ON CONFLICT (status, plan) DO UPDATE SET tenants = c.tenants + excluded.tenants",
                )
                .bind(status)
                .bind(plan)
                .bind(n)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            }
            Ok(())
        }

        /// Re-rates a tenant's months from `from` on against its (new) plan and quota.
        pub(super) async fn refresh_months(
            conn: &mut $conn,
            tenant: Uuid,
            plan: Plan,
            quota: i64,
            from: Month,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE usage_tenant_monthly SET plan = $2, auth_quota = $3, quota_per_mille = \
                 CASE WHEN $3 <= 0 THEN 1000 ELSE auth_attempts * 1000 / $3 END \
                 WHERE tenant_id = $1 AND month >= $4",
            )
            .bind(tenant)
            .bind(plan.as_str())
            .bind(quota)
            .bind(from.to_string())
            .execute(conn)
            .await
            .map(drop)
            .map_err(backend)
        }

        /// The current plans of `tenants`; ids that name no tenant are left out.
        pub(super) async fn plans_of(conn: &mut $conn, tenants: &[TenantId]) -> Result<BTreeMap<TenantId, Plan>, StoreError> {
            let mut plans = BTreeMap::new();
            for chunk in tenants.chunks(filters::IN_LIST) {
                let mut qb = QueryBuilder::<$db>::new("SELECT id, plan FROM tenants WHERE id IN ");
                filters::ids(&mut qb, chunk.iter().map(|t| t.as_uuid()));
                let rows: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(&mut *conn).await.map_err(backend)?;
                for (id, plan) in rows {
                    plans.insert(TenantId::from_uuid(id), plan.parse().map_err(StoreError::backend)?);
                }
            }
            Ok(plans)
        }

        /// Adds each change to its plan's totals of its day, many a statement.
        pub(super) async fn add_to_plans(
            conn: &mut $conn,
            deltas: &BTreeMap<(Date, &'static str), Counters>,
        ) -> Result<(), StoreError> {
            super::usage::add_totals(
                conn,
                "usage_plan_daily AS s (day, plan, auth_attempts, auth_successes, auth_failures, \
                 active_users, api_calls, sms_sent, emails_sent, response_ms_weighted)",
                "day, plan",
                deltas,
                |row, (day, plan)| {
                    row.push_bind(*day).push_bind(*plan);
                },
            )
            .await
        }

        /// Recomputes each (tenant, month) of `months` from its daily rows (at most 31 each, by
        /// primary key), many a statement.
        pub(super) async fn recompute_months(
            conn: &mut $conn,
            months: &BTreeSet<(TenantId, Month)>,
        ) -> Result<(), StoreError> {
            let months: Vec<_> = months.iter().collect();
            // 4 parameters a month.
            for chunk in months.chunks(filters::IN_LIST / 4) {
                let mut qb = QueryBuilder::<$db>::new("WITH m (tenant_id, month, first_day, last_day) AS (");
                qb.push_values(chunk, |mut row, (tenant, month)| {
                    row.push_bind(tenant.as_uuid())
                        .push_bind(month.to_string())
                        .push_bind(month.first_day())
                        .push_bind(month.last_day());
                });
                // `WHERE` before `GROUP BY`: SQLite needs one to tell the upsert's `ON` from a join's.
                qb.push(
                    ") INSERT INTO usage_tenant_monthly (tenant_id, month, days, auth_attempts, auth_successes, \
                     auth_failures, peak_active_users, api_calls, sms_sent, emails_sent, response_ms_weighted, \
                     plan, auth_quota, quota_per_mille) \
                     SELECT d.tenant_id, m.month, COUNT(*), CAST(SUM(d.auth_attempts) AS BIGINT), \
                     CAST(SUM(d.auth_successes) AS BIGINT), CAST(SUM(d.auth_failures) AS BIGINT), \
                     MAX(d.active_users), CAST(SUM(d.api_calls) AS BIGINT), CAST(SUM(d.sms_sent) AS BIGINT), \
                     CAST(SUM(d.emails_sent) AS BIGINT), CAST(SUM(d.avg_response_ms * d.auth_attempts) AS BIGINT), \
                     COALESCE(MAX(t.plan), 'free'), COALESCE(MAX(t.auth_quota), 0), \
                     CASE WHEN COALESCE(MAX(t.auth_quota), 0) <= 0 THEN 1000 \
                     ELSE CAST(SUM(d.auth_attempts) AS BIGINT) * 1000 / MAX(t.auth_quota) END \
                     FROM m JOIN usage_daily d ON d.tenant_id = m.tenant_id \
                     LEFT JOIN tenants t ON t.id = d.tenant_id \
                     WHERE d.day >= m.first_day AND d.day <= m.last_day GROUP BY d.tenant_id, m.month \
                     ON CONFLICT (tenant_id, month) DO UPDATE SET days = excluded.days, \
                     auth_attempts = excluded.auth_attempts, auth_successes = excluded.auth_successes, \
                     auth_failures = excluded.auth_failures, peak_active_users = excluded.peak_active_users, \
                     api_calls = excluded.api_calls, sms_sent = excluded.sms_sent, emails_sent = excluded.emails_sent, \
                     response_ms_weighted = excluded.response_ms_weighted, plan = excluded.plan, \
                     auth_quota = excluded.auth_quota, quota_per_mille = excluded.quota_per_mille",
                );
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
        }

        /// Counts the new `tenants` and adds the new `usage` days to the plan and month rollups
        /// (the bulk loader's path: every row is new, so sums are exact deltas).
        pub(super) async fn add_loaded(
            conn: &mut $conn,
            tenants: &[Tenant],
            usage: &[DailyUsage],
        ) -> Result<(), StoreError> {
            let mut counts = CountDeltas::default();
            let mut known: BTreeMap<TenantId, (Plan, i64)> = BTreeMap::new();
            for t in tenants {
                counts.add(t.status, t.plan);
                known.insert(t.id, (t.plan, auth_quota(t)?));
            }
            add_counts(conn, &counts).await?;
            // Usage of tenants loaded earlier: their plan and quota come from the database.
            let mut stored: BTreeMap<TenantId, Option<(Plan, i64)>> = BTreeMap::new();
            for d in usage {
                if !known.contains_key(&d.tenant_id) && !stored.contains_key(&d.tenant_id) {
                    let row: Option<(String, i64)> =
                        sqlx::query_as("SELECT plan, auth_quota FROM tenants WHERE id = $1")
                            .bind(d.tenant_id.as_uuid())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(backend)?;
                    let row = match row {
                        Some((plan, quota)) => Some((plan.parse().map_err(StoreError::backend)?, quota)),
                        None => None,
                    };
                    stored.insert(d.tenant_id, row);
                }
            }
            let lookup = |id: TenantId| known.get(&id).copied().or_else(|| stored.get(&id).copied().flatten());
            add_to_plans(conn, &sum_by_day_and_plan(usage, |id| lookup(id).map(|(p, _)| p))?).await?;
            let months = MonthDelta::of_new_days(usage, |id| lookup(id).unwrap_or((Plan::Free, 0)))?;
            add_months(conn, &months).await
        }

        /// Adds the sums of new days to tenants' months (the bulk path), many rows a statement.
        pub(super) async fn add_months(conn: &mut $conn, deltas: &[MonthDelta]) -> Result<(), StoreError> {
            // 14 parameters a row; 2,000 rows stay under both databases' limits.
            for chunk in deltas.chunks(2_000) {
                let mut qb = QueryBuilder::<$db>::new(
                    "INSERT INTO usage_tenant_monthly AS m (tenant_id, month, days, auth_attempts, \
                     auth_successes, auth_failures, peak_active_users, api_calls, sms_sent, emails_sent, \
                     response_ms_weighted, plan, auth_quota, quota_per_mille) ",
                );
                qb.push_values(chunk, |mut row, d| {
                    row.push_bind(d.tenant_id)
                        .push_bind(d.month.clone())
                        .push_bind(d.days)
                        .push_bind(d.counters.auth_attempts)
                        .push_bind(d.counters.auth_successes)
                        .push_bind(d.counters.auth_failures)
                        .push_bind(d.peak_active_users)
                        .push_bind(d.counters.api_calls)
                        .push_bind(d.counters.sms_sent)
                        .push_bind(d.counters.emails_sent)
                        .push_bind(d.counters.response_ms_weighted)
                        .push_bind(d.plan)
                        .push_bind(d.auth_quota)
                        .push_bind(d.per_mille());
                });
                qb.push(
                    " ON CONFLICT (tenant_id, month) DO UPDATE SET days = m.days + excluded.days, \
                     auth_attempts = m.auth_attempts + excluded.auth_attempts, \
                     auth_successes = m.auth_successes + excluded.auth_successes, \
                     auth_failures = m.auth_failures + excluded.auth_failures, \
                     peak_active_users = CASE WHEN m.peak_active_users > excluded.peak_active_users \
                     THEN m.peak_active_users ELSE excluded.peak_active_users END, \
                     api_calls = m.api_calls + excluded.api_calls, sms_sent = m.sms_sent + excluded.sms_sent, \
                     emails_sent = m.emails_sent + excluded.emails_sent, \
                     response_ms_weighted = m.response_ms_weighted + excluded.response_ms_weighted, \
                     plan = excluded.plan, auth_quota = excluded.auth_quota, \
                     quota_per_mille = CASE WHEN excluded.auth_quota <= 0 THEN 1000 \
                     ELSE (m.auth_attempts + excluded.auth_attempts) * 1000 / excluded.auth_quota END",
                );
                qb.build().execute(&mut *conn).await.map_err(backend)?;
            }
            Ok(())
        }
    };
}
pub(crate) use panel;
