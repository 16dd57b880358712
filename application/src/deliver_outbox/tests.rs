use std::sync::{Arc, Mutex};

use gatehouse_domain::{Email, EmailMessage, MessageState, TenantStatus};
use uuid::Uuid;

use super::*;
use crate::ports::{ConnectionStatus, FeaturesAck, OutboxMessage};
use crate::testing::{MockPorts, NOW, tenant};

const WORKER: &str = "worker-1";

fn email() -> EmailMessage {
    EmailMessage {
        to: Email::parse("ops@acme.example").expect("email"),
        subject: "s".into(),
        text: "t".into(),
        html: "<p>h</p>".into(),
    }
}

fn entry(message: OutboxMessage, attempts: u32) -> OutboxEntry {
    OutboxEntry {
        message,
        state: MessageState::Pending,
        attempts,
        next_attempt_at: NOW,
        last_error: None,
        claimed_by: Some(WORKER.into()),
        claimed_until: Some(NOW + Duration::from_mins(5)),
        sent_at: None,
        updated_at: NOW,
    }
}

fn mail_entry(attempts: u32) -> OutboxEntry {
    let id = tenant(TenantStatus::Active).id;
    let key = format!("k{attempts}");
    entry(
        OutboxMessage::notification(
            Uuid::from_u128(1),
            id,
            gatehouse_domain::NotificationKind::Suspended,
            email(),
            key,
            NOW,
        ),
        attempts,
    )
}

fn push_entry(attempts: u32) -> OutboxEntry {
    entry(OutboxMessage::upstream_push(Uuid::from_u128(2), tenant(TenantStatus::Suspended).id, NOW), attempts)
}

/// Ports whose outbox hands out `claimed` once and records every outcome in the returned list.
fn ports(claimed: Vec<OutboxEntry>, smtp: bool, upstream: bool) -> (MockPorts, Arc<Mutex<Vec<Delivery>>>) {
    let mut m = MockPorts::new();
    m.mailer.expect_is_configured().return_const(smtp);
    let status = if upstream {
        ConnectionStatus::unknown(Some("http://mfa/".into()))
    } else {
        ConnectionStatus::not_configured()
    };
    m.upstream.expect_status().return_const(status);
    // Tenants the sync never registered: pushes go to the default upstream without a key.
    m.sync.expect_link().returning(|_| Ok(None));
    m.outbox.expect_claim().returning(move |c| {
        assert_eq!((c.worker.as_str(), c.limit, c.until - c.now), (WORKER, 20, time::Duration::minutes(5)));
        Ok(claimed.iter().filter(|e| c.kinds.contains(&e.message.kind())).cloned().collect())
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    m.outbox.expect_finish().returning(move |_, worker, d, _| {
        assert_eq!(worker, WORKER);
        record.lock().expect("lock").push(d.clone());
        Ok(true)
    });
    (m, seen)
}

async fn round(m: MockPorts) -> Round {
    run_once(&m.ports(), WORKER, &Policy::default(), &|| 1.0).await.expect("round")
}

#[tokio::test]
async fn nothing_is_claimed_when_no_service_is_configured() {
    let mut m = MockPorts::new();
    m.mailer.expect_is_configured().return_const(false);
    m.upstream.expect_status().return_const(ConnectionStatus::not_configured());
    assert_eq!(round(m).await, Round::default(), "the outbox was not even asked");
}

#[tokio::test]
async fn an_email_is_sent_and_a_push_carries_the_tenants_current_state() {
    let (mut m, seen) = ports(vec![mail_entry(0), push_entry(0)], true, true);
    m.mailer.expect_send().times(1).returning(|id, e| {
        assert_eq!((id, e.subject.as_str()), (Uuid::from_u128(1), "s"));
        Ok(())
    });
    m.tenants.expect_get().returning(|_| {
        let mut t = tenant(TenantStatus::Suspended);
        t.version = 9;
        Ok(Some(t))
    });
    m.upstream.expect_push_features().times(1).returning(|target, push| {
        assert_eq!((target.tenant, push.status, push.version), (push.tenant_id, TenantStatus::Suspended, 9));
        Ok(FeaturesAck { applied: true })
    });
    let r = round(m).await;
    assert_eq!((r.claimed, r.sent), (2, 2));
    assert!(seen.lock().expect("lock").iter().all(|d| *d == Delivery::Sent { note: None }));
}

#[tokio::test]
async fn email_failures_back_off_then_die_and_refusals_die_at_once() {
    for (attempts, error, want_dead) in [
        (0, MailError::Failed("421 busy".into()), false),
        (7, MailError::Failed("421 busy".into()), true),
        (0, MailError::Rejected("550 no such user".into()), true),
    ] {
        let (mut m, seen) = ports(vec![mail_entry(attempts)], true, false);
        m.mailer.expect_send().return_const(Err(error.clone()));
        let r = round(m).await;
        let d = seen.lock().expect("lock")[0].clone();
        match d {
            Delivery::Retry { at, error } => {
                assert!(!want_dead, "{attempts}: {error}");
                assert_eq!(at, NOW + Policy::default().backoff.delay(attempts + 1, 1.0));
                assert!(error.contains("421 busy"));
                assert_eq!(r.retried, 1);
            }
            Delivery::Dead { error } => {
                assert!(want_dead, "{attempts}: {error}");
                assert_eq!(r.dead, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_push_is_retried_forever_and_waits_out_an_open_circuit() {
    let (mut m, seen) = ports(vec![push_entry(50)], false, true);
    m.tenants.expect_get().returning(|_| Ok(Some(tenant(TenantStatus::Suspended))));
    m.upstream.expect_push_features().return_const(Err(UpstreamError::Unavailable { status: 503 }));
    round(m).await;
    assert!(matches!(&seen.lock().expect("lock")[0], Delivery::Retry { error, .. } if error.contains("503")));

    let until = NOW + time::Duration::seconds(30);
    let (mut m, seen) = ports(vec![push_entry(1)], false, true);
    m.tenants.expect_get().returning(|_| Ok(Some(tenant(TenantStatus::Suspended))));
    m.upstream.expect_push_features().return_const(Err(UpstreamError::CircuitOpen { until }));
    let r = round(m).await;
    assert_eq!((r.released, seen.lock().expect("lock")[0].clone()), (1, Delivery::Release { at: until }));
}

#[tokio::test]
async fn a_push_for_an_unknown_or_unregistered_tenant_ends() {
    let (mut m, seen) = ports(vec![push_entry(0)], false, true);
    m.tenants.expect_get().returning(|_| Ok(None));
    round(m).await;
    assert!(
        matches!(&seen.lock().expect("lock")[0], Delivery::Dead { error } if error.contains("no longer exists"))
    );

    let (mut m, seen) = ports(vec![push_entry(0)], false, true);
    m.tenants.expect_get().returning(|_| Ok(Some(tenant(TenantStatus::Active))));
    m.upstream
        .expect_push_features()
        .return_const(Err(UpstreamError::Rejected { status: 404, detail: "unknown_tenant".into() }));
    round(m).await;
    assert!(
        matches!(&seen.lock().expect("lock")[0], Delivery::Sent { note: Some(n) } if n.contains("does not know"))
    );
}

#[tokio::test]
async fn an_outcome_after_the_claim_moved_on_counts_as_lost() {
    let mut m = MockPorts::new();
    m.mailer.expect_is_configured().return_const(true);
    m.upstream.expect_status().return_const(ConnectionStatus::not_configured());
    m.outbox.expect_claim().returning(|_| Ok(vec![mail_entry(0)]));
    m.mailer.expect_send().returning(|_, _| Ok(()));
    m.outbox.expect_finish().returning(|_, _, _, _| Ok(false));
    let r = round(m).await;
    assert_eq!((r.sent, r.lost), (0, 1));
}
