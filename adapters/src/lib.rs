//! Gatehouse's adapters: the application's ports implemented against the world (SQLite and
//! PostgreSQL storage, the clock, identifiers, argon2id, SMTP, the MFA upstream), the
//! outbox worker, the configuration both binaries
//! read, a demo-data generator, and the wiring that assembles the ports from the settings.
//!
//! Only this crate knows concrete databases and libraries; `web` and `cli` get everything
//! through [`wiring`].

pub mod config;
pub mod crypto;
pub mod demo;
pub mod mail;
pub mod metrics;
pub mod outbox_worker;
pub mod probe;
pub mod storage;
pub mod sync_scheduler;
pub mod system;
pub mod upstream;
pub mod wiring;

pub use storage::Storage;
