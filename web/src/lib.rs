//! Gatehouse's HTTP server as a library: the shared [`AppState`] and [`build_router`], so that
//! the `gatehouse` binary serves it on a socket and tests drive it with
//! `tower::ServiceExt::oneshot`, without one.
//!
//! Handlers stay thin: parse the request, call one use case through [`AppState::ports`],
//! render the result. No SQL, business rule or permission check lives in this crate.

pub mod health;
pub mod security;

use std::sync::Arc;

use axum::Router;
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::storage::Storage;
use gatehouse_adapters::wiring::Wiring;
use gatehouse_application::Ports;

/// What every handler may reach: a cheap `Clone` of `Arc`s.
#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// The database handle, for readiness checks.
    pub storage: Arc<Storage>,
    /// The ports the use cases run on.
    pub ports: Ports,
}

impl AppState {
    /// The state of a server configured by `settings` and wired by `wiring`.
    pub fn new(settings: Settings, wiring: Wiring) -> Self {
        AppState { settings: Arc::new(settings), storage: wiring.storage, ports: wiring.ports }
    }
}

/// Every route of the server, with the middleware that applies to all of them.
pub fn build_router(state: AppState) -> Router {
    security::layers(Router::new().merge(health::router())).with_state(state)
}
