//! Gatehouse's configuration: one typed [`Settings`] value built once at start from defaults,
//! an optional `.env` file and the environment (the real environment wins over `.env`).
//!
//! Every variable is parsed and checked here, so a bad value stops the program at start with a
//! message naming the variable and the rule it broke. Secrets (the server key, the database
//! password, the SMTP password, the upstream API key) are `secrecy` types: their `Debug` output
//! is redacted and [`Settings::summary`] masks them (S27, S30). Nothing here reads the process
//! environment except [`Settings::load`]; tests use [`Settings::from_lookup`].

mod mail;
mod network;
mod secret_key;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

pub use mail::{DEFAULT_FROM, EmailSettings, OutboxSettings};
pub use network::{PublicUrl, TrustedProxies};
pub use secret_key::SecretKey;

/// A configuration value that cannot be used: which variable, and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        ConfigError { variable, message: message.into() }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The MFA service Gatehouse manages (the upstream).
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// The API base, always ending in `/`; `None`: not configured.
    pub base_url: Option<reqwest::Url>,
    pub api_key: Option<SecretString>,
}

/// Where the server key comes from.
#[derive(Debug, Clone)]
pub enum SecretKeySource {
    /// Given in `GATEHOUSE_SECRET_KEY`.
    Environment(SecretKey),
    /// Read from (or generated once into) this file in the data directory.
    File(PathBuf),
}

/// Everything both binaries are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// The URL people use; see [`Settings::public_url`].
    pub public_url: PublicUrl,
    /// Proxies whose forwarding headers are believed; see [`Settings::trusted_proxies`].
    pub trusted_proxies: TrustedProxies,
    pub data_dir: PathBuf,
    /// May hold a password: never print it, use [`Settings::summary`].
    pub database_url: SecretString,
    /// Whether `database_url` is the default SQLite file in the data directory.
    pub database_is_default: bool,
    pub secret_key: SecretKeySource,
    pub log_format: LogFormat,
    /// The bearer token `/metrics` asks for; `None`: only local, unproxied scrapes get in.
    pub metrics_token: Option<SecretString>,
    pub email: EmailSettings,
    /// The outbox worker (interval, batch, attempts).
    pub outbox: OutboxSettings,
    pub upstream: UpstreamSettings,
    /// How often the server syncs the tenants with the upstream (`GATEHOUSE_SYNC_INTERVAL`
    /// seconds); `None`: never on its own.
    pub sync_interval: Option<std::time::Duration>,
}

/// The default `GATEHOUSE_SYNC_INTERVAL`: 15 minutes.
pub const DEFAULT_SYNC_INTERVAL_SECS: u32 = 900;

/// Default listening address: local only, so a fresh install is not exposed by accident.
pub const DEFAULT_BIND: &str = "127.0.0.1:8000";
/// Default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "./data";

impl Settings {
    /// Settings from the process environment and, when present, `./.env`.
    pub fn load() -> Result<Settings, ConfigError> {
        let dotenv = read_dotenv(Path::new(".env"))?;
        Settings::from_lookup(|name| {
            std::env::var_os(name)
                .map(|v| v.to_string_lossy().into_owned())
                .or_else(|| dotenv.get(name).cloned())
        })
    }

    /// Settings from any source of variables; `lookup` answers `None` for an unset variable.
    /// An empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let bind_text = get("GATEHOUSE_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let bind = bind_text.parse::<SocketAddr>().map_err(|_| {
            ConfigError::new("GATEHOUSE_BIND", format!("{bind_text:?} is not an address like {DEFAULT_BIND}"))
        })?;

        let public_url = match get("GATEHOUSE_PUBLIC_URL") {
            Some(text) => PublicUrl::parse(&text)?,
            None => PublicUrl::from_bind(bind),
        };
        let trusted_proxies = get("GATEHOUSE_TRUSTED_PROXIES")
            .map(|v| TrustedProxies::parse(&v))
            .transpose()?
            .unwrap_or_default();

        let data_dir =
            PathBuf::from(get("GATEHOUSE_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.to_owned()));
        let (database_url, database_is_default) = match get("DATABASE_URL") {
            Some(url) => (check_database_url(&url)?, false),
            None => (default_database_url(&data_dir)?, true),
        };

        let secret_key = match lookup("GATEHOUSE_SECRET_KEY").filter(|v| !v.trim().is_empty()) {
            Some(text) => SecretKeySource::Environment(
                SecretKey::from_hex(text.trim())
                    .map_err(|rule| ConfigError::new("GATEHOUSE_SECRET_KEY", rule))?,
            ),
            None => SecretKeySource::File(data_dir.join("secret.key")),
        };

        let log_format = match get("GATEHOUSE_LOG_FORMAT").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "GATEHOUSE_LOG_FORMAT",
                    format!("{other:?} is not text or json"),
                ));
            }
        };

        let metrics_token = lookup("GATEHOUSE_METRICS_TOKEN")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(|v| check_metrics_token(&v))
            .transpose()?;

        let email = mail::email(&get, lookup("EMAIL_HOST_PASSWORD"))?;
        let outbox = mail::outbox(&get)?;

        let upstream = UpstreamSettings {
            base_url: get("MFA_SYSTEM_API_URL").map(|v| parse_base_url(&v)).transpose()?,
            api_key: lookup("MFA_SYSTEM_API_KEY")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(SecretString::from),
        };

        // 0 turns the scheduled sync off; otherwise at least a minute between runs.
        let sync_interval =
            match mail::number(&get, "GATEHOUSE_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL_SECS, 0..=86_400)? {
                0 => None,
                n if n < 60 => {
                    return Err(ConfigError::new(
                        "GATEHOUSE_SYNC_INTERVAL",
                        format!("{n} is under 60 seconds (0 turns it off)"),
                    ));
                }
                n => Some(std::time::Duration::from_secs(n.into())),
            };

        Ok(Settings {
            bind,
            public_url,
            trusted_proxies,
            data_dir,
            database_url,
            database_is_default,
            secret_key,
            log_format,
            metrics_token,
            email,
            outbox,
            upstream,
            sync_interval,
        })
    }

    /// The server key: the configured one, or the one in the data directory, generated there
    /// (32 random bytes, mode 0600) the first time (S30).
    pub fn secret_key(&self) -> Result<SecretKey, ConfigError> {
        match &self.secret_key {
            SecretKeySource::Environment(key) => Ok(key.clone()),
            SecretKeySource::File(path) => secret_key::load_or_generate(path),
        }
    }

    /// The URL people use to reach the panel (ends in `/`): `GATEHOUSE_PUBLIC_URL`, or plain
    /// `http` to the bind address. Links Gatehouse prints, such as the first-run set-up link,
    /// are made from it.
    pub fn public_url(&self) -> &reqwest::Url {
        self.public_url.url()
    }

    /// Whether the panel is served over TLS (the public URL is `https`): cookies are then
    /// `Secure` with the `__Host-` prefix and HSTS is sent (S17, S23).
    pub fn is_secure(&self) -> bool {
        self.public_url.is_secure()
    }

    /// The proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (S14).
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.trusted_proxies
    }

    /// A multi-line description for start-up logs and `--help` output, secrets masked.
    pub fn summary(&self) -> String {
        let set = |s: &Option<SecretString>| if s.is_some() { "******** (set)" } else { "(not set)" };
        let or_unset = |s: &Option<String>| s.clone().unwrap_or_else(|| "(not set)".to_owned());
        let key = match &self.secret_key {
            SecretKeySource::Environment(_) => "******** (from GATEHOUSE_SECRET_KEY)".to_owned(),
            SecretKeySource::File(path) => format!("******** (in {})", path.display()),
        };
        let lines = [
            ("GATEHOUSE_BIND", self.bind.to_string()),
            (
                "GATEHOUSE_PUBLIC_URL",
                if self.public_url.is_explicit() {
                    self.public_url.to_string()
                } else {
                    format!("{} (derived from GATEHOUSE_BIND)", self.public_url)
                },
            ),
            ("GATEHOUSE_TRUSTED_PROXIES", self.trusted_proxies.to_string()),
            ("GATEHOUSE_DATA_DIR", self.data_dir.display().to_string()),
            ("DATABASE_URL", mask_url_password(self.database_url.expose_secret())),
            ("GATEHOUSE_SECRET_KEY", key),
            ("GATEHOUSE_LOG_FORMAT", format!("{:?}", self.log_format).to_ascii_lowercase()),
            ("GATEHOUSE_METRICS_TOKEN", set(&self.metrics_token).to_owned()),
            ("EMAIL_HOST", or_unset(&self.email.host)),
            ("EMAIL_PORT", self.email.port.to_string()),
            ("EMAIL_HOST_USER", or_unset(&self.email.username)),
            ("EMAIL_HOST_PASSWORD", set(&self.email.password).to_owned()),
            ("EMAIL_USE_TLS", self.email.use_tls.to_string()),
            ("EMAIL_USE_SSL", self.email.use_ssl.to_string()),
            ("EMAIL_TIMEOUT", format!("{} s", self.email.timeout.as_secs())),
            ("DEFAULT_FROM_EMAIL", self.email.from.clone()),
            ("GATEHOUSE_OUTBOX_INTERVAL", format!("{} s", self.outbox.interval.as_secs())),
            ("GATEHOUSE_OUTBOX_BATCH", self.outbox.batch.to_string()),
            ("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", self.outbox.max_attempts.to_string()),
            (
                "MFA_SYSTEM_API_URL",
                self.upstream.base_url.as_ref().map_or("(not set)".into(), ToString::to_string),
            ),
            ("MFA_SYSTEM_API_KEY", set(&self.upstream.api_key).to_owned()),
            (
                "GATEHOUSE_SYNC_INTERVAL",
                self.sync_interval.map_or("off".into(), |d| format!("{} s", d.as_secs())),
            ),
        ];
        lines.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join("\n")
    }

    /// The database URL with any password replaced by `********`, for messages.
    pub fn database_display(&self) -> String {
        mask_url_password(self.database_url.expose_secret())
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

/// Reads `KEY=value` lines from a `.env` file, if there is one, without touching the
/// process environment.
fn read_dotenv(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    if !path.exists() {
        return Ok(HashMap::new());
    }
    let bad = |e: dotenvy::Error| ConfigError::new(".env", format!("cannot read {}: {e}", path.display()));
    dotenvy::from_path_iter(path).map_err(bad)?.map(|item| item.map_err(bad)).collect()
}

fn check_database_url(url: &str) -> Result<SecretString, ConfigError> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|p| url.starts_with(p)) {
        Ok(SecretString::from(url))
    } else {
        Err(ConfigError::new(
            "DATABASE_URL",
            format!(
                "{:?} is not a database URL like sqlite://data/gatehouse.db or postgres://user@host/db",
                mask_url_password(url)
            ),
        ))
    }
}

fn default_database_url(data_dir: &Path) -> Result<SecretString, ConfigError> {
    let dir = data_dir.to_str().ok_or_else(|| {
        ConfigError::new("GATEHOUSE_DATA_DIR", format!("{} is not valid UTF-8", data_dir.display()))
    })?;
    let dir = dir.trim_end_matches('/');
    Ok(SecretString::from(format!("sqlite://{dir}/gatehouse.db")))
}

/// Shortest metrics token accepted: 32 characters, e.g. `openssl rand -hex 16` or longer.
pub const METRICS_TOKEN_MIN_LEN: usize = 32;

/// A metrics token must be long enough not to be guessed and fit in an HTTP header as is.
fn check_metrics_token(v: &str) -> Result<SecretString, ConfigError> {
    let printable = v.bytes().all(|b| b.is_ascii_graphic());
    if v.len() < METRICS_TOKEN_MIN_LEN || !printable {
        // The value itself is a secret: the message never repeats it.
        return Err(ConfigError::new(
            "GATEHOUSE_METRICS_TOKEN",
            format!(
                "must be at least {METRICS_TOKEN_MIN_LEN} printable ASCII characters without spaces, \
                 e.g. from `openssl rand -hex 32`"
            ),
        ));
    }
    Ok(SecretString::from(v))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The upstream base URL; a missing final `/` is added so relative calls keep the whole path.
pub(crate) fn parse_base_url(v: &str) -> Result<reqwest::Url, ConfigError> {
    let err = || {
        ConfigError::new(
            "MFA_SYSTEM_API_URL",
            format!("{v:?} is not an http(s) URL like http://mfa.internal:8000/mfa/api/"),
        )
    };
    let mut url = reqwest::Url::parse(v).map_err(|_| err())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(err());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `postgres://user:secret@host/db` → `postgres://user:********@host/db`.
pub fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:********@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
