//! Sending e-mail (the SMTP relay of `EMAIL_*`). The outbox worker is its only caller.

use async_trait::async_trait;
use gatehouse_domain::EmailMessage;
use uuid::Uuid;

/// Why an e-mail was not sent. Messages are fit for operators: no password, no internals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("SMTP is not configured (set EMAIL_HOST)")]
    NotConfigured,
    /// The relay refused for good (a 5xx reply, an address it cannot use): retrying is useless.
    #[error("the SMTP relay refused the message: {0}")]
    Rejected(String),
    /// Anything that may pass later: no connection, a timeout, a 4xx reply.
    #[error("sending failed: {0}")]
    Failed(String),
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Whether a relay is configured; without one, e-mail waits in the outbox.
    fn is_configured(&self) -> bool;
    /// Sends `email` as a plain-text + HTML multipart message with the Message-ID
    /// `<id@gatehouse>`, so a message sent twice (a crash between sending and recording it)
    /// can be recognised by the recipient's mail system.
    async fn send(&self, id: Uuid, email: &EmailMessage) -> Result<(), MailError>;
}
