//! The bulk loader on PostgreSQL: tenants and domains as `UNNEST` arrays (one statement each),
//! usage days through `COPY … FROM STDIN`, all in one transaction.

use std::fmt::Write as _;

use async_trait::async_trait;
use gatehouse_application::ports::{BulkLoader, StoreError};
use gatehouse_domain::{AuditEvent, DailyUsage, Tenant};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, audit, usage};
use crate::storage::rows::{Counters, TenantValues, Ts, backend, span, write_error};

#[async_trait]
impl BulkLoader for PgStore {
    async fn load(
        &self,
        tenants: &[Tenant],
        usage: &[DailyUsage],
        audit: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_tenants(&mut tx, tenants).await?;
        insert_domains(&mut tx, tenants).await?;
        copy_usage(&mut tx, usage).await?;
        usage::totals_after_load(&mut tx, tenants, usage).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }
}

/// The columns of `tenants`, one array each.
#[derive(Default)]
struct TenantArrays {
    id: Vec<Uuid>,
    name: Vec<String>,
    name_key: Vec<String>,
    slug: Vec<String>,
    contact_email: Vec<String>,
    status: Vec<String>,
    status_rank: Vec<i16>,
    status_reason: Vec<Option<String>>,
    plan: Vec<String>,
    plan_rank: Vec<i16>,
    features: Vec<String>,
    search: Vec<String>,
    version: Vec<i64>,
    created_at: Vec<OffsetDateTime>,
    updated_at: Vec<OffsetDateTime>,
    auth_quota: Vec<i64>,
}

async fn insert_tenants(conn: &mut PgConnection, tenants: &[Tenant]) -> Result<(), StoreError> {
    if tenants.is_empty() {
        return Ok(());
    }
    let mut a = TenantArrays::default();
    for t in tenants {
        let v = TenantValues::of(t)?;
        a.id.push(v.id);
        a.name.push(v.name);
        a.name_key.push(v.name_key);
        a.slug.push(v.slug);
        a.contact_email.push(v.contact_email);
        a.status.push(v.status.to_owned());
        a.status_rank.push(v.status_rank);
        a.status_reason.push(v.status_reason);
        a.plan.push(v.plan.to_owned());
        a.plan_rank.push(v.plan_rank);
        a.features.push(v.features);
        a.search.push(v.search);
        a.version.push(v.version);
        a.created_at.push(v.created_at.0);
        a.updated_at.push(v.updated_at.0);
        a.auth_quota.push(v.auth_quota);
    }
    sqlx::query(
        "INSERT INTO tenants (id, name, name_key, slug, contact_email, status, status_rank, status_reason, \
         plan, plan_rank, features, search, version, created_at, updated_at, auth_quota) \
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::int2[], $8::text[], $9::text[], $10::int2[], $11::text[], $12::text[], $13::int8[], \
         $14::timestamptz[], $15::timestamptz[], $16::int8[])",
    )
    .bind(a.id)
    .bind(a.name)
    .bind(a.name_key)
    .bind(a.slug)
    .bind(a.contact_email)
    .bind(a.status)
    .bind(a.status_rank)
    .bind(a.status_reason)
    .bind(a.plan)
    .bind(a.plan_rank)
    .bind(a.features)
    .bind(a.search)
    .bind(a.version)
    .bind(a.created_at)
    .bind(a.updated_at)
    .bind(a.auth_quota)
    .execute(conn)
    .await
    .map(drop)
    .map_err(|e| write_error(e, &span(tenants, |t| t.slug.as_str())))
}

async fn insert_domains(conn: &mut PgConnection, tenants: &[Tenant]) -> Result<(), StoreError> {
    let (mut hostname, mut tenant_id, mut is_primary, mut position, mut added_at) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in tenants {
        for (i, d) in t.domains.iter().enumerate() {
            hostname.push(d.hostname.as_str().to_owned());
            tenant_id.push(t.id.as_uuid());
            is_primary.push(d.is_primary);
            position.push(i32::try_from(i).unwrap_or(i32::MAX));
            added_at.push(Ts::new(d.added_at).0);
        }
    }
    if hostname.is_empty() {
        return Ok(());
    }
    let clash = span(&hostname, String::as_str);
    sqlx::query(
        "INSERT INTO tenant_domains (hostname, tenant_id, is_primary, position, added_at) \
         SELECT * FROM UNNEST($1::text[], $2::uuid[], $3::bool[], $4::int4[], $5::timestamptz[])",
    )
    .bind(hostname)
    .bind(tenant_id)
    .bind(is_primary)
    .bind(position)
    .bind(added_at)
    .execute(conn)
    .await
    .map(drop)
    .map_err(|e| write_error(e, &clash))
}

/// Streams the usage days in COPY's text format (tab-separated; no value needs escaping:
/// UUIDs, ISO dates and integers only).
async fn copy_usage(conn: &mut PgConnection, usage: &[DailyUsage]) -> Result<(), StoreError> {
    if usage.is_empty() {
        return Ok(());
    }
    let mut data = String::with_capacity(usage.len() * 96);
    for d in usage {
        let c = Counters::of(d)?;
        // Writing to a String cannot fail.
        let _ = writeln!(
            data,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.tenant_id,
            d.day,
            c.auth_attempts,
            c.auth_successes,
            c.auth_failures,
            c.active_users,
            c.api_calls,
            c.sms_sent,
            c.emails_sent,
            d.avg_response_ms
        );
    }
    let mut copy = conn
        .copy_in_raw(
            "COPY usage_daily (tenant_id, day, auth_attempts, auth_successes, auth_failures, active_users, \
             api_calls, sms_sent, emails_sent, avg_response_ms) FROM STDIN",
        )
        .await
        .map_err(backend)?;
    if let Err(e) = copy.send(data.into_bytes()).await {
        // The connection must leave COPY mode before it can be used (or rolled back) again.
        let _ = copy.abort("sending the usage rows failed").await;
        return Err(backend(e));
    }
    copy.finish().await.map(drop).map_err(backend)
}
