//! [`WriteTx`]: the transaction every write runs in, on both backends.
//!
//! It derefs to the backend's connection, so the shared statements take it like a plain
//! transaction, and adds two things around the commit:
//! - on SQLite, this process's turn to write: writers queue on an async lock before
//!   `BEGIN IMMEDIATE`, instead of meeting SQLite's write lock and sleeping in its busy handler
//!   (1, 2, 5, 10 … 100 ms naps: the tail of the tenant page under 16 connections was those
//!   naps). The busy timeout still covers writers in other processes (`gatehouse-ctl`);
//! - once it has committed, the count of writes that tells the [`ReadCache`] which of its
//!   answers are out of date ([`Reach`]: everything, unless the writer says less).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::Database;
use tokio::sync::OwnedMutexGuard;

use super::cache::{Reach, ReadCache};

/// A write transaction (see the module documentation).
#[derive(Debug)]
pub struct WriteTx<DB: Database> {
    tx: sqlx::Transaction<'static, DB>,
    /// SQLite's turn to write, held until the transaction ends.
    _turn: Option<OwnedMutexGuard<()>>,
    cache: Arc<ReadCache>,
    reach: Reach,
}

impl<DB: Database> WriteTx<DB> {
    pub fn new(
        tx: sqlx::Transaction<'static, DB>,
        turn: Option<OwnedMutexGuard<()>>,
        cache: Arc<ReadCache>,
    ) -> Self {
        WriteTx { tx, _turn: turn, cache, reach: Reach::ALL }
    }

    /// Says what this write may change among the cache's answers (everything unless said).
    pub fn reaches(&mut self, reach: Reach) {
        self.reach = reach;
    }

    /// Commits, then tells the cache — also when the commit failed or its caller stopped
    /// waiting for it: it may have landed, and a list of this process must then read again.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx { tx, _turn, cache, reach } = self;
        let _counted = Counted(&cache, reach);
        tx.commit().await
    }
}

/// Counts a write in the cache when dropped: when its commit ends, however it ends.
struct Counted<'a>(&'a ReadCache, Reach);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.written(self.1);
    }
}

impl<DB: Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}
