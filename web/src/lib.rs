//! Gatehouse's HTTP server as a library: the shared [`AppState`] and [`build_router`], so that
//! the `gatehouse` binary serves it on a socket and tests drive it over real HTTP or with
//! `tower::ServiceExt::oneshot`.
//!
//! Handlers stay thin: parse the request, call one use case through [`AppState::ports`],
//! render the result. No SQL, business rule or permission check lives in this crate: a use
//! case that refuses answers `Forbidden`, which becomes a 403 and an `authz_fail` audit row
//! (S24, S26). What the web layer does own is HTTP hardening: cookies (S17), CSRF (S22),
//! security headers (S23), burst limits (S14), client addresses behind proxies, and error
//! pages that show a request id and nothing internal (S25).

pub mod api;
pub mod assets;
pub mod auth;
pub mod client;
pub mod cookies;
pub mod csrf;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod rate_limit;
pub mod routes;
pub mod security;
pub mod views;

use std::fmt;
use std::sync::Arc;

use axum::Router;
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::storage::Storage;
use gatehouse_adapters::wiring::Wiring;
use gatehouse_application::Ports;
use ipnet::IpNet;

pub use rate_limit::BurstLimit;

/// What every handler may reach: one `Arc`, since axum clones the state for every extractor
/// and middleware of every request. Cloning and dropping the 28 `Arc`s of `Ports` each time was
/// 6 % of the CPU of an API list call, the four of the state's parts another 2 %.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`], reached through it (`state.ports`).
#[derive(Debug)]
pub struct Shared {
    pub settings: Arc<Settings>,
    /// The database handle, for readiness checks.
    pub storage: Arc<Storage>,
    /// The ports the use cases run on (an `Arc` of their own for work that outlives a request).
    pub ports: Arc<Ports>,
    /// The web layer's own configuration and limiter.
    pub web: Arc<WebConfig>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// HTTP-level configuration derived from the settings once at start.
pub struct WebConfig {
    /// Served over TLS (directly or behind a TLS proxy): `Secure` + `__Host-` cookies, HSTS.
    pub secure: bool,
    /// Peers whose `X-Forwarded-For` is believed (S14).
    pub trusted_proxies: Vec<IpNet>,
    /// `scheme://host[:port]` of `GATEHOUSE_PUBLIC_URL`, when set: the origin forms post from.
    pub public_origin: Option<String>,
    /// Signs CSRF tokens (S22). Never printed.
    csrf_key: Vec<u8>,
    /// The per-client burst limit on `/login*` and `/setup*` (S14).
    pub limiter: rate_limit::Limiter,
    /// The per-key rate limits of the API.
    pub api_limits: api::caller::ApiLimits,
    /// The API log's background writer.
    pub api_log: api::log::ApiLogger,
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("secure", &self.secure)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_origin", &self.public_origin)
            .finish_non_exhaustive()
    }
}

impl WebConfig {
    pub fn csrf_key(&self) -> &[u8] {
        &self.csrf_key
    }
}

impl AppState {
    /// The state of a server configured by `settings` and wired by `wiring`.
    pub fn new(settings: Settings, wiring: Wiring) -> Self {
        Self::with_limit(settings, wiring, BurstLimit::default())
    }

    /// Like [`AppState::new`] with another login burst limit (tests use small and large ones).
    pub fn with_limit(settings: Settings, wiring: Wiring, limit: BurstLimit) -> Self {
        let web = WebConfig {
            secure: settings.is_secure(),
            trusted_proxies: settings.trusted_proxies().ranges().to_vec(),
            public_origin: settings
                .public_url
                .is_explicit()
                .then(|| settings.public_url().origin().ascii_serialization()),
            csrf_key: wiring.keys.csrf_key().to_vec(),
            limiter: rate_limit::Limiter::new(limit),
            api_limits: api::caller::ApiLimits::default(),
            api_log: api::log::ApiLogger::start(wiring.ports.clone()),
        };
        wiring.storage.watch_tenant_list();
        wiring.storage.checkpoint_in_background();
        AppState(Arc::new(Shared {
            settings: Arc::new(settings),
            storage: wiring.storage,
            ports: Arc::new(wiring.ports),
            web: Arc::new(web),
        }))
    }
}

/// Every route of the server, with the middleware that applies to all of them.
pub fn build_router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(health::router())
        .merge(assets::router())
        .merge(routes::router())
        // Innermost first: the session is known before CSRF is checked against it.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), csrf::middleware))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        // The API authenticates by key, never by the session cookie, and needs no CSRF token.
        .merge(api::router(&state))
        .fallback(errors::not_found);
    security::layers(routes, &state).with_state(state)
}
