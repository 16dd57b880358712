//! [`Mailer`] over SMTP with lettre: STARTTLS (`EMAIL_USE_TLS`, required, never a silent
//! downgrade) or TLS from the start (`EMAIL_USE_SSL`) with rustls and the webpki roots, optional
//! credentials, a timeout on every step, and a small connection pool. Each message is
//! `multipart/alternative` (plain text, then HTML) with the Message-ID `<outbox-id@gatehouse>`.
//!
//! Without `EMAIL_HOST` it reports itself not configured and sends nothing. Errors are sorted
//! into refused-for-good (5xx replies, unusable addresses) and may-pass-later (everything else),
//! and never carry the SMTP password.

use std::str::FromStr;

use async_trait::async_trait;
use gatehouse_application::ports::{MailError, Mailer};
use gatehouse_domain::EmailMessage;
use gatehouse_domain::outbox::error_line;
use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::config::EmailSettings;

/// The relay could not be set up from the settings (a TLS name lettre refuses).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the SMTP relay {host}: {reason}")]
pub struct MailSetupError {
    host: String,
    reason: String,
}

/// The SMTP relay of the settings, or none.
pub struct SmtpMailer {
    relay: Option<Relay>,
}

struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("configured", &self.relay.is_some()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// The mailer of `settings` (not configured without a host). Needs the rustls crypto
    /// provider installed (`wiring::install_crypto_provider`) before a TLS relay connects.
    pub fn new(settings: &EmailSettings) -> Result<Self, MailSetupError> {
        let Some(host) = settings.host.clone() else { return Ok(SmtpMailer { relay: None }) };
        let setup = |e: &dyn std::fmt::Display| MailSetupError { host: host.clone(), reason: e.to_string() };
        let tls = if settings.use_ssl || settings.use_tls {
            let parameters = TlsParameters::new(host.clone()).map_err(|e| setup(&e))?;
            if settings.use_ssl { Tls::Wrapper(parameters) } else { Tls::Required(parameters) }
        } else {
            Tls::None
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(4));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        // The settings checked the address already; checked again rather than trusted.
        let from = Mailbox::from_str(&settings.from).map_err(|e| setup(&e))?;
        Ok(SmtpMailer { relay: Some(Relay { transport: builder.build(), from }) })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    fn is_configured(&self) -> bool {
        self.relay.is_some()
    }

    async fn send(&self, id: Uuid, email: &EmailMessage) -> Result<(), MailError> {
        let Some(relay) = &self.relay else { return Err(MailError::NotConfigured) };
        let message = compose(&relay.from, id, email)?;
        relay.transport.send(message).await.map(drop).map_err(|e| classify(&e))
    }
}

/// The MIME message of `email`.
fn compose(from: &Mailbox, id: Uuid, email: &EmailMessage) -> Result<Message, MailError> {
    let to = Mailbox::from_str(email.to.as_str())
        .map_err(|e| MailError::Rejected(format!("the address {} cannot be used: {e}", email.to)))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{id}@gatehouse>")))
        .header(header::MIME_VERSION_1_0)
        .multipart(MultiPart::alternative_plain_html(email.text.clone(), email.html.clone()))
        .map_err(|e| MailError::Rejected(format!("the message cannot be built: {e}")))
}

/// A 5xx reply will come again; anything else (no connection, a timeout, a 4xx) may pass.
fn classify(e: &smtp::Error) -> MailError {
    let text = error_line(&e.to_string(), 300);
    if e.is_permanent() { MailError::Rejected(text) } else { MailError::Failed(text) }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use gatehouse_domain::Email;

    fn settings(host: Option<&str>) -> EmailSettings {
        EmailSettings {
            host: host.map(str::to_owned),
            port: 2525,
            username: Some("mailer".into()),
            password: Some("smtp-secret".into()),
            use_tls: false,
            use_ssl: false,
            from: "Gatehouse <noreply@panel.example>".into(),
            timeout: Duration::from_secs(2),
        }
    }

    fn email() -> EmailMessage {
        EmailMessage {
            to: Email::parse("ops@acme.example").expect("email"),
            subject: "Acme: your plan is now free".into(),
            text: "plain body".into(),
            html: "<p>html body</p>".into(),
        }
    }

    #[tokio::test]
    async fn without_a_host_nothing_is_configured_or_sent() {
        let mailer = SmtpMailer::new(&settings(None)).expect("built");
        assert!(!mailer.is_configured());
        assert_eq!(mailer.send(Uuid::nil(), &email()).await, Err(MailError::NotConfigured));
    }

    #[test]
    fn messages_are_multipart_with_the_outbox_id() {
        let from = Mailbox::from_str("Gatehouse <noreply@panel.example>").expect("from");
        let id = Uuid::from_u128(42);
        let raw = String::from_utf8(compose(&from, id, &email()).expect("built").formatted()).expect("utf-8");
        assert!(raw.contains(&format!("Message-ID: <{id}@gatehouse>")), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"), "{raw}");
        assert!(raw.contains("To: ops@acme.example"), "{raw}");
    }

    #[tokio::test]
    async fn an_unreachable_relay_fails_for_now_without_showing_the_password() {
        crate::wiring::install_crypto_provider();
        // A port that was free a moment ago: connection refused.
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
        let mut s = settings(Some("127.0.0.1"));
        s.port = port;
        let err = SmtpMailer::new(&s).expect("built").send(Uuid::nil(), &email()).await.expect_err("refused");
        assert!(matches!(err, MailError::Failed(_)), "{err:?}");
        assert!(!err.to_string().contains("smtp-secret") && !format!("{s:?}").contains("smtp-secret"));
    }
}
