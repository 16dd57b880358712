//! The assembly both binaries share: from [`Settings`] to a connected [`Storage`] and the
//! application's [`Ports`] (storage repositories, the system clock, UUID v7 ids, argon2id).
//!
//! This is the one place that picks concrete adapters; `web` and `cli` never name them.

use std::path::Path;
use std::sync::{Arc, Once};

use gatehouse_application::Ports;
use gatehouse_application::ports::StoreError;
use secrecy::{ExposeSecret, SecretString};

use crate::config::Settings;
use crate::storage::Storage;
use crate::system::{Argon2Hasher, SystemClock, UuidV7Ids};

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

/// Connects to `settings.database_url` and wires the ports.
pub async fn wire(settings: &Settings, migrate: Migrate) -> Result<Wiring, StoreError> {
    wire_url(&settings.database_url, migrate).await
}

/// Connects to `url` (SQLite file or PostgreSQL), optionally migrates, and wires the ports.
/// For SQLite the file's directory is created when missing.
pub async fn wire_url(url: &SecretString, migrate: Migrate) -> Result<Wiring, StoreError> {
    install_crypto_provider();
    let url = url.expose_secret();
    if let Some(dir) = sqlite_dir(url) {
        std::fs::create_dir_all(dir).map_err(StoreError::backend)?;
    }
    let storage = Storage::connect(url).await?;
    if migrate == Migrate::Yes {
        storage.migrate().await?;
    }
    let ports = Ports {
        tenants: storage.tenants.clone(),
        usage: storage.usage.clone(),
        admins: storage.admins.clone(),
        audit: storage.audit.clone(),
        work: storage.work.clone(),
        bulk: storage.bulk.clone(),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
        passwords: Arc::new(Argon2Hasher::new()),
    };
    Ok(Wiring { storage: Arc::new(storage), ports })
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

    #[test]
    fn finds_the_directory_of_sqlite_files_only() {
        assert_eq!(sqlite_dir("sqlite://./data/gatehouse.db"), Some(Path::new("./data")));
        assert_eq!(sqlite_dir("sqlite:///srv/gh/g.db?mode=rwc"), Some(Path::new("/srv/gh")));
        assert_eq!(sqlite_dir("sqlite://g.db"), None);
        assert_eq!(sqlite_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_dir("postgres://u@h/db"), None);
    }

    #[tokio::test]
    async fn wires_a_fresh_sqlite_database_in_a_new_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/sub/gatehouse.db", dir.path().display());
        let wiring = wire_url(&SecretString::from(url), Migrate::Yes).await.expect("wired");
        assert_eq!(wiring.storage.backend(), "sqlite");
        wiring.storage.ping().await.expect("answers");
        let page = wiring
            .ports
            .tenants
            .list(&gatehouse_application::ports::TenantQuery::default())
            .await
            .expect("empty list");
        assert_eq!(page.total, 0);
        wiring.storage.close().await;
    }
}
