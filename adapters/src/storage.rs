//! Storage: the persistence ports ([`TenantRepository`], [`UsageRepository`],
//! [`AdminRepository`], [`AuditLog`], [`UnitOfWork`], [`BulkLoader`], [`ApiKeyStore`], and for
//! the login [`SessionStore`], [`LoginThrottle`], [`SecondFactorStore`], [`SettingsStore`]) on SQLite (the
//! embedded default) and PostgreSQL (production), behind one [`Storage`] handle.
//! [`AdminRepository`], [`AuditLog`], [`UnitOfWork`], [`BulkLoader`], and for the login
//! [`SessionStore`], [`LoginThrottle`], [`SecondFactorStore`], [`SettingsStore`], and the
//! [`Outbox`]) on SQLite (the embedded default) and PostgreSQL (production), behind one
//! [`Storage`] handle.
//!
//! The two backends share their code and nearly all of their SQL: the port implementations
//! are written once in `shared` and expanded for each backend, and row mapping, JSON,
//! timestamps and error classification live in [`rows`]. What differs (connecting, locking,
//! the bulk loader) lives in `sqlite` and `postgres`; nothing above this module knows which
//! database it talks to. Both are held to the same contract suite
//! (`tests/tests/storage_contract.rs`).

mod cache;
mod filters;
mod looks;
mod postgres;
pub mod rows;
mod shared;
mod sqlite;
mod write;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gatehouse_application::ports::{
    AdminRepository, ApiKeyStore, ApiLogStore, AuditLog, BulkLoader, IdempotencyStore, LoginThrottle, Outbox,
    PanelQueries, SecondFactorStore, SessionStore, SettingsStore, StoreError, SupportGrants, SyncStore,
    TenantRepository, UnitOfWork, UsageRepository,
};
use sqlx::{PgPool, SqlitePool};

/// Every storage port, backed by one database pool. Cheap to share: the ports are `Arc`s.
pub struct Storage {
    pub tenants: Arc<dyn TenantRepository>,
    pub usage: Arc<dyn UsageRepository>,
    pub admins: Arc<dyn AdminRepository>,
    pub audit: Arc<dyn AuditLog>,
    pub work: Arc<dyn UnitOfWork>,
    pub bulk: Arc<dyn BulkLoader>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub second_factor: Arc<dyn SecondFactorStore>,
    pub settings: Arc<dyn SettingsStore>,
    /// The panel's read models over the rollups.
    pub panel: Arc<dyn PanelQueries>,
    /// The API's idempotency records and call log.
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub api_log: Arc<dyn ApiLogStore>,
    /// Operator API keys and tenant keys.
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub support: Arc<dyn SupportGrants>,
    /// The tenant sync's links and runs.
    pub sync: Arc<dyn SyncStore>,
    /// Messages waiting for delivery.
    pub outbox: Arc<dyn Outbox>,
    pool: Pool,
    /// The PostgreSQL store itself, for what is not a port (following announcements).
    postgres: Option<Arc<postgres::PgStore>>,
    /// The SQLite store itself, for what is not a port (checkpoints in the background).
    sqlite: Option<Arc<sqlite::SqliteStore>>,
}

/// The pool behind the ports, kept for the operations that are not ports (migrate, ping, close).
#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A database URL whose scheme is neither `sqlite:` nor `postgres:`.
#[derive(Debug, thiserror::Error)]
#[error(
    "unsupported database URL scheme {0:?}: expected sqlite://path/to/file.db or postgres://user@host/db"
)]
pub struct UnsupportedDatabaseUrl(String);

impl Storage {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://…`; does not migrate.
    pub async fn connect(url: &str) -> Result<Storage, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => {
                let pool = sqlite::connect(url).await?;
                let store = Arc::new(sqlite::SqliteStore::new(pool.clone()));
                Ok(Storage { sqlite: Some(Arc::clone(&store)), ..Self::assemble(store, Pool::Sqlite(pool)) })
            }
            "postgres" | "postgresql" => {
                let pool = postgres::connect(url).await?;
                let store = Arc::new(postgres::PgStore::new(pool.clone()));
                Ok(Storage {
                    postgres: Some(Arc::clone(&store)),
                    ..Self::assemble(store, Pool::Postgres(pool))
                })
            }
            // Only the scheme is echoed: the rest of the URL may hold a password.
            other => Err(StoreError::backend(UnsupportedDatabaseUrl(other.to_owned()))),
        }
    }

    fn assemble<S>(store: Arc<S>, pool: Pool) -> Storage
    where
        S: TenantRepository + UsageRepository + AdminRepository + AuditLog + UnitOfWork + BulkLoader,
        S: SessionStore + LoginThrottle + SecondFactorStore + SettingsStore + PanelQueries + Outbox + 'static,
        S: IdempotencyStore + ApiLogStore + ApiKeyStore + SupportGrants + SyncStore,
    {
        Storage {
            tenants: store.clone(),
            usage: store.clone(),
            admins: store.clone(),
            audit: store.clone(),
            work: store.clone(),
            bulk: store.clone(),
            sessions: store.clone(),
            throttle: store.clone(),
            second_factor: store.clone(),
            settings: store.clone(),
            panel: store.clone(),
            idempotency: store.clone(),
            api_log: store.clone(),
            api_keys: store.clone(),
            support: store.clone(),
            sync: store.clone(),
            outbox: store,
            pool,
            postgres: None,
            sqlite: None,
        }
    }

    /// Applies the embedded migrations that have not run yet (a no-op when up to date).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("../migrations/sqlite").run(pool).await,
            Pool::Postgres(pool) => sqlx::migrate!("../migrations/postgres").run(pool).await,
        }
        .map_err(StoreError::backend)
    }

    /// For a long-running server: lets tenant lists skip reading the tenant-list version while
    /// PostgreSQL's announcements vouch for it (`storage/postgres/list_version.rs`). Nothing
    /// on SQLite, where that read costs no round trip. Call it inside a Tokio runtime.
    pub fn watch_tenant_list(&self) {
        if let Some(store) = &self.postgres {
            store.watch_tenant_list();
        }
    }

    /// For a long-running server: SQLite's write-ahead log is checkpointed in the background,
    /// not by the commit that fills it (`SqliteStore::checkpoint_in_background`). Nothing on
    /// PostgreSQL. Call it inside a Tokio runtime.
    pub fn checkpoint_in_background(&self) {
        if let Some(store) = &self.sqlite {
            store.checkpoint_in_background();
        }
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Pool::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        }
        .map_err(StoreError::backend)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// Spawns the future `start` makes, on the current Tokio runtime, the first time `started` is
/// set: a store's background work, once per store, and none outside a runtime.
fn spawn_once<F>(started: &AtomicBool, start: impl FnOnce() -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() && !started.swap(true, Ordering::AcqRel) {
        tokio::spawn(start());
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage").field("backend", &self.backend()).finish_non_exhaustive()
    }
}
