//! The assembly both binaries share: from [`Settings`] to a connected [`Storage`] and the
//! application's [`Ports`] (storage repositories, the clock, UUID v7 ids, argon2id, the
//! cryptographic ports keyed from the server key, the MFA upstream and the SMTP relay).
//!
//! This is the one place that picks concrete adapters; `web` and `cli` never name them. The
//! server key always comes from [`Settings::secret_key`], so the server and `gatehouse-ctl`
//! seal, open and hash with the same keys.

use std::path::Path;
use std::sync::{Arc, Once};

use gatehouse_application::Ports;
use gatehouse_application::ports::{Clock, StoreError};
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::crypto::{RfcTotp, ServerKeys};
use crate::mail::SmtpMailer;
use crate::probe::Probe;
use crate::storage::Storage;
use crate::system::{Argon2Hasher, SystemClock, UuidV7Ids};
use crate::upstream::{HttpUpstream, UpstreamConfig};

/// Whether to apply pending migrations after connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrate {
    Yes,
    No,
}

/// Everything a binary needs to run use cases, cheap to clone.
#[derive(Debug, Clone)]
pub struct Wiring {
    /// The database handle, for what is not a port (ping, migrate, close).
    pub storage: Arc<Storage>,
    pub ports: Ports,
    /// The keys derived from the server key; the web layer signs CSRF tokens with
    /// [`ServerKeys::csrf_key`].
    pub keys: ServerKeys,
}

/// A wiring failure: the server key could not be had, or the database not reached.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build the MFA upstream client: {0}")]
    Upstream(#[from] crate::upstream::ClientError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailSetupError),
}

/// Installs ring as rustls's process-wide crypto provider, once. TLS clients (Postgres over
/// TLS, reqwest, SMTP) panic without one because the workspace builds rustls without a default.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Connects to `settings.database_url`, optionally migrates, and wires the ports on the real
/// clock, with the server key from the settings (generated into the data directory if needed).
pub async fn wire(settings: &Settings, migrate: Migrate) -> Result<Wiring, WireError> {
    wire_with(settings, migrate, Arc::new(SystemClock)).await
}

/// Like [`wire`], on the given clock: tests drive time with a
/// [`ManualClock`](crate::system::ManualClock).
pub async fn wire_with(
    settings: &Settings,
    migrate: Migrate,
    clock: Arc<dyn Clock>,
) -> Result<Wiring, WireError> {
    let keys = ServerKeys::derive(&settings.secret_key()?);
    install_crypto_provider();
    let url = settings.database_url.expose_secret();
    if let Some(dir) = sqlite_dir(url) {
        std::fs::create_dir_all(dir).map_err(StoreError::backend)?;
    }
    let storage = Arc::new(Storage::connect(url).await?);
    if migrate == Migrate::Yes {
        storage.migrate().await?;
    }
    let clock_for_upstream = clock.clone();
    let ports = Ports {
        tenants: storage.tenants.clone(),
        usage: storage.usage.clone(),
        admins: storage.admins.clone(),
        audit: storage.audit.clone(),
        // Login outcomes are counted from the audit events of each commit.
        work: Arc::new(crate::metrics::CountingWork(storage.work.clone())),
        bulk: storage.bulk.clone(),
        sessions: storage.sessions.clone(),
        throttle: storage.throttle.clone(),
        second_factor: storage.second_factor.clone(),
        settings: storage.settings.clone(),
        clock,
        ids: Arc::new(UuidV7Ids),
        passwords: Arc::new(Argon2Hasher::new()),
        totp: Arc::new(RfcTotp),
        secrets: Arc::new(keys.secret_box()),
        tokens: Arc::new(keys.tokens()),
        panel: storage.panel.clone(),
        probe: Arc::new(Probe::new(storage.clone())),
        upstream: Arc::new(HttpUpstream::with_clock(
            UpstreamConfig::from_settings(&settings.upstream),
            clock_for_upstream,
        )?),
        idempotency: storage.idempotency.clone(),
        api_log: storage.api_log.clone(),
        api_keys: storage.api_keys.clone(),
        support: storage.support.clone(),
        outbox: storage.outbox.clone(),
        mailer: Arc::new(SmtpMailer::new(&settings.email)?),
        sync: storage.sync.clone(),
    };
    Ok(Wiring { storage, ports, keys })
}

/// The directory of a `sqlite:` URL's file, if it names one (not `:memory:`).
fn sqlite_dir(url: &str) -> Option<&Path> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split(['?', '#']).next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    Path::new(path).parent().filter(|d| !d.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::ManualClock;
    use time::macros::datetime;

    #[test]
    fn finds_the_directory_of_sqlite_files_only() {
        assert_eq!(sqlite_dir("sqlite://./data/gatehouse.db"), Some(Path::new("./data")));
        assert_eq!(sqlite_dir("sqlite:///srv/gh/g.db?mode=rwc"), Some(Path::new("/srv/gh")));
        assert_eq!(sqlite_dir("sqlite://g.db"), None);
        assert_eq!(sqlite_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_dir("postgres://u@h/db"), None);
    }

    fn settings_in(dir: &Path) -> Settings {
        let data = dir.join("sub").display().to_string();
        Settings::from_lookup(|name| (name == "GATEHOUSE_DATA_DIR").then(|| data.clone())).expect("settings")
    }

    #[tokio::test]
    async fn wires_a_fresh_sqlite_database_in_a_new_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wiring = wire(&settings_in(dir.path()), Migrate::Yes).await.expect("wired");
        assert_eq!(wiring.storage.backend(), "sqlite");
        wiring.storage.ping().await.expect("answers");
        let page = wiring
            .ports
            .tenants
            .list(&gatehouse_application::ports::TenantQuery::default())
            .await
            .expect("empty list");
        assert_eq!(page.total, 0);
        assert!(dir.path().join("sub/secret.key").exists(), "the server key was generated");
        wiring.storage.close().await;
    }

    #[tokio::test]
    async fn two_wirings_of_one_configuration_share_the_keys_and_take_the_clock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = settings_in(dir.path());
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-21 12:00 UTC)));
        let server = wire_with(&settings, Migrate::Yes, clock.clone()).await.expect("server");
        let cli = wire(&settings, Migrate::No).await.expect("cli");
        let sealed = server.ports.secrets.seal(b"totp secret");
        assert_eq!(cli.ports.secrets.open(&sealed).as_deref(), Some(&b"totp secret"[..]));
        assert_eq!(server.ports.tokens.hash("t"), cli.ports.tokens.hash("t"));
        assert_eq!(server.keys.csrf_key(), cli.keys.csrf_key());
        assert_eq!(server.ports.clock.now(), datetime!(2026-11-21 12:00 UTC));
        clock.advance(time::Duration::hours(1));
        assert_eq!(server.ports.clock.now(), datetime!(2026-11-21 13:00 UTC));
        server.storage.close().await;
        cli.storage.close().await;
    }
}
