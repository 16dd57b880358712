//! The bulk loader on SQLite: large multi-row INSERTs in one `BEGIN IMMEDIATE` transaction.
//!
//! Each statement carries as many rows as fit under SQLite's 32,766 bound parameters; full
//! chunks share one SQL text, so sqlx prepares each statement once and reuses it.

use async_trait::async_trait;
use gatehouse_application::ports::{BulkLoader, StoreError};
use gatehouse_domain::{AuditEvent, DailyUsage, Tenant};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{SqliteStore, audit, usage};
use crate::storage::rows::{Counters, TenantValues, Ts, backend, push_day, span, write_error};

/// SQLite's default limit of bound parameters per statement (3.32+), with room to spare.
const MAX_PARAMS: usize = 32_000;

#[async_trait]
impl BulkLoader for SqliteStore {
    async fn load(
        &self,
        tenants: &[Tenant],
        usage: &[DailyUsage],
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_tenants(&mut tx, tenants).await?;
        insert_domains(&mut tx, tenants).await?;
        insert_usage(&mut tx, usage).await?;
        usage::totals_after_load(&mut tx, tenants, usage).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}

async fn insert_tenants(conn: &mut SqliteConnection, tenants: &[Tenant]) -> Result<(), StoreError> {
    for chunk in tenants.chunks(MAX_PARAMS / 16) {
        let values = chunk.iter().map(TenantValues::of).collect::<Result<Vec<_>, _>>()?;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO tenants (id, name, name_key, slug, contact_email, status, status_rank, status_reason, \
             plan, plan_rank, features, search, version, created_at, updated_at, auth_quota) ",
        );
        qb.push_values(values, |mut row, v| {
            row.push_bind(v.id)
                .push_bind(v.name)
                .push_bind(v.name_key)
                .push_bind(v.slug)
                .push_bind(v.contact_email)
                .push_bind(v.status)
                .push_bind(v.status_rank)
                .push_bind(v.status_reason)
                .push_bind(v.plan)
                .push_bind(v.plan_rank)
                .push_bind(v.features)
                .push_bind(v.search)
                .push_bind(v.version)
                .push_bind(v.created_at)
                .push_bind(v.updated_at)
                .push_bind(v.auth_quota);
        });
        qb.build()
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &span(chunk, |t| t.slug.as_str())))?;
    }
    Ok(())
}

async fn insert_domains(conn: &mut SqliteConnection, tenants: &[Tenant]) -> Result<(), StoreError> {
    let domains: Vec<_> =
        tenants.iter().flat_map(|t| t.domains.iter().enumerate().map(move |(i, d)| (t.id, i, d))).collect();
    for chunk in domains.chunks(MAX_PARAMS / 5) {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO tenant_domains (hostname, tenant_id, is_primary, position, added_at) ",
        );
        qb.push_values(chunk, |mut row, (id, position, d)| {
            row.push_bind(d.hostname.as_str().to_owned())
                .push_bind(id.as_uuid())
                .push_bind(d.is_primary)
                .push_bind(i64::try_from(*position).unwrap_or(i64::MAX))
                .push_bind(Ts::new(d.added_at));
        });
        qb.build()
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &span(chunk, |(_, _, d)| d.hostname.as_str())))?;
    }
    Ok(())
}

async fn insert_usage(conn: &mut SqliteConnection, usage: &[DailyUsage]) -> Result<(), StoreError> {
    for chunk in usage.chunks(MAX_PARAMS / 10) {
        let counters =
            chunk.iter().map(|d| Counters::of(d).map(|c| (d, c))).collect::<Result<Vec<_>, _>>()?;
        let mut qb = QueryBuilder::<Sqlite>::new(
            "INSERT INTO usage_daily (tenant_id, day, auth_attempts, auth_successes, auth_failures, \
             active_users, api_calls, sms_sent, emails_sent, avg_response_ms) ",
        );
        qb.push_values(counters, |mut row, (d, c)| push_day(&mut row, d, &c));
        qb.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}
