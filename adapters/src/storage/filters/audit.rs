//! The audit log's listing: newest first, filtered, cut at a limit.
//!
//! The log grows by a record for every look at a tenant (15,000 in one benchmark run), so no
//! listing may walk it by `seq` looking for rare rows. Two rules keep every listing on an index
//! whatever the planner believes about the log's size (SQLite with statistics taken when the
//! log was small; PostgreSQL's generic plan of a prepared statement, which assumes a kind is as
//! common as any other):
//!
//! - a listing filtered by a column with a `(column, seq)` index (tenant, kind, actor, outcome)
//!   is ordered by that column, then `seq`, and compares the column with a range of one value
//!   (`kind >= $1 AND kind <= $1`) rather than `=`. The order is still newest first; but only
//!   that index gives it, so the alternative — the primary key walked backwards with a filter,
//!   stopping after `limit` rows that may never come — costs a sort of every matching row and
//!   loses. (An `=` would not do: PostgreSQL drops a sort column an equality fixes, and is back
//!   to comparing the two walks.);
//! - several `kinds` (the dashboard's security events) are read one kind at a time, each cut at
//!   the limit, and their rows merged: the merge never goes back to `audit_log`, so no plan can
//!   scan the log to join or filter it. A single `kind IN (…)` walked the log backwards.

use gatehouse_application::ports::AuditQuery;
use gatehouse_domain::AuditKind;
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::limit;
use crate::storage::rows::Ts;

/// The page size when the query asks for none.
const DEFAULT_LIMIT: u32 = 100;

/// Writes an audit listing selecting `columns` (see the module documentation).
pub fn audit<DB>(qb: &mut QueryBuilder<DB>, columns: &str, q: &AuditQuery)
where
    DB: Database,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> Ts: Encode<'a, DB> + Type<DB>,
{
    let rows = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit };
    // `kind` and `kinds` hold together: the kinds to read.
    let kinds: Vec<AuditKind> = match q.kind {
        Some(kind) if q.kinds.is_empty() || q.kinds.contains(&kind) => vec![kind],
        Some(_) => {
            qb.push(format!("SELECT {columns} FROM audit_log WHERE 1 = 0"));
            return;
        }
        None => q.kinds.clone(),
    };
    match kinds.as_slice() {
        [] => newest(qb, columns, q, None, rows),
        [kind] => newest(qb, columns, q, Some(*kind), rows),
        several => {
            qb.push(format!("SELECT {columns} FROM ("));
            for (i, kind) in several.iter().enumerate() {
                if i > 0 {
                    qb.push(" UNION ALL ");
                }
                qb.push("SELECT * FROM (");
                newest(qb, columns, q, Some(*kind), rows);
                qb.push(format!(") AS k{i}"));
            }
            qb.push(") AS merged ORDER BY seq DESC").push(limit(rows));
        }
    }
}

/// The newest `rows` records of `kind` (any kind: `None`) that `q`'s other filters let through.
fn newest<DB>(qb: &mut QueryBuilder<DB>, columns: &str, q: &AuditQuery, kind: Option<AuditKind>, rows: u32)
where
    DB: Database,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> Ts: Encode<'a, DB> + Type<DB>,
{
    // The leading column: the most selective one an equality fixes.
    let lead = if q.tenant.is_some() {
        "tenant_id"
    } else if kind.is_some() {
        "kind"
    } else if q.actor.is_some() {
        "actor_label"
    } else if q.outcome.is_some() {
        "outcome"
    } else {
        "seq"
    };
    qb.push(format!("SELECT {columns} FROM audit_log WHERE 1 = 1"));
    if let Some(tenant) = q.tenant {
        fixed(qb, "tenant_id", lead, tenant.as_uuid());
    }
    if let Some(kind) = kind {
        fixed_word(qb, "kind", lead, kind.as_str());
    }
    if let Some(actor) = &q.actor {
        fixed(qb, "actor_label", lead, actor.clone());
    }
    if let Some(outcome) = q.outcome {
        fixed_word(qb, "outcome", lead, outcome.as_str());
    }
    if let Some(since) = q.since {
        qb.push(" AND at >= ").push_bind(Ts::new(since));
    }
    if let Some(until) = q.until {
        qb.push(" AND at <= ").push_bind(Ts::new(until));
    }
    if let Some(before) = q.before_seq {
        qb.push(" AND seq < ").push_bind(before);
    }
    if lead == "seq" {
        qb.push(" ORDER BY seq DESC");
    } else {
        qb.push(format!(" ORDER BY {lead} DESC, seq DESC"));
    }
    qb.push(limit(rows));
}

/// [`fixed`] for a word of Gatehouse's own vocabulary (an audit kind or outcome: lower-case
/// letters, digits and `_`), written into the statement rather than bound. A statement without
/// parameters is planned once per connection and its plan kept. Bound, PostgreSQL planned the
/// dashboard's security events (fifteen kinds, thirty parameters) on every call, and once many
/// records had been appended since the last `ANALYZE`, its planner's look at the far end of the
/// kind index cost 3 ms a call (docs/performance.md).
fn fixed_word<DB: Database>(qb: &mut QueryBuilder<DB>, column: &str, lead: &str, word: &'static str) {
    debug_assert!(word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
    compare(qb, column, lead, |qb| {
        qb.push(format!("'{word}'"));
    });
}

/// ` AND column = value`, or for the leading column the same as a range of one value.
fn fixed<DB, T>(qb: &mut QueryBuilder<DB>, column: &str, lead: &str, value: T)
where
    DB: Database,
    T: Clone + 'static,
    for<'a> T: Encode<'a, DB> + Type<DB>,
{
    compare(qb, column, lead, |qb| {
        qb.push_bind(value.clone());
    });
}

/// ` AND column = <value>`, or for the leading column ` AND column >= <value> AND column <=
/// <value>` (see the module documentation), `value` writing the value each time.
fn compare<DB: Database>(
    qb: &mut QueryBuilder<DB>,
    column: &str,
    lead: &str,
    value: impl Fn(&mut QueryBuilder<DB>),
) {
    if column == lead {
        qb.push(format!(" AND {column} >= "));
        value(qb);
        qb.push(format!(" AND {column} <= "));
    } else {
        qb.push(format!(" AND {column} = "));
    }
    value(qb);
}
