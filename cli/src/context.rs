//! What every command runs with: the wired ports, the acting operator and the output format.

use std::sync::Arc;

use anyhow::Context as _;
use gatehouse_adapters::config::{Settings, mask_url_password};
use gatehouse_adapters::storage::Storage;
use gatehouse_adapters::wiring::{Migrate, wire_url};
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
    pub async fn connect(database_url: Option<&str>, format: Format) -> anyhow::Result<Ctx> {
        let settings = Settings::load()?;
        let url = match database_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => SecretString::from(url.to_owned()),
            None => settings.database_url.clone(),
        };
        let database = mask_url_password(secrecy::ExposeSecret::expose_secret(&url));
        let wiring = wire_url(&url, Migrate::No).await.with_context(|| format!("database {database}"))?;
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
