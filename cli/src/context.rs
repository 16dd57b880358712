//! What every command runs with: the wired ports, the acting operator and the output format.

use std::sync::Arc;

use anyhow::Context as _;
use gatehouse_adapters::config::{Settings, mask_url_password};
use gatehouse_adapters::storage::Storage;
use gatehouse_adapters::wiring::{Migrate, wire};
use gatehouse_application::Ports;
use gatehouse_domain::Actor;
use secrecy::SecretString;

use crate::output::Format;

/// The context of one command.
#[derive(Debug)]
pub struct Ctx {
    pub ports: Ports,
    pub storage: Arc<Storage>,
    /// The CLI operator: `$USER`, or `operator`.
    pub actor: Actor,
    pub format: Format,
    /// The database URL with any password masked, for messages.
    pub database: String,
}

impl Ctx {
    /// Reads the settings, lets `--database-url` override them, and connects (no migration).
    /// The server key comes from the same settings as the server's (`GATEHOUSE_SECRET_KEY` or
    /// the key file in the data directory), so both seal and hash alike.
    pub async fn connect(database_url: Option<&str>, format: Format) -> anyhow::Result<Ctx> {
        let mut settings = Settings::load()?;
        if let Some(url) = database_url.map(str::trim).filter(|u| !u.is_empty()) {
            settings.database_url = SecretString::from(url.to_owned());
            settings.database_is_default = false;
        }
        // Read (or generate) the key first, so a key problem is reported as one, not as the
        // database's.
        settings.secret_key()?;
        let database = mask_url_password(secrecy::ExposeSecret::expose_secret(&settings.database_url));
        let wiring = wire(&settings, Migrate::No).await.with_context(|| format!("database {database}"))?;
        let user =
            std::env::var("USER").ok().filter(|u| !u.trim().is_empty()).unwrap_or_else(|| "operator".into());
        Ok(Ctx { ports: wiring.ports, storage: wiring.storage, actor: Actor::cli(user), format, database })
    }

    /// Whether results should be printed as JSON.
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    pub async fn close(&self) {
        self.storage.close().await;
    }
}
