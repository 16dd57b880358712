//! The storage code both backends run, written once.
//!
//! Almost every statement Gatehouse needs is portable: sqlx's SQLite driver binds numbered
//! `$1` parameters just as PostgreSQL does, both dialects accept `ON CONFLICT … DO UPDATE …
//! WHERE` and `RETURNING`, and [`Ts`](super::rows::Ts) hides the one difference in column
//! types. So each aggregate's port implementation and write statements live here once, as a
//! `macro_rules!` that [`ports!`] expands inside `sqlite.rs` and `postgres.rs` with that
//! backend's store and sqlx types. (A macro rather than generic functions: sqlx's generic
//! executor bounds do not survive `async_trait` without a wall of higher-ranked bounds.)
//!
//! Each backend module provides these hooks to the generated code, and nothing else differs:
//! - `Store::begin_write(&self)`: a [`WriteTx`](super::write::WriteTx) that may write (SQLite:
//!   `BEGIN IMMEDIATE`, after this process's earlier writers);
//! - `Store::acquire(conn, Lock)`: makes concurrent transactions take a read-then-write path
//!   one at a time (PostgreSQL: a transaction-scoped advisory lock; SQLite: nothing, its write
//!   transaction already holds the database's single write lock);
//! - `Store::chain_head(conn)`: the audit chain's head, read once the chain's lock is held until
//!   the transaction ends (PostgreSQL: lock and read in one call of `audit_chain_head`,
//!   migration 0013; SQLite: the read, under its write lock);
//! - `Store::SKIP_LOCKED`: what a claim's inner `SELECT` ends with so that concurrent claimers
//!   pass over each other's rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: nothing, its
//!   write transaction is the only writer);
//! - `Store::commit_without_flush(conn)`: lets a transaction that only records a look at a
//!   tenant commit without waiting for the disk (PostgreSQL: `synchronous_commit = off` for
//!   it; SQLite: nothing, no commit waits there);
//! - `Store::SEARCH_SOURCE` and `Store::search_index(qb, text)`: the table a searched tenant
//!   list reads its candidates from, and the predicate that narrows them to the text index's
//!   ([`filters::SearchIndex`](super::filters::SearchIndex); SQLite: `tenant_list` and the
//!   FTS5 trigram table; PostgreSQL: `tenants`, whose pg_trgm index serves the shared `LIKE`).
//! - `Store::PARALLEL_WRITES`: how many usage-recording commits run well at once (SQLite: one,
//!   its single writer; PostgreSQL: several, recorders of different tenants lock only theirs);
//! - `Store::tenant_list_version(&self)`: the tenant-list version a list's kept pages are
//!   checked against (SQLite: [`LIST_VERSION`] every time; PostgreSQL: the same, or, in a
//!   server, the version its announcements vouch for — `postgres/list_version.rs`).
//!
//! Each store also holds its [`ReadCache`](super::cache::ReadCache) (`self.cache`).
//!
//! The bulk loader stays per backend (`COPY` on PostgreSQL, multi-row `INSERT` on SQLite), as
//! does connecting. SQL must not be written here unless both dialects run it unchanged; the
//! contract suite runs every statement on both.

mod admins;
mod api;
mod api_keys;
mod audit;
mod outbox;
mod panel;
mod second_factor;
mod sessions;
mod settings;
mod support;
mod sync;
mod tenants;
mod throttle;
mod usage;
mod work;

pub(crate) use {
    admins::admins, api::api, api_keys::api_keys, audit::audit, outbox::outbox, panel::panel,
    second_factor::second_factor, sessions::sessions, settings::settings, support::support, sync::sync,
    tenants::tenants, throttle::throttle, usage::usage, work::work,
};

/// Reads the tenant-list version (migration 0005), which every write of `tenants` bumps.
pub const LIST_VERSION: &str = "SELECT version FROM tenant_list_version WHERE id = 1";

/// The audit chain's head, `(seq, hash)`, where nothing serialises appends but the transaction
/// (SQLite's, which holds the database's write lock).
pub const CHAIN_HEAD: &str = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";

/// A read-then-write path that concurrent transactions must take one at a time (besides the
/// audit chain's, which `chain_head` takes itself).
#[derive(Debug, Clone, Copy)]
pub enum Lock<'a> {
    /// Excludes every usage recorder at once: for loading usage in bulk, or changing the plan
    /// or quota of a tenant whose months recorders recompute.
    UsageTotals,
    /// Reading the usage days of these tenants and adjusting the totals by the difference:
    /// excludes recorders of any of them and [`Lock::UsageTotals`], not recorders of others.
    UsageOf(&'a [gatehouse_domain::TenantId]),
}

/// Expands, inside a backend module, one private module per aggregate holding the shared code
/// for that backend: `ports!(SqliteStore, Sqlite, SqliteConnection)`.
macro_rules! ports {
    ($store:ident, $db:ident, $conn:ident) => {
        mod admins {
            $crate::storage::shared::admins!(super::$store, sqlx::$conn);
        }
        mod api {
            $crate::storage::shared::api!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod api_keys {
            $crate::storage::shared::api_keys!(super::$store, sqlx::$conn);
        }
        mod audit {
            $crate::storage::shared::audit!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod outbox {
            $crate::storage::shared::outbox!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod panel {
            $crate::storage::shared::panel!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod second_factor {
            $crate::storage::shared::second_factor!(super::$store, sqlx::$conn);
        }
        mod sessions {
            $crate::storage::shared::sessions!(super::$store, sqlx::$conn);
        }
        mod settings {
            $crate::storage::shared::settings!(super::$store, sqlx::$conn);
        }
        mod support {
            $crate::storage::shared::support!(super::$store, sqlx::$conn);
        }
        mod sync {
            $crate::storage::shared::sync!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod tenants {
            $crate::storage::shared::tenants!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod throttle {
            $crate::storage::shared::throttle!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod usage {
            $crate::storage::shared::usage!(super::$store, sqlx::$db, sqlx::$conn);
        }
        mod work {
            $crate::storage::shared::work!(super::$store);
        }
    };
}
pub(crate) use ports;

#[cfg(test)]
mod tests {
    /// The premise of sharing SQL: SQLite binds `$n` by its number, in any order and repeated,
    /// exactly as PostgreSQL does.
    #[tokio::test]
    async fn sqlite_binds_numbered_placeholders_like_postgres() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.expect("in-memory database");
        let row: (i64, String, i64) = sqlx::query_as("SELECT $2, $1, $2 + 1")
            .bind("first")
            .bind(41_i64)
            .fetch_one(&pool)
            .await
            .expect("numbered placeholders");
        assert_eq!(row, (41, "first".to_owned(), 42));
    }
}
