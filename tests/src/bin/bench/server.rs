//! The real server, in-process: the production wiring on the system clock (real argon2),
//! `build_router` served on 127.0.0.1:0, and an owner logged in through HTTP.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::storage::Storage;
use gatehouse_adapters::wiring::{Migrate, wire};
use gatehouse_application::Ports;
use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_domain::api_key::MAX_RATE_PER_MINUTE;
use gatehouse_domain::{Actor, Permission};
use gatehouse_tests::app::{Browser, first_run_on};
use gatehouse_web::{AppState, build_router};
use reqwest::header::HeaderMap;
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// A served Gatehouse, stopped by [`Server::stop`].
#[derive(Debug)]
pub struct Server {
    pub base: String,
    /// From wiring (connect, migrations check) to the first `200` of `/readyz`.
    pub start_to_ready: Duration,
    ports: Ports,
    storage: Arc<Storage>,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// The server wired as `gatehouse` wires it, bound to 127.0.0.1:0 but not yet serving: the
/// in-process server and the one run apart ([`crate::apart`]) are both this.
pub struct Wired {
    pub listener: tokio::net::TcpListener,
    pub app: IntoMakeServiceWithConnectInfo<Router, SocketAddr>,
    pub ports: Ports,
    pub storage: Arc<Storage>,
}

impl Wired {
    pub async fn new(settings: Settings) -> anyhow::Result<Wired> {
        let wiring = wire(&settings, Migrate::Yes).await.context("wiring the server")?;
        let (ports, storage) = (wiring.ports.clone(), wiring.storage.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let app =
            build_router(AppState::new(settings, wiring)).into_make_service_with_connect_info::<SocketAddr>();
        Ok(Wired { listener, app, ports, storage })
    }
}

/// Starts the server as `gatehouse` does, and waits until it answers `/readyz`.
pub async fn start(settings: Settings) -> anyhow::Result<Server> {
    let started = Instant::now();
    let Wired { listener, app, ports, storage } = Wired::new(settings).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/readyz")).send().await.context("GET /readyz")?;
    ensure!(ready.status().is_success(), "/readyz answered {}", ready.status());
    let start_to_ready = started.elapsed();
    Ok(Server { base, start_to_ready, ports, storage, shutdown, task })
}

impl Server {
    /// The first owner, created through the set-up link and enrolled in TOTP on the real
    /// clock; returns the browser, fully logged in, after checking the dashboard answers.
    pub async fn login(&self) -> anyhow::Result<Browser> {
        let browser = Browser::at(&self.base, HeaderMap::new());
        first_run_on(&self.ports, &browser, OffsetDateTime::now_utc).await;
        let home = browser.get("/").await;
        ensure!(home.status == 200, "the logged-in owner's dashboard answered {}", home.status);
        Ok(browser)
    }

    /// The ports of the served Gatehouse (its hasher, its storage).
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// An operator API key of every scope, with a rate limit the load cannot reach, created by
    /// the use case the panel's and the CLI's "create key" call.
    pub async fn api_key(&self) -> anyhow::Result<String> {
        let request = CreateApiKey {
            name: "bench".into(),
            scopes: Permission::ALL.iter().copied().collect(),
            tenants: Vec::new(),
            expires_at: None,
            rate_per_minute: Some(MAX_RATE_PER_MINUTE),
        };
        let (_, text) = manage_api_keys::create(&self.ports, &Actor::cli("bench"), request).await?;
        Ok(text.expose().to_owned())
    }

    /// Graceful shutdown, then the database pool closed.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.context("the server task")?.context("serving")?;
        self.storage.close().await;
        Ok(())
    }
}
