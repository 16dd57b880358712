//! The storage ports on PostgreSQL, for production and for several instances sharing one
//! database.
//!
//! Transactions run at READ COMMITTED: optimistic concurrency (`WHERE version = $n`) protects
//! tenants, and transaction-scoped advisory locks serialise the two read-then-write paths
//! (appending to the audit chain, adjusting the system usage totals).

mod admins;
mod audit;
mod bulk;
mod tenants;
mod usage;
mod work;

use std::str::FromStr;
use std::time::Duration;

use gatehouse_application::ports::StoreError;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::rows::backend;

/// The advisory-lock key that serialises audit-chain appends ("GHAUDIT" in ASCII).
const AUDIT_CHAIN_LOCK: i64 = 0x0047_4841_5544_4954;
/// The advisory-lock key that serialises usage recording ("GHUSAGE").
const USAGE_LOCK: i64 = 0x0047_4855_5341_4745;

/// Connects a pool to the database at `url`.
pub async fn connect(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(backend)?;
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(backend)
}

/// Every storage port on one PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// The ports on `pool` (already connected; migrations are run separately).
    pub fn new(pool: PgPool) -> Self {
        PgStore { pool }
    }
}
