//! [`WriteTx`]: the transaction every write of several statements runs in, on both backends,
//! and [`WriteOne`]: a write of one statement, which commits by itself.
//!
//! Both deref to the backend's connection, so the shared statements take them like a plain
//! connection, and add two things around the write:
//! - on SQLite, this process's turn to write: writers queue on an async lock before
//!   `BEGIN IMMEDIATE`, instead of meeting SQLite's write lock and sleeping in its busy handler
//!   (1, 2, 5, 10 … 100 ms naps: the tail of the tenant page under 16 connections was those
//!   naps). The busy timeout still covers writers in other processes (`gatehouse-ctl`);
//! - once it has committed, the count of writes that tells the [`ReadCache`] which of its
//!   answers are out of date ([`Reach`]: everything, unless the writer says less).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::Database;
use sqlx::pool::PoolConnection;
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
        let _counted = Counted { cache, reach };
        tx.commit().await
    }
}

/// A write of one statement outside any transaction: the statement commits by itself, so it
/// costs one hand-off to SQLite's connection thread (one round trip to PostgreSQL) instead of
/// three with `BEGIN` and `COMMIT`. It holds the same turn as a [`WriteTx`] (SQLite starts such
/// a statement's write like `BEGIN IMMEDIATE`, waiting in the busy handler for other processes)
/// and counts itself in the cache when dropped, after its statement ran.
#[derive(Debug)]
pub struct WriteOne<DB: Database> {
    // Dropped in this order: the connection back to the pool, the turn, then the count.
    conn: PoolConnection<DB>,
    _turn: Option<OwnedMutexGuard<()>>,
    _counted: Counted,
}

impl<DB: Database> WriteOne<DB> {
    /// `reach`: what this write may change among the cache's answers.
    pub fn new(
        conn: PoolConnection<DB>,
        turn: Option<OwnedMutexGuard<()>>,
        cache: Arc<ReadCache>,
        reach: Reach,
    ) -> Self {
        WriteOne { conn, _turn: turn, _counted: Counted { cache, reach } }
    }
}

/// Counts a write in the cache when dropped: when its commit ends, however it ends.
#[derive(Debug)]
struct Counted {
    cache: Arc<ReadCache>,
    reach: Reach,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.cache.written(self.reach);
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

impl<DB: Database> Deref for WriteOne<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: Database> DerefMut for WriteOne<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}
