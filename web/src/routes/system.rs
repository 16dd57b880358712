//! The system page (`/system`, owners: `settings:manage`): version, build, health checks, the
//! configuration with secrets masked, the upstream connection and its recent calls, and the
//! tenant sync ("Sync now", `sync:run`, and the recent runs).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gatehouse_application::ports::{Conflict, SyncTrigger, UpstreamError};
use gatehouse_application::sync_tenants::{self, DEFAULT_CONCURRENCY, Request, Started};
use gatehouse_application::{Error, Ports, system_status};

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::system::SystemInfo;
use crate::views::{Ctx, system as view};

/// Runs shown on the page.
const RECENT_RUNS: u32 = 10;

pub fn router() -> Router<AppState> {
    Router::new().route("/system", get(show)).route("/system/sync", post(sync_now))
}

/// `NAME = value` lines into pairs.
pub fn configuration(summary: &str) -> Vec<(String, String)> {
    summary
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

async fn show(State(state): State<AppState>, ctx: Ctx, Full(auth): Full) -> Result<Response, AppError> {
    let health = system_status::run(&state.ports, &auth.actor).await?;
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let runs = match sync_tenants::recent(&state.ports, &auth.actor, RECENT_RUNS).await {
        Ok(runs) => Some(runs),
        Err(e) if e.is_forbidden() => None,
        Err(e) => return Err(e.into()),
    };
    let info = SystemInfo {
        version: env!("CARGO_PKG_VERSION"),
        build: format!("{profile} build, {} {}", std::env::consts::OS, std::env::consts::ARCH),
        database_backend: state.storage.backend(),
        health,
        configuration: configuration(&state.settings.summary()),
        outbox: crate::routes::notifications::status_for(&state, &auth.actor).await?,
        upstream: system_status::upstream(&state.ports, &auth.actor)?,
        runs,
        now: state.ports.clock.now(),
    };
    Ok(view::page(&ctx, &info).into_response())
}

/// "Sync now": starts a run of every tenant in the background and comes back to the page.
async fn sync_now(State(state): State<AppState>, Full(auth): Full) -> Result<Response, AppError> {
    let request = Request {
        tenant: None,
        dry_run: false,
        concurrency: DEFAULT_CONCURRENCY,
        trigger: SyncTrigger::Panel,
    };
    let notice = match sync_tenants::begin(&state.ports, &auth.actor, request).await {
        Ok(started) => {
            run_in_background(state.ports.clone(), started);
            "sync_started"
        }
        Err(Error::Conflict(Conflict::SyncRunning(_))) => "sync_running",
        Err(Error::Upstream(UpstreamError::NotConfigured)) => "sync_not_configured",
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/system?notice={notice}")).into_response())
}

/// Runs a begun sync on its own task: the request that started it does not wait. (A server
/// stopped meanwhile leaves the run's record open until its lease runs out; every tenant it
/// finished is committed.)
pub fn run_in_background(ports: Arc<Ports>, started: Started) {
    tokio::spawn(async move {
        let summary = started.run(&ports, &|_| {}).await;
        let c = summary.counts;
        tracing::info!(
            run = ?summary.run, total = c.total, synced = c.synced, unchanged = c.unchanged, failed = c.failed,
            "tenant sync done"
        );
    });
}
