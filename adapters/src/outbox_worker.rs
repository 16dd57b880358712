//! The background outbox worker of a server: rounds of [`deliver_outbox::run_once`] — back to
//! back while there is a full batch to do, otherwise one every `GATEHOUSE_OUTBOX_INTERVAL` —
//! until it is stopped. Every instance runs one; the outbox's claims keep them from delivering
//! the same message (see `deliver_outbox`).
//!
//! Stopping waits for the round in progress, so no delivery is cut off between sending and
//! recording it (which would send it again once its lease runs out).

use std::time::Duration;

use gatehouse_application::Ports;
use gatehouse_application::deliver_outbox::{self, Policy, Round};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::OutboxSettings;

/// A running worker; dropping the handle stops it after its round in progress.
#[derive(Debug)]
pub struct OutboxWorker {
    /// This worker's name in the outbox's `claimed_by`.
    pub id: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl OutboxWorker {
    /// Asks the worker to stop and waits for its round in progress to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the outbox worker ended abnormally");
        }
    }
}

/// The delivery policy of `settings`.
pub fn policy(settings: &OutboxSettings) -> Policy {
    Policy { batch: settings.batch, max_attempts: settings.max_attempts, ..Policy::default() }
}

/// Starts a worker on `ports` with `settings`.
pub fn spawn(ports: Ports, settings: &OutboxSettings) -> OutboxWorker {
    spawn_with(ports, policy(settings), settings.interval)
}

/// Starts a worker with an explicit policy and pause (tests use short ones).
pub fn spawn_with(ports: Ports, policy: Policy, interval: Duration) -> OutboxWorker {
    let id = format!("pid{}-{}", std::process::id(), &Uuid::new_v4().simple().to_string()[..12]);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(ports, policy, interval, id.clone(), stopped));
    OutboxWorker { id, stop, task }
}

async fn run(
    ports: Ports,
    policy: Policy,
    interval: Duration,
    id: String,
    mut stopped: watch::Receiver<bool>,
) {
    tracing::info!(worker = %id, batch = policy.batch, interval_s = interval.as_secs(), "outbox worker started");
    let jitter = || rand::random_range(0.0..=1.0);
    while !*stopped.borrow() {
        let full = match deliver_outbox::run_once(&ports, &id, &policy, &jitter).await {
            Ok(round) => {
                report(&id, round);
                round.claimed >= policy.batch as usize
            }
            Err(e) => {
                tracing::warn!(worker = %id, error = %e, "outbox round failed; trying again later");
                false
            }
        };
        if !full {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                // Stopped, or the handle was dropped: either way, no more rounds.
                changed = stopped.changed() => if changed.is_err() { break },
            }
        }
    }
    tracing::info!(worker = %id, "outbox worker stopped");
}

fn report(id: &str, r: Round) {
    if r.claimed > 0 {
        tracing::info!(
            worker = %id, claimed = r.claimed, sent = r.sent, retried = r.retried, dead = r.dead,
            released = r.released, "outbox round"
        );
    }
    if r.dead > 0 {
        tracing::warn!(worker = %id, dead = r.dead, "outbox messages given up (see /notifications)");
    }
    if r.lost > 0 {
        tracing::warn!(
            worker = %id, lost = r.lost,
            "outbox deliveries outlasted their lease and were not recorded; another worker may deliver them \
             again (a delivery should never take longer than the lease)"
        );
    }
}
