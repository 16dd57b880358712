//! `gatehouse`: the Gatehouse server. Reads its configuration from the environment (and an
//! optional `.env`), applies pending database migrations, and serves until Ctrl-C or SIGTERM.
//! See docs/configuration.md for every variable.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use gatehouse_adapters::config::{LogFormat, Settings};
use gatehouse_adapters::wiring::{self, Migrate};
use gatehouse_web::{AppState, build_router};
use tracing_subscriber::EnvFilter;

/// jemalloc rather than the system allocator: a quarter more API calls a second on two cores,
/// where glibc's malloc, free and memmove were about a sixth of the server threads' time
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line for people; the chain of causes, without secrets, for the record.
            eprintln!("error: {e:#}");
            tracing::error!(error = format!("{e:#}"), "gatehouse stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    init_tracing(settings.log_format);
    settings.secret_key()?;
    tracing::info!(database = %settings.database_display(), "starting gatehouse");
    tracing::debug!("configuration:\n{}", settings.summary());

    let wiring = wiring::wire(&settings, Migrate::Yes)
        .await
        .with_context(|| format!("database {}", settings.database_display()))?;
    let storage = wiring.storage.clone();
    let setup_token = gatehouse_application::first_run::issue_token(&wiring.ports)
        .await
        .context("issuing the first-run set-up link")?;
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .with_context(|| format!("GATEHOUSE_BIND: cannot listen on {}", settings.bind))?;
    let addr = listener.local_addr()?;
    let backend = storage.backend();

    // Written without `println!`, which would panic if stdout were closed.
    let _ = writeln!(
        std::io::stdout(),
        "Gatehouse is listening on http://{addr}/ ({backend} database, migrations applied)\n  \
         health: http://{addr}/healthz   readiness: http://{addr}/readyz   metrics: http://{addr}/metrics\n  \
         sign in at http://{addr}/login; manage tenants with `gatehouse-ctl` (see docs/cli.md)."
    );
    if let Some(token) = setup_token {
        // Shown once, on the console only (never in the log): whoever holds it can create the
        // first owner. Valid one hour, single use.
        let base = if settings.public_url.is_explicit() {
            settings.public_url().to_string()
        } else {
            format!("http://{addr}/")
        };
        let url = format!("{}setup?token={}", base.trim_end_matches('/').to_owned() + "/", token.expose());
        let _ = writeln!(
            std::io::stdout(),
            "\n  No SuperAdmin exists yet. Create the first owner within one hour at:\n\n    {url}\n\n  \
             (this link works once; restart gatehouse for a new one)\n"
        );
    }
    tracing::info!(%addr, backend, "listening");

    let outbox = gatehouse_adapters::outbox_worker::spawn(wiring.ports.clone(), &settings.outbox);
    let health_checks = gatehouse_adapters::upstream::spawn_health_checks(
        wiring.ports.upstream.clone(),
        gatehouse_adapters::upstream::DEFAULT_HEALTH_INTERVAL,
    );
    let sync = settings
        .sync_interval
        .map(|every| gatehouse_adapters::sync_scheduler::spawn(wiring.ports.clone(), every));
    let app = build_router(AppState::new(settings, wiring));
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    outbox.stop().await;
    if let Some(sync) = sync {
        sync.stop().await;
    }
    health_checks.abort();
    storage.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Logs as text or JSON lines (`GATEHOUSE_LOG_FORMAT`); `RUST_LOG` chooses what (default:
/// info, quieter sqlx). A JSON line carries its request's span fields (`request_id`, `route`,
/// `tenant`, …) under `span` and `spans`.
fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
