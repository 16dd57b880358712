//! Records of looks at tenants, appended to the audit chain in batches (group commit).
//!
//! The tenant page writes one audit record per view, and every append to the hash chain holds
//! the chain's lock from reading its head to its commit. Under 16 concurrent views the lock was
//! the page's queue (PostgreSQL: three round trips and a commit each, one at a time; SQLite:
//! one write transaction each). Views that arrive while an append is under way are appended
//! together by the next one: each caller queues its record, then whoever gets the turn commits
//! every queued record in one transaction and tells each caller the outcome. Order is queue
//! order; a failed batch fails every view in it, as a failed transaction would have.

use std::sync::{Mutex, PoisonError};

use gatehouse_application::ports::StoreError;
use gatehouse_domain::AuditEvent;
use tokio::sync::{Mutex as TurnLock, MutexGuard, oneshot};

/// The records of one unit of work (appended together, all or none) and where their outcome
/// goes.
type Waiting = (Vec<AuditEvent>, oneshot::Sender<Result<(), String>>);

/// The queue of looks waiting to be appended, and the turn to append them.
#[derive(Debug, Default)]
pub struct Looks {
    queue: Mutex<Vec<Waiting>>,
    turn: TurnLock<()>,
}

/// A batch that failed, as each of its other callers learns it.
#[derive(Debug, thiserror::Error)]
#[error("the batch of tenant looks this one was appended with failed: {0}")]
pub struct BatchFailed(String);

impl Looks {
    /// Queues `events`; their outcome arrives on the returned receiver.
    pub fn queue(&self, events: Vec<AuditEvent>) -> oneshot::Receiver<Result<(), String>> {
        let (tx, rx) = oneshot::channel();
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).push((events, tx));
        rx
    }

    /// The turn to append: while it is held, no one else appends looks.
    pub async fn turn(&self) -> MutexGuard<'_, ()> {
        self.turn.lock().await
    }

    /// Everything queued so far.
    pub fn take(&self) -> Vec<Waiting> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Whether `outcome` has arrived: `Some` once the record was appended or its batch failed.
pub fn arrived(outcome: &mut oneshot::Receiver<Result<(), String>>) -> Option<Result<(), StoreError>> {
    match outcome.try_recv() {
        Ok(Ok(())) => Some(Ok(())),
        Ok(Err(message)) => Some(Err(StoreError::backend(BatchFailed(message)))),
        Err(oneshot::error::TryRecvError::Empty) => None,
        // Its batch was dropped unfinished (a cancelled committer): the transaction rolled back.
        Err(oneshot::error::TryRecvError::Closed) => {
            Some(Err(StoreError::backend(BatchFailed("abandoned before its commit".to_owned()))))
        }
    }
}
