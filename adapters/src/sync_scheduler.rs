//! The server's scheduled tenant sync: a run every `GATEHOUSE_SYNC_INTERVAL`, as Gatehouse
//! itself. Every instance schedules one, and the sync's run record lets only one of them run at
//! a time (the others log that a run is going on and wait for their next turn). Nothing is
//! attempted while the upstream is not configured.
//!
//! Stopping waits for the run in progress: its tenants are each committed whole, but a run cut
//! off would leave its record open until the lease runs out.

use std::time::Duration;

use gatehouse_application::ports::{Conflict, SyncTrigger, UpstreamError};
use gatehouse_application::sync_tenants::{self, DEFAULT_CONCURRENCY, Request};
use gatehouse_application::{Error, Ports};
use gatehouse_domain::Actor;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The first run waits this long after start-up (or the interval, when shorter), so a restart
/// loop does not hammer the upstream.
const FIRST_RUN_AFTER: Duration = Duration::from_mins(1);

/// A running schedule; [`SyncScheduler::stop`] ends it after the run in progress.
#[derive(Debug)]
pub struct SyncScheduler {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SyncScheduler {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "the sync scheduler ended abnormally");
        }
    }
}

/// Starts the schedule: the first run after a minute, then one every `every`.
pub fn spawn(ports: Ports, every: Duration) -> SyncScheduler {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut wait = every.min(FIRST_RUN_AFTER);
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
            }
            run_once(&ports).await;
            wait = every;
        }
    });
    SyncScheduler { stop, task }
}

/// One scheduled run, reported in the log.
pub async fn run_once(ports: &Ports) {
    let request = Request {
        tenant: None,
        dry_run: false,
        concurrency: DEFAULT_CONCURRENCY,
        trigger: SyncTrigger::Schedule,
    };
    let started = match sync_tenants::begin(ports, &Actor::system(), request).await {
        Ok(started) => started,
        Err(Error::Upstream(UpstreamError::NotConfigured)) => {
            tracing::debug!("scheduled sync skipped: the MFA upstream is not configured");
            return;
        }
        Err(Error::Conflict(Conflict::SyncRunning(who))) => {
            tracing::info!(running = %who, "scheduled sync skipped: another run is going on");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "scheduled sync could not start");
            return;
        }
    };
    let summary = started.run(ports, &|_| {}).await;
    let c = summary.counts;
    if summary.succeeded() {
        tracing::info!(total = c.total, synced = c.synced, unchanged = c.unchanged, "scheduled sync done");
    } else {
        tracing::warn!(
            total = c.total,
            synced = c.synced,
            unchanged = c.unchanged,
            failed = c.failed,
            error = summary.error.as_deref().unwrap_or(""),
            "scheduled sync done with failures (see /system)"
        );
    }
}
