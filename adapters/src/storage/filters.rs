//! The `WHERE` clauses of the dynamic listings (tenants and the outbox here, the audit log in
//! [`audit`]), built once for both dialects: the fragments are portable SQL and `QueryBuilder`
//! writes each dialect's placeholders, so the filter logic cannot drift between the backends.

mod audit;

pub use audit::audit;

use gatehouse_application::ports::{OutboxQuery, TenantQuery};
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::rows::{like_pattern, plan_rank, status_rank};

/// The shortest search the text indexes can answer: both index three-character sequences.
pub const TRIGRAM: usize = 3;

/// ` LIMIT n`, written into the statement rather than bound.
///
/// SQLite (3.46 and later) plans a `LIMIT` with the bound value of its parameter, and so parses
/// and plans the statement again on every execution: a fifth of the dashboard's CPU went to
/// re-planning its security-events query. A limit is always a number of our own (a page size,
/// a constant), so writing it in is safe, and there are few distinct ones to prepare.
pub fn limit(n: impl Into<u64>) -> String {
    format!(" LIMIT {}", n.into())
}

/// How many ids one `IN (…)` list binds: far under both databases' parameter limits.
pub const IN_LIST: usize = 1_000;

/// Appends `(<id>, <id>, …)`, each id bound, for ` … IN `: at most [`IN_LIST`] of them, and at
/// least one (an empty list is not SQL).
pub fn ids<DB>(qb: &mut QueryBuilder<DB>, ids: impl IntoIterator<Item = Uuid>)
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    qb.push("(");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    qb.push(")");
}

/// A backend's hook that narrows a tenant search to the candidates its text index finds:
/// appends ` AND …` (or nothing, when the exact `LIKE` can use the index by itself). It gets
/// the trimmed search text, only when it has at least [`TRIGRAM`] characters once lower-cased;
/// the shared `LIKE` still decides every row, so an index may only ever return too many
/// candidates, never too few.
pub type SearchIndex<DB> = fn(&mut QueryBuilder<DB>, &str);

/// The text a tenant list searches for: `None` when there is no search or a blank one.
pub fn search_text(q: &TenantQuery) -> Option<&str> {
    q.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether the `tenant_counts` rollup can count the list: no search and no scope, only plan
/// and status filters, which are its key.
pub fn counted_by_rollup(q: &TenantQuery) -> bool {
    q.only.is_none() && search_text(q).is_none()
}

/// Appends ` WHERE …` to a sum over `tenant_counts` for a list [`counted_by_rollup`].
pub fn tenant_counts<DB>(qb: &mut QueryBuilder<DB>, q: &TenantQuery)
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
{
    qb.push(" WHERE 1 = 1");
    if let Some(plan) = q.plan {
        qb.push(" AND plan = ").push_bind(plan.as_str().to_owned());
    }
    if let Some(status) = q.status {
        qb.push(" AND status = ").push_bind(status.as_str().to_owned());
    }
}

/// From this many matches on, a list filtered by plan or status should find its page by walking
/// its sort order's index and checking the filters on each entry (about `tenants / matches`
/// entries a row; each sort index carries both filter columns, migration 0011), not by reading
/// every match through the filter's index and sorting them all (150 ms for 25,000 basic active
/// tenants out of 100,000 on SQLite; docs/performance.md). Below it, reading the few matches
/// and sorting them is the cheaper way. See each backend's `ALONG_ORDER`.
pub const FEW_MATCHES: u64 = 1_000;

/// Appends ` WHERE …` for the filters of a tenant list (not its order or window); a search
/// goes through the backend's `index` hook first. `filter_prefix` is written before the plan and
/// status columns: `""`, or a backend's `ALONG_ORDER` for a list of many matches.
pub fn tenants<DB>(qb: &mut QueryBuilder<DB>, q: &TenantQuery, filter_prefix: &str, index: SearchIndex<DB>)
where
    DB: Database,
    for<'a> i16: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    qb.push(" WHERE 1 = 1");
    if let Some(plan) = q.plan {
        qb.push(format!(" AND {filter_prefix}plan_rank = ")).push_bind(plan_rank(plan));
    }
    if let Some(status) = q.status {
        qb.push(format!(" AND {filter_prefix}status_rank = ")).push_bind(status_rank(status));
    }
    if let Some(search) = search_text(q) {
        if search.to_lowercase().chars().count() >= TRIGRAM {
            index(qb, search);
            qb.push(" AND search LIKE ");
        } else {
            // No trigram to look up, so a scan. `search || ''` is not the indexed column: no
            // plan may use the trigram index for it. PostgreSQL's generic plan for a prepared
            // statement otherwise does, and reads the whole index (about 1 s at 100,000 tenants
            // against a 70 ms scan; docs/performance.md).
            qb.push(" AND (search || '') LIKE ");
        }
        qb.push_bind(like_pattern(search)).push(" ESCAPE '\\'");
    }
    if let Some(only) = &q.only {
        if only.is_empty() {
            qb.push(" AND 1 = 0");
        } else {
            qb.push(" AND id IN ");
            ids(qb, only.iter().map(gatehouse_domain::TenantId::as_uuid));
        }
    }
}

/// Appends ` WHERE … ORDER BY … LIMIT …` for an outbox listing (newest first; `before` pages
/// by the position of a message, so pages never overlap).
pub fn outbox<DB>(qb: &mut QueryBuilder<DB>, q: &OutboxQuery)
where
    DB: Database,
    for<'a> &'static str: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    qb.push(" WHERE 1 = 1");
    if let Some(tenant) = q.tenant {
        qb.push(" AND tenant_id = ").push_bind(tenant.as_uuid());
    }
    if let Some(state) = q.state {
        qb.push(" AND state = ").push_bind(state.as_str());
    }
    if let Some(kind) = q.kind {
        qb.push(" AND kind = ").push_bind(kind.as_str());
    }
    if let Some(before) = q.before {
        qb.push(" AND (created_at, id) < (SELECT created_at, id FROM outbox WHERE id = ")
            .push_bind(before)
            .push(")");
    }
    qb.push(" ORDER BY created_at DESC, id DESC").push(limit(q.limit.max(1)));
}
