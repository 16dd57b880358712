//! The outbox: messages put in by a [`Work`](super::Work) (`Change::Enqueue`), so they exist if
//! and only if their cause was committed, then claimed and delivered by background workers.
//!
//! Claiming takes a *lease*: a claimed message is invisible to other workers until
//! `claimed_until`, so two instances never deliver the same message at once, and a crashed
//! worker's messages come back when its lease runs out. A worker reports each delivery with
//! [`Outbox::finish`], which only counts while the message is still claimed by that worker.

use async_trait::async_trait;
use gatehouse_domain::{EmailMessage, MessageKind, MessageState, NotificationKind, TenantId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Email(EmailMessage),
    /// Push the tenant's *current* status, plan and features (read at delivery, so an older
    /// push can never overwrite a newer state).
    UpstreamPush,
}

/// A message as a use case enqueues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: Uuid,
    /// The tenant it is about (always set for pushes and tenant notifications).
    pub tenant: Option<TenantId>,
    /// Set for tenant notifications: the tenant page lists these.
    pub notification: Option<NotificationKind>,
    /// At most one message ever has a given key: enqueueing a second is silently skipped
    /// ("once per cause", e.g. `quota80:<tenant>:2026-11`).
    pub dedupe_key: Option<String>,
    pub payload: Payload,
    pub created_at: OffsetDateTime,
}

impl OutboxMessage {
    /// A tenant notification e-mail.
    pub fn notification(
        id: Uuid,
        tenant: TenantId,
        kind: NotificationKind,
        email: EmailMessage,
        dedupe_key: String,
        now: OffsetDateTime,
    ) -> Self {
        OutboxMessage {
            id,
            tenant: Some(tenant),
            notification: Some(kind),
            dedupe_key: Some(dedupe_key),
            payload: Payload::Email(email),
            created_at: now,
        }
    }

    /// A push of `tenant`'s current state to the upstream.
    pub fn upstream_push(id: Uuid, tenant: TenantId, now: OffsetDateTime) -> Self {
        OutboxMessage {
            id,
            tenant: Some(tenant),
            notification: None,
            dedupe_key: None,
            payload: Payload::UpstreamPush,
            created_at: now,
        }
    }

    pub fn kind(&self) -> MessageKind {
        match self.payload {
            Payload::Email(_) => MessageKind::Email,
            Payload::UpstreamPush => MessageKind::UpstreamPush,
        }
    }
}

/// A stored message with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub message: OutboxMessage,
    pub state: MessageState,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// When it is due (pending messages only).
    pub next_attempt_at: OffsetDateTime,
    /// The last failure, as shown to operators (never a secret).
    pub last_error: Option<String>,
    /// The worker that claimed it last (the one that delivered a sent message).
    pub claimed_by: Option<String>,
    /// While a worker's claim is live: until when.
    pub claimed_until: Option<OffsetDateTime>,
    pub sent_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

/// A worker's request for due messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Who claims (stored as `claimed_by`), unique per worker.
    pub worker: String,
    /// Only these kinds: a kind whose service is not configured is left waiting.
    pub kinds: Vec<MessageKind>,
    pub now: OffsetDateTime,
    /// The lease: the messages are this worker's until then.
    pub until: OffsetDateTime,
    pub limit: u32,
}

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent {
        note: Option<String>,
    },
    /// Failed; try again at `at`.
    Retry {
        at: OffsetDateTime,
        error: String,
    },
    /// Failed for good.
    Dead {
        error: String,
    },
    /// Not attempted (the service turned out not to be usable): back to waiting, due at `at`,
    /// without counting an attempt.
    Release {
        at: OffsetDateTime,
    },
}

/// Which messages to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxQuery {
    pub tenant: Option<TenantId>,
    pub state: Option<MessageState>,
    pub kind: Option<MessageKind>,
    /// Only messages older than this one (the next page).
    pub before: Option<Uuid>,
    pub limit: u32,
}

/// How many messages wait or were given up on, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxDepth {
    pub pending_email: u64,
    pub pending_push: u64,
    pub dead_email: u64,
    pub dead_push: u64,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Leases up to `claim.limit` pending messages of `claim.kinds` that are due and not under
    /// another live lease, oldest due first; two concurrent claims never get the same message.
    async fn claim(&self, claim: &Claim) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Records how the delivery of `id` ended, if `worker` still holds its claim; `false` when
    /// it does not (the lease ran out and another worker took the message, or it is no longer
    /// pending).
    async fn finish(
        &self,
        id: Uuid,
        worker: &str,
        delivery: &Delivery,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<OutboxEntry>, StoreError>;
    async fn list(&self, query: &OutboxQuery) -> Result<Vec<OutboxEntry>, StoreError>;
    async fn depth(&self) -> Result<OutboxDepth, StoreError>;
}
