//! One round of the outbox worker: claim the due messages, deliver them, record each outcome.
//!
//! E-mails go through the [`Mailer`](crate::ports::Mailer); an upstream push loads the tenant
//! *now* and pushes its current status, plan and features, so a push that waited never
//! overwrites a newer state. A failure is retried with exponential backoff and jitter; an
//! e-mail is given up (dead) after `max_attempts` attempts or at once when the relay refuses it
//! for good, while a push — the kill switch — is retried until it lands. A kind whose service
//! is not configured is not claimed at all: its messages wait, neither attempted nor dead.
//!
//! Several workers (instances) may run rounds at once: the outbox's claim hands each message
//! to one of them, and an outcome only counts while the worker still holds the claim.

use std::time::Duration;

use futures_util::future::join_all;
use gatehouse_domain::outbox::error_line;
use gatehouse_domain::{Backoff, MessageKind};

use crate::ports::{
    Change, Claim, ConnectionState, Delivery, FeaturesPush, MailError, OutboxEntry, Payload, StoreError,
    UpstreamError, UpstreamLink, UpstreamTarget, Work,
};
use crate::{Ports, sync_tenants};

/// The longest `last_error` kept.
const MAX_ERROR: usize = 300;

/// How a worker works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Messages claimed (and delivered concurrently) per round.
    pub batch: u32,
    /// How long a claim holds: longer than the slowest delivery (SMTP and upstream timeouts are
    /// tens of seconds), short enough that a crashed worker's messages come back soon.
    pub lease: Duration,
    /// Attempts after which an e-mail is dead.
    pub max_attempts: u32,
    pub backoff: Backoff,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { batch: 20, lease: Duration::from_mins(5), max_attempts: 8, backoff: Backoff::default() }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
    /// Put back without an attempt (the service was not usable after all).
    pub released: usize,
    /// Outcomes not recorded because the claim had passed to another worker.
    pub lost: usize,
}

/// Claims up to `policy.batch` due messages for `worker` and delivers them. `jitter` gives a
/// random number in 0.0–1.0 for each retry's backoff.
pub async fn run_once(
    ports: &Ports,
    worker: &str,
    policy: &Policy,
    jitter: &(dyn Fn() -> f64 + Sync),
) -> Result<Round, StoreError> {
    let mut kinds = Vec::new();
    if ports.mailer.is_configured() {
        kinds.push(MessageKind::Email);
    }
    if ports.upstream.status().state != ConnectionState::NotConfigured {
        kinds.push(MessageKind::UpstreamPush);
    }
    if kinds.is_empty() {
        return Ok(Round::default());
    }
    let now = ports.clock.now();
    let claim =
        Claim { worker: worker.to_owned(), kinds, now, until: now + policy.lease, limit: policy.batch };
    let claimed = ports.outbox.claim(&claim).await?;
    let outcomes = join_all(claimed.iter().map(|entry| async move {
        let delivery = deliver(ports, entry, policy, jitter).await;
        let recorded = ports.outbox.finish(entry.message.id, worker, &delivery, ports.clock.now()).await?;
        Ok::<_, StoreError>((delivery, recorded))
    }))
    .await;
    let mut round = Round { claimed: claimed.len(), ..Round::default() };
    for outcome in outcomes {
        match outcome? {
            (_, false) => round.lost += 1,
            (Delivery::Sent { .. }, true) => round.sent += 1,
            (Delivery::Retry { .. }, true) => round.retried += 1,
            (Delivery::Dead { .. }, true) => round.dead += 1,
            (Delivery::Release { .. }, true) => round.released += 1,
        }
    }
    Ok(round)
}

/// Delivers one message and says how it went.
async fn deliver(
    ports: &Ports,
    entry: &OutboxEntry,
    policy: &Policy,
    jitter: &(dyn Fn() -> f64 + Sync),
) -> Delivery {
    let now = ports.clock.now();
    let attempts = entry.attempts.saturating_add(1);
    let retry = |error: String| Delivery::Retry {
        at: now + policy.backoff.delay(attempts, jitter()),
        error: error_line(&error, MAX_ERROR),
    };
    match &entry.message.payload {
        Payload::Email(email) => match ports.mailer.send(entry.message.id, email).await {
            Ok(()) => Delivery::Sent { note: None },
            Err(MailError::NotConfigured) => Delivery::Release { at: now },
            Err(e @ MailError::Rejected(_)) => {
                Delivery::Dead { error: error_line(&e.to_string(), MAX_ERROR) }
            }
            Err(e) if attempts >= policy.max_attempts => Delivery::Dead {
                error: error_line(&format!("gave up after {attempts} attempts: {e}"), MAX_ERROR),
            },
            Err(e) => retry(e.to_string()),
        },
        Payload::UpstreamPush => {
            let Some(id) = entry.message.tenant else {
                return Delivery::Dead { error: "an upstream push without a tenant".into() };
            };
            let tenant = match ports.tenants.get(id).await {
                Ok(Some(t)) => t,
                Ok(None) => return Delivery::Dead { error: format!("tenant {id} no longer exists") },
                Err(e) => return retry(e.to_string()),
            };
            let link = match ports.sync.link(id).await {
                Ok(link) => link,
                Err(e) => return retry(e.to_string()),
            };
            let target =
                link.as_ref().map_or_else(|| UpstreamTarget::tenant(id), |l| sync_tenants::target(ports, l));
            let push = FeaturesPush::of(&tenant);
            match ports.upstream.push_features(&target, &push).await {
                Ok(ack) => {
                    note_acknowledged(ports, link, push).await;
                    let note = (!ack.applied).then(|| "the upstream already held a newer version".into());
                    Delivery::Sent { note }
                }
                Err(e) if e.is_unknown_tenant() => Delivery::Sent {
                    note: Some("the upstream does not know this tenant yet; its registration carries the current state".into()),
                },
                Err(UpstreamError::NotConfigured) => Delivery::Release { at: now },
                // Nothing was sent: wait for the circuit to close, without counting an attempt.
                Err(UpstreamError::CircuitOpen { until }) => Delivery::Release { at: until.max(now) },
                Err(e) => retry(e.to_string()),
            }
        }
    }
}

/// Records in the tenant's link that the upstream has `push`, so the next sync does not push
/// it again. Best effort: if this fails, the sync pushes once more (pushes are idempotent).
async fn note_acknowledged(ports: &Ports, link: Option<UpstreamLink>, push: FeaturesPush) {
    let Some(mut link) = link else { return };
    let Some(acknowledged) = link.acknowledged.as_mut() else { return };
    acknowledged.status = push.status;
    acknowledged.plan = push.plan;
    acknowledged.features = push.features;
    acknowledged.version = push.version;
    let _ =
        ports.work.commit(Work { changes: vec![Change::SaveUpstreamLink(link)], audit: Vec::new() }).await;
}

#[cfg(test)]
mod tests;
