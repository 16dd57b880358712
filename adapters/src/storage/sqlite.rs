//! The storage ports on SQLite: one file in the data directory, in WAL mode.
//!
//! SQLite has one writer at a time, so every write transaction starts with `BEGIN IMMEDIATE`:
//! it takes the write lock up front (waiting up to the busy timeout) instead of failing with
//! `SQLITE_BUSY` half-way, and that lock is also what serialises audit-chain appends, usage
//! totals, login-attempt counting and outbox claims. The ports' code is shared with PostgreSQL (see
//! [`shared`](super::shared)); only connecting, the two hooks below and the bulk loader are
//! SQLite's own.

mod bulk;

use std::str::FromStr;
use std::time::Duration;

use gatehouse_application::ports::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::rows::backend;
use super::shared::{self, Lock};

shared::ports!(SqliteStore, Sqlite, SqliteConnection);

/// How long a writer waits for the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if missing, with its parent directory) the database file at `url`.
pub async fn connect(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(backend)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Normal);
    if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(StoreError::backend)?;
    }
    SqlitePoolOptions::new().max_connections(8).connect_with(options).await.map_err(backend)
}

/// Every storage port on one SQLite pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// The ports on `pool` (already connected; migrations are run separately).
    pub fn new(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    /// Nothing: an outbox claim runs in a write transaction, which already excludes every other
    /// writer, so no row can be claimed twice.
    const SKIP_LOCKED: &'static str = "";

    /// A write transaction holding SQLite's write lock from its first statement.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)
    }

    /// Nothing to take: the `BEGIN IMMEDIATE` transaction already holds the database's only
    /// write lock, which serialises every `Lock` at once.
    #[expect(clippy::unused_async, reason = "same signature as PostgreSQL's, which waits for its lock")]
    async fn acquire(_conn: &mut SqliteConnection, _lock: Lock<'_>) -> Result<(), StoreError> {
        Ok(())
    }

    /// Narrows a tenant search (of three or more characters) to the FTS5 trigram index's
    /// candidates (`tenant_search`, migration 0004). SQLite cannot use any index for the shared
    /// `LIKE '%…%'`, and an FTS5 table is SQLite's own syntax, hence a hook. The quoted phrase
    /// is a substring match of its trigrams (inside quotes nothing is an operator, `""` is a
    /// quote); the `LIKE` that follows still decides each candidate exactly.
    fn search_index(qb: &mut QueryBuilder<Sqlite>, text: &str) {
        // The rows hold lower-cased text: look up the same form the `LIKE` compares.
        let phrase = format!("\"{}\"", text.to_lowercase().replace('"', "\"\""));
        qb.push(" AND id IN (SELECT tenant_id FROM tenant_search WHERE tenant_search MATCH ")
            .push_bind(phrase)
            .push(")");
    }
}
