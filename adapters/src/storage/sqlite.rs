//! The storage ports on SQLite: one file in the data directory, in WAL mode.
//!
//! SQLite has one writer at a time, so every write transaction starts with `BEGIN IMMEDIATE`:
//! it takes the write lock up front (waiting up to the busy timeout) instead of failing with
//! `SQLITE_BUSY` half-way, and that lock is also what serialises audit-chain appends, usage
//! totals, login-attempt counting and outbox claims. Writers of this process first queue for their turn
//! ([`WriteTx`]), so they never meet that lock held by each other. The ports' code is shared
//! with PostgreSQL (see [`shared`](super::shared)); only connecting, the hooks below and the
//! bulk loader are SQLite's own.
//!
//! Two settings of the connections are about speed (docs/performance.md):
//! - a page cache of 8 MiB each rather than SQLite's 2 MiB, and sorts in memory. No memory
//!   map: SQLite unmaps the whole map of every connection whenever another one has written
//!   (on the tenant page, that is every request), which cost more than the reads it saved;
//! - no `sqlite_stat4` ([`forget_value_samples`]).

mod bulk;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use gatehouse_application::ports::StoreError;
use sqlx::pool::CloseEvent;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::Mutex;
use tokio::time::MissedTickBehavior;

use super::cache::{Reach, ReadCache};
use super::filters::TRIGRAM;
use super::looks::Looks;
use super::rows::backend;
use super::shared::{self, Lock};
use super::write::{WriteOne, WriteTx};

shared::ports!(SqliteStore, Sqlite, SqliteConnection);

/// How long a writer waits for the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Each connection's own page cache, in KiB (a negative `cache_size` is KiB). 4 MiB: with 8
/// MiB on each of the 8 connections the server held 103 MiB after the benchmark's pages at
/// 100,000 tenants, with 4 MiB 78 MiB, at the same speed (pages missing here come from the
/// operating system's cache; docs/performance.md).
const CACHE_KIB: &str = "-4096";

/// How often a server checkpoints the write-ahead log (see
/// [`SqliteStore::checkpoint_in_background`]).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The write-ahead log's length in pages past which a commit checkpoints it itself
/// (`wal_autocheckpoint`, 1,000 by default): only a net, for when background checkpoints fall
/// behind or none run (the CLI, tests), so that a commit rarely pays for one.
const CHECKPOINT_PAST_PAGES: &str = "10000";

/// Opens (creating if missing, with its parent directory) the database file at `url`.
pub async fn connect(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(backend)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("cache_size", CACHE_KIB)
        // Sorts of a searched list stay in memory rather than in a temporary file.
        .pragma("temp_store", "memory")
        .pragma("wal_autocheckpoint", CHECKPOINT_PAST_PAGES);
    if let Some(parent) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(StoreError::backend)?;
    }
    forget_value_samples(&options).await?;
    SqlitePoolOptions::new()
        .max_connections(8)
        // sqlx pings every connection it lends out by default: for a file in this process, a
        // hop to the connection's thread and back before each request's first statement and
        // each transaction, that can learn nothing (a connection to a file cannot hang up).
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(backend)
}

/// Checkpoints the log on `own` every [`CHECKPOINT_EVERY`] until `closed`, then closes `own`.
async fn checkpoints(own: SqlitePool, closed: CloseEvent) {
    let every = async {
        let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&own).await {
                tracing::warn!(error = %e, "a background checkpoint failed; commits checkpoint past the limit");
            }
        }
    };
    tokio::select! {
        () = closed => {}
        () = every => {}
    }
    own.close().await;
}

/// Empties `sqlite_stat4`, if an `ANALYZE` filled it, before the pool's connections load it.
///
/// The SQLite that sqlx bundles is built with `SQLITE_ENABLE_STAT4`. With its per-value samples
/// loaded, the planner looks at the bound value of every parameter compared with an analysed
/// index and marks the statement to be parsed and planned again whenever that parameter is
/// bound — which sqlx does on every execution. That re-planning was 7–13 % of the CPU of a
/// panel page (a page of 50 ids, each of them looked at, was planned anew every time).
/// Gatehouse's keys are uniform (UUIDs, slugs, days), so the averages of `sqlite_stat1`, which
/// stay, plan its queries as well. An `ANALYZE` run while the server runs is forgotten at its
/// next start.
async fn forget_value_samples(options: &SqliteConnectOptions) -> Result<(), StoreError> {
    let mut conn = SqliteConnection::connect_with(options).await.map_err(backend)?;
    let analysed: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat4'")
            .fetch_optional(&mut conn)
            .await
            .map_err(backend)?;
    if analysed.is_some() {
        sqlx::query("DELETE FROM sqlite_stat4").execute(&mut conn).await.map_err(backend)?;
    }
    conn.close().await.map_err(backend)
}

/// Every storage port on one SQLite pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    cache: Arc<ReadCache>,
    /// Looks at tenants waiting to be appended together (see [`Looks`]).
    looks: Arc<Looks>,
    /// This process's turn to write (see [`WriteTx`]).
    turn: Arc<Mutex<()>>,
    /// Whether [`SqliteStore::checkpoint_in_background`] has started.
    checkpointing: Arc<AtomicBool>,
}

impl SqliteStore {
    /// The ports on `pool` (already connected; migrations are run separately).
    pub fn new(pool: SqlitePool) -> Self {
        SqliteStore {
            pool,
            cache: Arc::default(),
            looks: Arc::default(),
            turn: Arc::default(),
            checkpointing: Arc::default(),
        }
    }

    /// Checkpoints the write-ahead log every [`CHECKPOINT_EVERY`] on a connection of its own,
    /// until the pool is closed. Once per store; nothing outside a Tokio runtime.
    ///
    /// Otherwise the commit that takes the log past its limit checkpoints it: that writer copies
    /// the log's pages into the database file and waits for the disk while it holds this
    /// process's turn to write, and every writer queued behind it waits too — the tenant page
    /// waits for its look to be appended, and its 99th percentile was 23 ms with such commits,
    /// 13–16 ms without (docs/performance.md). A passive checkpoint waits for no reader or
    /// writer, and writers go on appending to the log meanwhile.
    pub fn checkpoint_in_background(&self) {
        super::spawn_once(&self.checkpointing, || {
            let own = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_lazy_with((*self.pool.connect_options()).clone());
            checkpoints(own, self.pool.close_event())
        });
    }

    /// One: SQLite has a single writer, and this process's writers queue for their turn.
    const PARALLEL_WRITES: usize = 1;

    /// Nothing: an outbox claim runs in a write transaction, which already excludes every other
    /// writer, so no row can be claimed twice.
    const SKIP_LOCKED: &'static str = "";

    /// `+`, written before the plan and status columns of a list with many matches: a term no
    /// index serves, which leaves the planner the sort order's index to walk. Without per-value
    /// statistics (see [`forget_value_samples`]) it cannot tell 25,000 matches from 100, and read
    /// them all through the status index and sorted them: 150 ms a page at 100,000 tenants, 1 ms
    /// along the name index (docs/performance.md).
    const ALONG_ORDER: &'static str = "+";

    /// A write transaction holding SQLite's write lock from its first statement, begun when
    /// this process's earlier writers are done.
    async fn begin_write(&self) -> Result<WriteTx<Sqlite>, StoreError> {
        let turn = Arc::clone(&self.turn).lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
        Ok(WriteTx::new(tx, Some(turn), Arc::clone(&self.cache)))
    }

    /// A connection for one statement that writes by itself (and may change what `reach`
    /// says), when this process's earlier writers are done.
    async fn write_one(&self, reach: Reach) -> Result<WriteOne<Sqlite>, StoreError> {
        let turn = Arc::clone(&self.turn).lock_owned().await;
        let conn = self.pool.acquire().await.map_err(backend)?;
        Ok(WriteOne::new(conn, Some(turn), Arc::clone(&self.cache), reach))
    }

    /// Nothing to relax: with `synchronous = NORMAL` in WAL mode no commit waits for the disk.
    #[expect(clippy::unused_async, reason = "same signature as PostgreSQL's, which sends a statement")]
    async fn commit_without_flush(_conn: &mut SqliteConnection) -> Result<(), StoreError> {
        Ok(())
    }

    /// Nothing to take: the `BEGIN IMMEDIATE` transaction already holds the database's only
    /// write lock, which serialises every `Lock` at once.
    #[expect(clippy::unused_async, reason = "same signature as PostgreSQL's, which waits for its lock")]
    async fn acquire(_conn: &mut SqliteConnection, _lock: Lock<'_>) -> Result<(), StoreError> {
        Ok(())
    }

    /// The audit chain's head: the `BEGIN IMMEDIATE` transaction's write lock keeps it the head.
    async fn chain_head(conn: &mut SqliteConnection) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as(shared::CHAIN_HEAD).fetch_optional(conn).await.map_err(backend)
    }

    /// The tenant-list version, read every time: in-process, it costs no round trip.
    async fn tenant_list_version(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar(shared::LIST_VERSION).fetch_one(&self.pool).await.map_err(backend)
    }

    /// Where a searched list reads its candidates: `tenant_list` (migration 0005), a narrow copy
    /// of the tenants' listing columns keyed like the FTS5 index, so each candidate costs one
    /// integer-key lookup instead of three lookups into the wide `tenants` rows.
    const SEARCH_SOURCE: &str = "tenant_list";

    /// Narrows a tenant search (of three or more characters) to the candidates of the FTS5
    /// trigram index (`tenant_search`, migrations 0004 and 0005). SQLite cannot use any index
    /// for the shared `LIKE '%…%'`, and an FTS5 table is SQLite's own syntax, hence a hook.
    ///
    /// The index is asked for rows holding every trigram of a cover of the input (its first,
    /// every third, and its last: `logistics` → `log`, `ist`, `ics`), each a quoted string in
    /// which nothing is an operator (`""` is a quote). That is a superset of the rows containing
    /// the input — the `LIKE` that follows still decides each one exactly — found about twice
    /// as fast as the full phrase, whose positions FTS5 would check for all seven trigrams.
    fn search_index(qb: &mut QueryBuilder<Sqlite>, text: &str) {
        // The rows hold lower-cased text: look up the same form the `LIKE` compares.
        let chars: Vec<char> = text.to_lowercase().chars().collect();
        let last = chars.len().saturating_sub(TRIGRAM);
        let mut starts: Vec<usize> = (0..=last).step_by(TRIGRAM).collect();
        if starts.last() != Some(&last) {
            starts.push(last);
        }
        let terms: Vec<String> = starts
            .iter()
            .map(|&at| {
                let trigram: String = chars.iter().skip(at).take(TRIGRAM).collect();
                format!("\"{}\"", trigram.replace('"', "\"\""))
            })
            .collect();
        qb.push(" AND key IN (SELECT rowid FROM tenant_search WHERE tenant_search MATCH ")
            .push_bind(terms.join(" AND "))
            .push(")");
    }
}
