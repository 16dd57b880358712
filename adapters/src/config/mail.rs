//! The outgoing e-mail settings (`EMAIL_*` and `DEFAULT_FROM_EMAIL`, the names the original
//! Django-based control panel uses) and the outbox worker's (`GATEHOUSE_OUTBOX_*`).

use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::SecretString;

use super::{ConfigError, parse_bool};

/// The sender when `DEFAULT_FROM_EMAIL` is unset and `EMAIL_HOST_USER` is no address.
pub const DEFAULT_FROM: &str = "Gatehouse <gatehouse@localhost>";

/// Outgoing e-mail through an SMTP relay.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// `None`: e-mail is not configured and messages wait in the outbox.
    pub host: Option<String>,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// STARTTLS, required (the connection fails rather than continue in clear text).
    pub use_tls: bool,
    /// TLS from the first byte (SMTPS, usually port 465).
    pub use_ssl: bool,
    /// The `From` of every message, like `Gatehouse <noreply@panel.example>`.
    pub from: String,
    /// Limit of each step of a conversation with the relay (connect, each command).
    pub timeout: Duration,
}

/// How the outbox worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxSettings {
    /// The pause between rounds when there was nothing (or little) to do.
    pub interval: Duration,
    /// Messages claimed per round.
    pub batch: u32,
    /// Attempts after which an e-mail is dead.
    pub max_attempts: u32,
}

type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

pub(super) fn email(get: Get<'_>, password: Option<String>) -> Result<EmailSettings, ConfigError> {
    let flag = |name: &'static str, default: bool| match get(name) {
        None => Ok(default),
        Some(v) => {
            parse_bool(&v).ok_or_else(|| ConfigError::new(name, format!("{v:?} is not true or false")))
        }
    };
    let use_tls = flag("EMAIL_USE_TLS", true)?;
    let use_ssl = flag("EMAIL_USE_SSL", false)?;
    if use_tls && use_ssl {
        return Err(ConfigError::new(
            "EMAIL_USE_SSL",
            "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (TLS from the start) exclude each other: set one to false",
        ));
    }
    let port =
        match get("EMAIL_PORT") {
            None => 587,
            Some(v) => v.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                ConfigError::new("EMAIL_PORT", format!("{v:?} is not a port number (1-65535)"))
            })?,
        };
    let username = get("EMAIL_HOST_USER");
    let from = get("DEFAULT_FROM_EMAIL")
        .or_else(|| username.clone().filter(|u| u.contains('@')))
        .unwrap_or_else(|| DEFAULT_FROM.to_owned());
    if Mailbox::from_str(&from).is_err() {
        return Err(ConfigError::new(
            "DEFAULT_FROM_EMAIL",
            format!(
                "{from:?} is not an address like noreply@panel.example or Gatehouse <noreply@panel.example>"
            ),
        ));
    }
    Ok(EmailSettings {
        host: get("EMAIL_HOST"),
        port,
        username,
        password: password.filter(|v| !v.is_empty()).map(SecretString::from),
        use_tls,
        use_ssl,
        from,
        timeout: Duration::from_secs(number(get, "EMAIL_TIMEOUT", 10, 1..=600)?.into()),
    })
}

pub(super) fn outbox(get: Get<'_>) -> Result<OutboxSettings, ConfigError> {
    Ok(OutboxSettings {
        interval: Duration::from_secs(number(get, "GATEHOUSE_OUTBOX_INTERVAL", 5, 1..=3600)?.into()),
        batch: number(get, "GATEHOUSE_OUTBOX_BATCH", 20, 1..=500)?,
        max_attempts: number(get, "GATEHOUSE_OUTBOX_MAX_ATTEMPTS", 8, 1..=100)?,
    })
}

/// A whole number in `range`, or `default` when unset.
pub(super) fn number(
    get: Get<'_>,
    name: &'static str,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(v) = get(name) else { return Ok(default) };
    v.parse::<u32>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        ConfigError::new(
            name,
            format!("{v:?} is not a whole number from {} to {}", range.start(), range.end()),
        )
    })
}
