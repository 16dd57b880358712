//! Shared helpers of Gatehouse's cross-crate integration tests: fresh databases for the storage
//! contract suite (one SQLite file or one PostgreSQL database per test, so tests run in
//! parallel and never see each other's data), builders of domain values, and the stand-in MFA
//! upstream ([`stand_in`]), and a real SMTP server ([`smtp`]).

pub mod app;
pub mod fixtures;
pub mod smtp;
pub mod stand_in;
pub mod storage;

pub use storage::{TestDb, postgres_db, sqlite_db};

/// Runs each listed `async fn name(backend: Backend)` once per database, as `sqlite::name` and
/// `postgres::name` (whose app prints a loud SKIPPED line without a PostgreSQL server).
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::app::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::app::Backend::Postgres).await;
                }
            )+
        }
    };
}
