//! The storage ports on PostgreSQL, for production and for several instances sharing one
//! database.
//!
//! Transactions run at READ COMMITTED: optimistic concurrency (`WHERE version = $n`) protects
//! tenants, conditional single-statement updates protect TOTP steps and recovery codes, and
//! transaction-scoped advisory locks serialise the read-then-write paths (appending to the
//! audit chain, adjusting the system usage totals, counting login attempts per key). The
//! ports' code is shared with SQLite (see [`shared`](super::shared)); only connecting, the
//! hooks below and the bulk loader are PostgreSQL's own.

mod bulk;
mod list_version;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use gatehouse_application::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use self::list_version::ListVersion;
use super::cache::{Reach, ReadCache};
use super::looks::Looks;
use super::rows::backend;
use super::shared::{self, Lock};
use super::write::{WriteOne, WriteTx};

shared::ports!(PgStore, Postgres, PgConnection);

/// The advisory-lock key that serialises audit-chain appends ("GHAUDIT" in ASCII).
const AUDIT_CHAIN_LOCK: i64 = 0x0047_4841_5544_4954;
/// The advisory-lock key that serialises usage recording ("GHUSAGE").
const USAGE_LOCK: i64 = 0x0047_4855_5341_4745;

/// The first key of the recorders' per-tenant locks ("GHUS"); the second is the bucket.
const USAGE_BUCKET_CLASS: i32 = 0x4748_5553;
/// How many locks the tenants' usage is spread over: a transaction takes at most this many,
/// and two recorders of different tenants wait for each other one time in this many.
const USAGE_BUCKETS: u64 = 64;

/// The bucket of `tenant`'s usage lock (from the random bits of its UUID v7).
fn usage_bucket(tenant: gatehouse_domain::TenantId) -> i32 {
    i32::try_from(tenant.as_uuid().as_u64_pair().1 % USAGE_BUCKETS).unwrap_or(0)
}

/// A pooled connection idle at least this long is pinged before it is lent out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Connects a pool to the database at `url`.
///
/// sqlx pings every connection it lends out by default: a round trip before each request's
/// first statement and each transaction (a login made about ten). Only a connection that sat
/// idle is pinged here. The price: after a restart or fail-over of PostgreSQL, a connection used
/// within the last second is lent out unchecked, and its statement fails once (an error answer
/// to that one request, the connection then dropped) where sqlx would have replaced it quietly.
pub async fn connect(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(backend)?;
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(backend)
}

/// Every storage port on one PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    cache: Arc<ReadCache>,
    /// Looks at tenants waiting to be appended together (see [`Looks`]).
    looks: Arc<Looks>,
    /// The tenant-list version as announced (see [`list_version`]).
    list_version: Arc<ListVersion>,
    /// Whether [`PgStore::watch_tenant_list`] has started its listener.
    watching: Arc<AtomicBool>,
}

impl PgStore {
    /// The ports on `pool` (already connected; migrations are run separately).
    pub fn new(pool: PgPool) -> Self {
        PgStore {
            pool,
            cache: Arc::default(),
            looks: Arc::default(),
            list_version: Arc::default(),
            watching: Arc::default(),
        }
    }

    /// Follows the tenant-list version's announcements from now on (see [`list_version`]), on
    /// a connection of its own, until the pool is closed. Once per store; nothing outside a
    /// Tokio runtime.
    pub fn watch_tenant_list(&self) {
        super::spawn_once(&self.watching, || {
            let options = (*self.pool.connect_options()).clone();
            list_version::watch(options, self.pool.close_event(), Arc::clone(&self.list_version))
        });
    }

    /// The tenant-list version: as announced when a listener vouches for it, else read (and
    /// kept for the announcements to follow).
    async fn tenant_list_version(&self) -> Result<i64, StoreError> {
        if let Some(version) = self.list_version.current(&self.cache) {
            return Ok(version);
        }
        let ticket = self.list_version.before_read(&self.cache);
        let version =
            sqlx::query_scalar(shared::LIST_VERSION).fetch_one(&self.pool).await.map_err(backend)?;
        self.list_version.read(ticket, version);
        Ok(version)
    }

    /// Usage recorders of different tenants run side by side ([`Lock::UsageOf`]) and meet only
    /// at the totals' rows, updated last: a group spent most of its transaction in round trips.
    /// (Four on two cores: docs/performance.md.)
    const PARALLEL_WRITES: usize = 4;

    /// Ends an outbox claim's inner `SELECT`: concurrent claimers skip the rows another has
    /// locked instead of waiting for them, and never take the same one.
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";

    /// Nothing: PostgreSQL's statistics of common values already make it walk the sort order's
    /// index for a common filter. `+plan_rank` would hide them, and it scanned the table and
    /// sorted instead (32 ms against 2 ms; docs/performance.md).
    const ALONG_ORDER: &'static str = "";

    /// A transaction that may write (READ COMMITTED, like every other).
    async fn begin_write(&self) -> Result<WriteTx<Postgres>, StoreError> {
        let tx = self.pool.begin().await.map_err(backend)?;
        Ok(WriteTx::new(tx, None, Arc::clone(&self.cache)))
    }

    /// A connection for one statement that writes by itself (and may change what `reach` says).
    async fn write_one(&self, reach: Reach) -> Result<WriteOne<Postgres>, StoreError> {
        let conn = self.pool.acquire().await.map_err(backend)?;
        Ok(WriteOne::new(conn, None, Arc::clone(&self.cache), reach))
    }

    /// Lets this transaction's commit return before its WAL reaches the disk
    /// (`synchronous_commit = off` for this transaction only).
    ///
    /// Only for a unit of work that records a look at a tenant and changes nothing: its commit
    /// happens under the audit chain's lock, so every appender waited for every other one's
    /// disk flush (about 1 ms here, far more under load: 200 tenant pages a second at most, a
    /// 0.9 s 99th percentile). The WAL writer flushes it within a fraction of a second, and any
    /// later synchronous commit flushes it first (the WAL is written in order), so a crash can
    /// only cut off the newest such records — never leave a gap in the chain — and never lose
    /// a change. SQLite in WAL mode with `synchronous = NORMAL` makes no commit wait at all.
    async fn commit_without_flush(conn: &mut PgConnection) -> Result<(), StoreError> {
        sqlx::query("SET LOCAL synchronous_commit = off").execute(conn).await.map(drop).map_err(backend)
    }

    /// Waits for `lock`, which is then held until the transaction ends.
    async fn acquire(conn: &mut PgConnection, lock: Lock<'_>) -> Result<(), StoreError> {
        let query = match lock {
            Lock::UsageTotals => sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(USAGE_LOCK),
            // The shared side of the recorders' lock, then each tenant's bucket in order (two
            // recorders of overlapping tenants take their common buckets in the same order).
            Lock::UsageOf(tenants) => {
                let mut buckets: Vec<i32> = tenants.iter().map(|t| usage_bucket(*t)).collect();
                buckets.sort_unstable();
                buckets.dedup();
                sqlx::query(
                    "SELECT pg_advisory_xact_lock_shared($1), \
                     (SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($2, b) FROM UNNEST($3::int[]) AS b) AS l)",
                )
                .bind(USAGE_LOCK)
                .bind(USAGE_BUCKET_CLASS)
                .bind(buckets)
            }
        };
        query.execute(conn).await.map(drop).map_err(backend)
    }

    /// The audit chain's head, read after its advisory lock (held until the transaction ends)
    /// in one round trip: `audit_chain_head` (migration 0013) takes the lock, then reads.
    async fn chain_head(conn: &mut PgConnection) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as("SELECT seq, hash FROM audit_chain_head($1)")
            .bind(AUDIT_CHAIN_LOCK)
            .fetch_optional(conn)
            .await
            .map_err(backend)
    }

    /// A searched list reads `tenants` itself: its pg_trgm index points into it.
    const SEARCH_SOURCE: &str = "tenants";

    /// Nothing to add: the pg_trgm GIN index on `search` (migration 0004) serves the shared
    /// `LIKE '%…%'` itself for patterns of three or more characters.
    fn search_index(_qb: &mut QueryBuilder<Postgres>, _text: &str) {}
}
