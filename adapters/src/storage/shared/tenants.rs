//! Tenants: reading aggregates and lists, and the statements that write them.

/// Implements `TenantRepository` for `$store`; `insert` and `update` run in a unit of work.
macro_rules! tenants {
    ($store:ty, $db:ty, $conn:ty) => {
        use async_trait::async_trait;
        use gatehouse_application::ports::{
            StoreError, TenantPage, TenantQuery, TenantRepository, TenantSummary,
        };
        use gatehouse_domain::{Hostname, Month, Plan, Tenant, TenantId, TenantSlug, TenantStatus};
        use sqlx::QueryBuilder;
        use uuid::Uuid;

        use std::sync::Arc;

        use $crate::storage::cache::{Kept, Matches, SEARCH_KEEP_MAX};
        use $crate::storage::filters;
        use $crate::storage::rows::{
            CountDeltas, SummaryRow, TenantDomainRow, TenantValues, Ts, backend, columns, tenant_order,
            write_error,
        };
        use $crate::storage::shared::Lock;

        use super::panel;

        /// The tenant `column` names, with its domains: one statement, a row per domain (one
        /// without a domain for a tenant that has none). `column` is written into the statement:
        /// a literal of this file, never input.
        async fn load<T>(store: &$store, column: &'static str, value: T) -> Result<Option<Tenant>, StoreError>
        where
            T: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send + 'static,
        {
            let sql = format!(
                "SELECT {}, hostname, is_primary, added_at FROM tenants t \
                 LEFT JOIN tenant_domains d ON d.tenant_id = t.id WHERE t.{column} = $1 ORDER BY d.position",
                columns::TENANT
            );
            let rows: Vec<TenantDomainRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .fetch_all(&store.pool)
                .await
                .map_err(backend)?;
            TenantDomainRow::into_tenant(rows)
        }

        #[async_trait]
        impl TenantRepository for $store {
            async fn get(&self, id: TenantId) -> Result<Option<Tenant>, StoreError> {
                load(self, "id", id.as_uuid()).await
            }

            async fn get_by_slug(&self, slug: &TenantSlug) -> Result<Option<Tenant>, StoreError> {
                load(self, "slug", slug.as_str().to_owned()).await
            }

            async fn find_by_domain(&self, hostname: &Hostname) -> Result<Option<TenantId>, StoreError> {
                let id: Option<Uuid> =
                    sqlx::query_scalar("SELECT tenant_id FROM tenant_domains WHERE hostname = $1")
                        .bind(hostname.as_str())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend)?;
                Ok(id.map(TenantId::from_uuid))
            }

            /// A list is read once per tenant-list version and kept in the
            /// [`ReadCache`](crate::storage::cache::ReadCache), so asking again costs a version
            /// read. A search keeps the sorted ids of every match with the rows of the pages
            /// shown, so paging through it costs the new page's rows. Other lists, and searches
            /// with more matches than are worth keeping, are paged and counted in SQL, and keep
            /// the pages shown.
            async fn list(&self, query: &TenantQuery) -> Result<TenantPage, StoreError> {
                let version = self.tenant_list_version().await?;
                if let Some(page) = self.cache.list_pages.get(query, version) {
                    return Ok(page.as_ref().clone());
                }
                if filters::search_text(query).is_some() {
                    let kept = match self.cache.searches.get(query, version) {
                        Some(kept) => kept,
                        None => {
                            let matches = matching(self, query).await?;
                            self.cache.searches.put(query, version, matches.clone());
                            Kept { matches, page: None }
                        }
                    };
                    if let Matches::Ids(ids) = kept.matches {
                        return searched_page(self, query, version, &ids, kept.page).await;
                    }
                }
                let page = page_in_sql(self, query).await?;
                self.cache.list_pages.put(query, version, Arc::new(page.clone()));
                Ok(page)
            }
        }

        /// The window of a search whose matches are kept: its rows as shown before at `version`,
        /// or read now and kept.
        async fn searched_page(
            store: &$store,
            query: &TenantQuery,
            version: i64,
            ids: &[Uuid],
            shown: Option<Arc<Vec<TenantSummary>>>,
        ) -> Result<TenantPage, StoreError> {
            let total = u64::try_from(ids.len()).unwrap_or(u64::MAX);
            if let Some(rows) = shown {
                return Ok(TenantPage { items: rows.as_ref().clone(), total });
            }
            let offset = usize::try_from(query.page.offset).unwrap_or(usize::MAX);
            let limit = usize::try_from(query.page.limit).unwrap_or(usize::MAX);
            let window: Vec<Uuid> = ids.iter().skip(offset).take(limit).copied().collect();
            let items = summaries(store, &window, tenant_order(query.sort, query.direction)).await?;
            store.cache.searches.put_page(query, version, Arc::new(items.clone()));
            Ok(TenantPage { items, total })
        }

        /// `WITH m AS MATERIALIZED (` the candidates of a searched list with their sort keys,
        /// before its filters.
        fn searched() -> String {
            format!(
                "WITH m AS MATERIALIZED (SELECT id, name_key, slug, created_at, plan_rank, status_rank FROM {}",
                <$store>::SEARCH_SOURCE
            )
        }

        /// The ids of every tenant a searched list matches, in its order, read from the backend's
        /// search source through its text index; [`Matches::TooMany`] past
        /// [`SEARCH_KEEP_MAX`].
        async fn matching(store: &$store, query: &TenantQuery) -> Result<Matches, StoreError> {
            // Gathered through the text index first, then sorted (see `page_in_sql`).
            let mut qb = QueryBuilder::<$db>::new(searched());
            filters::tenants(&mut qb, query, "", <$store>::search_index);
            qb.push(") SELECT id FROM m ORDER BY ").push(tenant_order(query.sort, query.direction));
            qb.push(filters::limit(u64::try_from(SEARCH_KEEP_MAX + 1).unwrap_or(u64::MAX)));
            let ids: Vec<Uuid> = qb.build_query_scalar().fetch_all(&store.pool).await.map_err(backend)?;
            Ok(if ids.len() > SEARCH_KEEP_MAX { Matches::TooMany } else { Matches::Ids(Arc::new(ids)) })
        }

        /// The list rows of `ids`, in `order`.
        async fn summaries(store: &$store, ids: &[Uuid], order: &str) -> Result<Vec<TenantSummary>, StoreError> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut qb = QueryBuilder::<$db>::new(format!("SELECT {} FROM tenants t WHERE t.id IN ", columns::SUMMARY));
            filters::ids(&mut qb, ids.iter().copied());
            qb.push(" ORDER BY ").push(order);
            let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(&store.pool).await.map_err(backend)?;
            rows.into_iter().map(TenantSummary::try_from).collect()
        }

        /// One page of a list and its total, in SQL.
        async fn page_in_sql(store: &$store, query: &TenantQuery) -> Result<TenantPage, StoreError> {
            // The rollup's count comes first where it can: how many tenants match decides how
            // the page finds them (see `filters::FEW_MATCHES`).
            let counted = if filters::counted_by_rollup(query) { Some(count(store, query).await?) } else { None };
            let filter_prefix = match counted {
                Some(matches) if matches >= filters::FEW_MATCHES => <$store>::ALONG_ORDER,
                _ => "",
            };
            // The window is a list of ids, and only its rows get their domains: an OFFSET
            // skips rows after projecting them, so selecting the domain columns directly
            // ran their subqueries for every skipped row (650 ms at offset 50,000 on
            // PostgreSQL; docs/performance.md).
            let order = tenant_order(query.sort, query.direction);
            let mut qb = QueryBuilder::<$db>::new("");
            if filters::search_text(query).is_some() {
                // A search's matches are gathered through the text index first, then
                // sorted (only the sort keys are kept). Left to itself, PostgreSQL walks the
                // sort key's index and filters, hoping to meet a page of matches early:
                // 350 ms when they sort last.
                qb.push(searched());
                filters::tenants(&mut qb, query, filter_prefix, <$store>::search_index);
                qb.push(format!(
                    ") SELECT {} FROM tenants t WHERE t.id IN (SELECT id FROM m",
                    columns::SUMMARY
                ));
            } else {
                qb.push(format!(
                    "SELECT {} FROM tenants t WHERE t.id IN (SELECT id FROM tenants",
                    columns::SUMMARY
                ));
                filters::tenants(&mut qb, query, filter_prefix, <$store>::search_index);
            }
            qb.push(" ORDER BY ").push(order);
            qb.push(filters::limit(query.page.limit));
            qb.push(" OFFSET ").push_bind(i64::try_from(query.page.offset).unwrap_or(i64::MAX));
            qb.push(") ORDER BY ").push(order);
            let rows: Vec<SummaryRow> = qb.build_query_as().fetch_all(&store.pool).await.map_err(backend)?;
            let total = match counted.or_else(|| page_total(query, rows.len())) {
                Some(total) => total,
                None => count(store, query).await?,
            };
            let items = rows.into_iter().map(TenantSummary::try_from).collect::<Result<_, _>>()?;
            Ok(TenantPage { items, total })
        }

        /// The total a page already tells: a page that is not full (and not past the end) is the
        /// last one, so everything matching is before it or on it.
        fn page_total(query: &TenantQuery, rows: usize) -> Option<u64> {
            let rows = u64::try_from(rows).ok()?;
            let last_page = rows < u64::from(query.page.limit) && (rows > 0 || query.page.offset == 0);
            last_page.then(|| query.page.offset.saturating_add(rows))
        }

        /// How many tenants match the list's filters: from the `tenant_counts` rollup when only
        /// plan and status filter (a handful of rows, however many tenants), otherwise by
        /// counting through the same index-backed predicate as the page.
        async fn count(store: &$store, query: &TenantQuery) -> Result<u64, StoreError> {
            let mut qb = if filters::counted_by_rollup(query) {
                let mut qb = QueryBuilder::<$db>::new(
                    "SELECT CAST(COALESCE(SUM(tenants), 0) AS BIGINT) FROM tenant_counts",
                );
                filters::tenant_counts(&mut qb, query);
                qb
            } else {
                let source = if filters::search_text(query).is_some() { <$store>::SEARCH_SOURCE } else { "tenants" };
                let mut qb = QueryBuilder::<$db>::new(format!("SELECT COUNT(*) FROM {source}"));
                filters::tenants(&mut qb, query, "", <$store>::search_index);
                qb
            };
            let total: i64 = qb.build_query_scalar().fetch_one(&store.pool).await.map_err(backend)?;
            Ok(u64::try_from(total).unwrap_or_default())
        }

        /// A tenant statement with the row's values bound as `$1` … `$16` in column order. The
        /// `INSERT` uses them all; the `UPDATE` refers to the same numbers and skips `$14`
        /// (`created_at` never changes), so one bind list serves both.
        fn with_values<'q>(
            sql: &'static str,
            v: &'q TenantValues,
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
            sqlx::query(sql)
                .bind(v.id)
                .bind(&v.name)
                .bind(&v.name_key)
                .bind(&v.slug)
                .bind(&v.contact_email)
                .bind(v.status)
                .bind(v.status_rank)
                .bind(&v.status_reason)
                .bind(v.plan)
                .bind(v.plan_rank)
                .bind(&v.features)
                .bind(&v.search)
                .bind(v.version)
                .bind(v.created_at)
                .bind(v.updated_at)
                .bind(v.auth_quota)
        }

        /// Inserts a new tenant and its domains, counting it in `counts`.
        pub(super) async fn insert(conn: &mut $conn, t: &Tenant, counts: &mut CountDeltas) -> Result<(), StoreError> {
            let v = TenantValues::of(t)?;
            with_values(
                "INSERT INTO tenants (id, name, name_key, slug, contact_email, status, status_rank, \
                 status_reason, plan, plan_rank, features, search, version, created_at, updated_at, auth_quota) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                &v,
            )
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &v.slug))?;
            counts.add(t.status, t.plan);
            insert_domains(conn, t).await
        }

        /// Saves a changed tenant if nobody saved it since it was loaded, replacing its domains;
        /// moves it between `counts` cells, and re-rates its months from this one on when its
        /// plan or quota changed.
        pub(super) async fn update(conn: &mut $conn, t: &Tenant, counts: &mut CountDeltas) -> Result<(), StoreError> {
            let v = TenantValues::of(t)?;
            let old: Option<(String, String, i64)> =
                sqlx::query_as("SELECT status, plan, auth_quota FROM tenants WHERE id = $1 AND version = $2")
                    .bind(v.id)
                    .bind(v.version)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
            let updated = with_values(
                "UPDATE tenants SET name = $2, name_key = $3, slug = $4, contact_email = $5, status = $6, \
                 status_rank = $7, status_reason = $8, plan = $9, plan_rank = $10, features = $11, \
                 search = $12, version = version + 1, updated_at = $15, auth_quota = $16 \
                 WHERE id = $1 AND version = $13",
                &v,
            )
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &v.slug))?;
            if updated.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM tenants WHERE id = $1")
                    .bind(v.id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(backend)?;
                return Err(match exists {
                    Some(_) => StoreError::VersionConflict { expected: t.version },
                    None => StoreError::NotFound,
                });
            }
            // The row matched `version` when read and when updated (the update's row lock came
            // after the read, but a concurrent save would have bumped the version first).
            if let Some((status, plan, quota)) = old {
                let status: TenantStatus = status.parse().map_err(StoreError::backend)?;
                let plan: Plan = plan.parse().map_err(StoreError::backend)?;
                counts.remove(status, plan);
                counts.add(t.status, t.plan);
                if plan != t.plan || quota != v.auth_quota {
                    // A usage recorder must not recompute a month with the old quota after this.
                    <$store>::acquire(conn, Lock::UsageTotals).await?;
                    panel::refresh_months(conn, v.id, t.plan, v.auth_quota, Month::of(t.updated_at.date()))
                        .await?;
                }
            }
            sqlx::query("DELETE FROM tenant_domains WHERE tenant_id = $1")
                .bind(v.id)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            insert_domains(conn, t).await
        }

        /// One statement per domain, so a clash names the very hostname that is taken.
        async fn insert_domains(conn: &mut $conn, t: &Tenant) -> Result<(), StoreError> {
            for (position, d) in t.domains.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO tenant_domains (hostname, tenant_id, is_primary, position, added_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(d.hostname.as_str())
                .bind(t.id.as_uuid())
                .bind(d.is_primary)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(Ts::new(d.added_at))
                .execute(&mut *conn)
                .await
                .map_err(|e| write_error(e, d.hostname.as_str()))?;
            }
            Ok(())
        }
    };
}
pub(crate) use tenants;
