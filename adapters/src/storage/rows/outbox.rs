//! Row mapping of the outbox (migration 0008): one table for both kinds of message.

use gatehouse_application::ports::{OutboxEntry, OutboxMessage, Payload, StoreError};
use gatehouse_domain::{Email, EmailMessage, MessageKind, MessageState, NotificationKind, TenantId};
use uuid::Uuid;

use super::{Ts, corrupt};

/// The columns an [`OutboxRow`] is read from.
pub const OUTBOX: &str = "id, kind, tenant_id, notification, dedupe_key, recipient, subject, body_text, \
                          body_html, state, attempts, next_attempt_at, last_error, claimed_by, claimed_until, \
                          created_at, updated_at, sent_at";

/// An `outbox` row.
#[derive(Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub kind: String,
    pub tenant_id: Option<Uuid>,
    pub notification: Option<String>,
    pub dedupe_key: Option<String>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Ts,
    pub last_error: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub sent_at: Option<Ts>,
}

/// The values a new message is inserted with (pending, due at its creation).
#[derive(Debug)]
pub struct NewOutboxValues<'a> {
    pub id: Uuid,
    pub kind: &'static str,
    pub tenant_id: Option<Uuid>,
    pub notification: Option<&'static str>,
    pub dedupe_key: Option<&'a str>,
    pub recipient: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub body_text: Option<&'a str>,
    pub body_html: Option<&'a str>,
    pub created_at: Ts,
}

impl<'a> NewOutboxValues<'a> {
    pub fn of(m: &'a OutboxMessage) -> Self {
        let email = match &m.payload {
            Payload::Email(e) => Some(e),
            Payload::UpstreamPush => None,
        };
        NewOutboxValues {
            id: m.id,
            kind: m.kind().as_str(),
            tenant_id: m.tenant.map(|t| t.as_uuid()),
            notification: m.notification.map(NotificationKind::as_str),
            dedupe_key: m.dedupe_key.as_deref(),
            recipient: email.map(|e| e.to.as_str()),
            subject: email.map(|e| e.subject.as_str()),
            body_text: email.map(|e| e.text.as_str()),
            body_html: email.map(|e| e.html.as_str()),
            created_at: Ts::new(m.created_at),
        }
    }
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        let kind: MessageKind = r.kind.parse().map_err(|e| corrupt("kind", e))?;
        let payload = match kind {
            MessageKind::UpstreamPush => Payload::UpstreamPush,
            MessageKind::Email => {
                let (Some(to), Some(subject), Some(text), Some(html)) =
                    (r.recipient, r.subject, r.body_text, r.body_html)
                else {
                    return Err(corrupt("recipient", "an e-mail without recipient, subject or bodies"));
                };
                let to = Email::parse(&to).map_err(|e| corrupt("recipient", e))?;
                Payload::Email(EmailMessage { to, subject, text, html })
            }
        };
        let notification = r
            .notification
            .map(|n| n.parse::<NotificationKind>())
            .transpose()
            .map_err(|e| corrupt("notification", e))?;
        Ok(OutboxEntry {
            message: OutboxMessage {
                id: r.id,
                tenant: r.tenant_id.map(TenantId::from_uuid),
                notification,
                dedupe_key: r.dedupe_key,
                payload,
                created_at: r.created_at.0,
            },
            state: r.state.parse::<MessageState>().map_err(|e| corrupt("state", e))?,
            attempts: u32::try_from(r.attempts).map_err(|e| corrupt("attempts", e))?,
            next_attempt_at: r.next_attempt_at.0,
            last_error: r.last_error,
            claimed_by: r.claimed_by,
            claimed_until: r.claimed_until.map(|t| t.0),
            sent_at: r.sent_at.map(|t| t.0),
            updated_at: r.updated_at.0,
        })
    }
}
