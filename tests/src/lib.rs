//! Shared helpers of Gatehouse's cross-crate integration tests: fresh databases for the storage
//! contract suite (one SQLite file or one PostgreSQL database per test, so tests run in
//! parallel and never see each other's data) and builders of domain values.

pub mod app;
pub mod fixtures;
pub mod storage;

pub use storage::{TestDb, postgres_db, sqlite_db};
