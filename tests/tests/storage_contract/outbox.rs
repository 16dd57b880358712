//! The outbox: enqueueing in a unit of work (dedupe, atomicity), claiming (exclusive, even
//! under concurrent claimers on separate pools; leases that expire), recording outcomes
//! (retry scheduling, dead, release), retrying a dead message, listing and depth; and usage
//! recorded inside a unit of work.

use std::collections::HashSet;

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{
    Change, Claim, Delivery, OutboxDepth, OutboxMessage, OutboxQuery, StoreError, Work,
};
use gatehouse_domain::{
    AuditKind, Email, EmailMessage, MessageKind, MessageState, NotificationKind, Plan, TenantId, UsageTotals,
};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{event, now, tenant, usage};
use time::macros::date;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

contract!(
    enqueue_is_once_per_key_and_part_of_its_work,
    claims_are_exclusive_across_pools,
    a_lease_expires_and_a_late_outcome_does_not_count,
    outcomes_schedule_retries_and_end_in_sent_or_dead,
    a_dead_message_can_be_retried_once,
    claims_take_only_the_kinds_asked_for,
    listing_filters_pages_and_counts,
    usage_recorded_in_a_work_keeps_the_rollups,
);

fn tenant_id(n: u128) -> TenantId {
    TenantId::from_uuid(Uuid::from_u128(n))
}

fn mail(key: Option<&str>, tenant: TenantId) -> OutboxMessage {
    let email = EmailMessage {
        to: Email::parse("ops@acme.example").expect("email"),
        subject: "Acme: your MFA service is suspended".into(),
        text: "Hello,\n\nsuspended\n".into(),
        html: "<p>Hello, &lt;suspended&gt;</p>".into(),
    };
    let mut m = OutboxMessage::notification(
        Uuid::now_v7(),
        tenant,
        NotificationKind::Suspended,
        email,
        key.unwrap_or("unused").to_owned(),
        now(),
    );
    m.dedupe_key = key.map(str::to_owned);
    m
}

fn push(tenant: TenantId) -> OutboxMessage {
    OutboxMessage::upstream_push(Uuid::now_v7(), tenant, now())
}

async fn enqueue(s: &Storage, messages: Vec<OutboxMessage>) {
    let changes = messages.into_iter().map(Change::Enqueue).collect();
    s.work.commit(Work { changes, audit: vec![] }).await.expect("enqueued");
}

fn claim(worker: &str, at: OffsetDateTime, limit: u32) -> Claim {
    Claim {
        worker: worker.into(),
        kinds: vec![MessageKind::Email, MessageKind::UpstreamPush],
        now: at,
        until: at + Duration::minutes(5),
        limit,
    }
}

async fn all(s: &Storage) -> Vec<gatehouse_application::ports::OutboxEntry> {
    s.outbox.list(&OutboxQuery { limit: 1000, ..OutboxQuery::default() }).await.expect("list")
}

async fn enqueue_is_once_per_key_and_part_of_its_work(db: &TestDb) {
    let s = &db.storage;
    let t = tenant_id(1);
    let first = mail(Some("quota80:t1:2026-11"), t);
    enqueue(s, vec![first.clone(), push(t)]).await;
    // The same cause again (another sync), and a message without key twice: the keyed one is skipped.
    enqueue(s, vec![mail(Some("quota80:t1:2026-11"), t), push(t), push(t)]).await;
    let stored = all(s).await;
    assert_eq!(stored.len(), 4, "one keyed e-mail and three pushes");
    let kept = s.outbox.get(first.id).await.expect("get").expect("the first one is kept");
    assert_eq!(kept.message, first, "exact round trip");
    assert_eq!(
        (kept.state, kept.attempts, kept.next_attempt_at),
        (MessageState::Pending, 0, first.created_at)
    );

    // A unit of work that fails writes none of its messages.
    let doomed = mail(Some("doomed"), t);
    let work = Work {
        changes: vec![
            Change::Enqueue(doomed.clone()),
            Change::UseSetupToken { token_hash: b"none".to_vec(), at: now() },
        ],
        audit: vec![event(AuditKind::NotificationSent, Some(t))],
    };
    assert!(matches!(s.work.commit(work).await, Err(StoreError::NotFound)));
    assert_eq!(s.outbox.get(doomed.id).await.expect("get"), None);
}

async fn claims_are_exclusive_across_pools(db: &TestDb) {
    let s = &db.storage;
    let messages: Vec<_> =
        (0..60).map(|i| if i % 3 == 0 { push(tenant_id(i)) } else { mail(None, tenant_id(i)) }).collect();
    let ids: HashSet<Uuid> = messages.iter().map(|m| m.id).collect();
    enqueue(s, messages).await;
    // Six claimers, three per pool (two "instances"), each claiming small batches until none is left.
    let other = std::sync::Arc::new(Storage::connect(db.url()).await.expect("second pool"));
    let pools = [std::sync::Arc::new(Storage::connect(db.url()).await.expect("first pool")), other];
    let tasks: Vec<_> = (0..6)
        .map(|w| {
            let storage = pools[w % 2].clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch =
                        storage.outbox.claim(&claim(&format!("w{w}"), now(), 4)).await.expect("claim");
                    if batch.is_empty() {
                        return got;
                    }
                    assert!(batch.iter().all(|e| e.claimed_by.as_deref() == Some(format!("w{w}").as_str())));
                    got.extend(batch.into_iter().map(|e| e.message.id));
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.expect("claimer"));
    }
    assert_eq!(claimed.len(), 60, "every message claimed exactly once");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), ids);
    for pool in pools {
        pool.close().await;
    }
}

async fn a_lease_expires_and_a_late_outcome_does_not_count(db: &TestDb) {
    let s = &db.storage;
    let m = mail(None, tenant_id(1));
    enqueue(s, vec![m.clone()]).await;
    let first = s.outbox.claim(&claim("crashed", now(), 10)).await.expect("claim");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].claimed_until, Some(now() + Duration::minutes(5)));
    let during = s.outbox.claim(&claim("other", now() + Duration::minutes(4), 10)).await.expect("claim");
    assert!(during.is_empty(), "leased to the first worker");
    let after = s.outbox.claim(&claim("other", now() + Duration::minutes(6), 10)).await.expect("claim");
    assert_eq!(after.iter().map(|e| e.message.id).collect::<Vec<_>>(), vec![m.id], "the lease ran out");

    let late = s.outbox.finish(m.id, "crashed", &Delivery::Sent { note: None }, now()).await.expect("finish");
    assert!(!late, "the first worker no longer holds the claim");
    let done = s.outbox.finish(m.id, "other", &Delivery::Sent { note: None }, now()).await.expect("finish");
    assert!(done);
    let sent = s.outbox.get(m.id).await.expect("get").expect("stored");
    assert_eq!(
        (sent.state, sent.attempts, sent.sent_at, sent.claimed_by.as_deref(), sent.claimed_until),
        (MessageState::Sent, 1, Some(now()), Some("other"), None),
        "the lease ends; the worker that delivered is kept"
    );
    assert!(
        !s.outbox.finish(m.id, "other", &Delivery::Sent { note: None }, now()).await.expect("again"),
        "once"
    );
}

async fn outcomes_schedule_retries_and_end_in_sent_or_dead(db: &TestDb) {
    let s = &db.storage;
    let (a, b) = (mail(None, tenant_id(1)), push(tenant_id(2)));
    enqueue(s, vec![a.clone(), b.clone()]).await;
    s.outbox.claim(&claim("w", now(), 10)).await.expect("claim");
    let later = now() + Duration::minutes(10);
    let retry = Delivery::Retry { at: later, error: "421 try later".into() };
    assert!(s.outbox.finish(a.id, "w", &retry, now()).await.expect("retry"));
    assert!(s.outbox.finish(b.id, "w", &Delivery::Release { at: now() }, now()).await.expect("release"));
    let a1 = s.outbox.get(a.id).await.expect("get").expect("a");
    assert_eq!((a1.state, a1.attempts, a1.next_attempt_at), (MessageState::Pending, 1, later));
    assert_eq!(
        (a1.last_error.as_deref(), a1.claimed_by.as_deref(), a1.claimed_until),
        (Some("421 try later"), Some("w"), None)
    );
    let b1 = s.outbox.get(b.id).await.expect("get").expect("b");
    assert_eq!((b1.attempts, b1.claimed_until), (0, None), "a release counts no attempt");

    let early = s.outbox.claim(&claim("w", now() + Duration::minutes(5), 10)).await.expect("claim");
    assert_eq!(early.iter().map(|e| e.message.id).collect::<Vec<_>>(), vec![b.id], "a is not due yet");
    let note = Delivery::Sent { note: Some("already newer upstream".into()) };
    assert!(s.outbox.finish(b.id, "w", &note, later).await.expect("sent"));
    let due = s.outbox.claim(&claim("w", later, 10)).await.expect("claim");
    assert_eq!(due.iter().map(|e| e.message.id).collect::<Vec<_>>(), vec![a.id]);
    let dead = Delivery::Dead { error: "gave up after 2 attempts".into() };
    assert!(s.outbox.finish(a.id, "w", &dead, later).await.expect("dead"));
    let a2 = s.outbox.get(a.id).await.expect("get").expect("a");
    assert_eq!(
        (a2.state, a2.attempts, a2.last_error.as_deref()),
        (MessageState::Dead, 2, Some("gave up after 2 attempts"))
    );
    let b2 = s.outbox.get(b.id).await.expect("get").expect("b");
    assert_eq!(
        (b2.state, b2.last_error.as_deref(), b2.sent_at),
        (MessageState::Sent, Some("already newer upstream"), Some(later))
    );
    let never = s.outbox.claim(&claim("w", later + Duration::days(30), 10)).await.expect("claim");
    assert!(never.is_empty(), "sent and dead messages are never claimed");
}

async fn a_dead_message_can_be_retried_once(db: &TestDb) {
    let s = &db.storage;
    let m = mail(None, tenant_id(1));
    enqueue(s, vec![m.clone()]).await;
    s.outbox.claim(&claim("w", now(), 10)).await.expect("claim");
    s.outbox
        .finish(m.id, "w", &Delivery::Dead { error: "550 no such user".into() }, now())
        .await
        .expect("dead");
    let at = now() + Duration::hours(1);
    let retry = || Work {
        changes: vec![Change::RetryMessage { id: m.id, at }],
        audit: vec![event(AuditKind::NotificationRetried, Some(tenant_id(1)))],
    };
    s.work.commit(retry()).await.expect("retried");
    let again = s.outbox.get(m.id).await.expect("get").expect("stored");
    assert_eq!((again.state, again.attempts, again.next_attempt_at), (MessageState::Pending, 0, at));
    let audit = s.audit.records_after(0, 10).await.expect("audit").len();
    assert!(
        matches!(s.work.commit(retry()).await, Err(StoreError::NotFound)),
        "a pending message is no retry"
    );
    assert_eq!(s.audit.records_after(0, 10).await.expect("audit").len(), audit, "nothing written");
    let unknown = Work { changes: vec![Change::RetryMessage { id: Uuid::now_v7(), at }], audit: vec![] };
    assert!(matches!(s.work.commit(unknown).await, Err(StoreError::NotFound)));
    assert_eq!(s.outbox.claim(&claim("w", at, 10)).await.expect("claim").len(), 1, "due again");
}

async fn claims_take_only_the_kinds_asked_for(db: &TestDb) {
    let s = &db.storage;
    let (m, p) = (mail(None, tenant_id(1)), push(tenant_id(1)));
    enqueue(s, vec![m.clone(), p.clone()]).await;
    let pushes = Claim { kinds: vec![MessageKind::UpstreamPush], ..claim("w", now(), 10) };
    let got = s.outbox.claim(&pushes).await.expect("claim");
    assert_eq!(got.iter().map(|e| e.message.id).collect::<Vec<_>>(), vec![p.id]);
    assert!(
        s.outbox.claim(&Claim { kinds: vec![], ..claim("w", now(), 10) }).await.expect("none").is_empty()
    );
    let waiting = s.outbox.get(m.id).await.expect("get").expect("stored");
    assert_eq!((waiting.state, waiting.attempts, waiting.claimed_by), (MessageState::Pending, 0, None));
}

async fn listing_filters_pages_and_counts(db: &TestDb) {
    let s = &db.storage;
    let (t1, t2) = (tenant_id(1), tenant_id(2));
    let mut messages = Vec::new();
    for i in 0..5 {
        let mut m = if i % 2 == 0 { mail(None, t1) } else { push(t2) };
        m.created_at = now() + Duration::minutes(i);
        messages.push(m);
    }
    enqueue(s, messages.clone()).await;
    s.outbox
        .claim(&Claim { kinds: vec![MessageKind::UpstreamPush], ..claim("w", now() + Duration::hours(1), 1) })
        .await
        .expect("claim");
    let dead_id = messages[1].id;
    s.outbox.finish(dead_id, "w", &Delivery::Dead { error: "x".into() }, now()).await.expect("dead");

    let newest_first: Vec<Uuid> = messages.iter().rev().map(|m| m.id).collect();
    let q =
        |q: OutboxQuery| async move { s.outbox.list(&OutboxQuery { limit: 100, ..q }).await.expect("list") };
    let ids = |v: Vec<gatehouse_application::ports::OutboxEntry>| {
        v.into_iter().map(|e| e.message.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(q(OutboxQuery::default()).await), newest_first);
    assert_eq!(ids(q(OutboxQuery { tenant: Some(t1), ..OutboxQuery::default() }).await).len(), 3);
    assert_eq!(
        ids(q(OutboxQuery { state: Some(MessageState::Dead), ..OutboxQuery::default() }).await),
        vec![dead_id]
    );
    assert_eq!(
        ids(q(OutboxQuery { kind: Some(MessageKind::UpstreamPush), ..OutboxQuery::default() }).await).len(),
        2
    );
    let page1 = ids(s.outbox.list(&OutboxQuery { limit: 2, ..OutboxQuery::default() }).await.expect("page"));
    let page2 =
        ids(q(OutboxQuery { before: page1.last().copied(), limit: 2, ..OutboxQuery::default() }).await);
    assert_eq!([page1, page2].concat(), newest_first, "pages follow each other without overlap");

    let depth = s.outbox.depth().await.expect("depth");
    assert_eq!(depth, OutboxDepth { pending_email: 3, pending_push: 1, dead_email: 0, dead_push: 1 });
}

async fn usage_recorded_in_a_work_keeps_the_rollups(db: &TestDb) {
    let s = &db.storage;
    let t = tenant("Acme", "acme", Plan::Basic, &["acme.example"], 0);
    s.work
        .commit(Work::new(Change::InsertTenant(t.clone()), event(AuditKind::TenantCreated, Some(t.id))))
        .await
        .expect("tenant");
    let days =
        vec![usage(t.id, date!(2026 - 11 - 20), 100, 5, 120), usage(t.id, date!(2026 - 11 - 21), 300, 7, 80)];
    s.work
        .commit(Work { changes: vec![Change::RecordUsage(days.clone())], audit: vec![] })
        .await
        .expect("recorded");
    // Recording again replaces: totals stay exact.
    s.work
        .commit(Work { changes: vec![Change::RecordUsage(days.clone())], audit: vec![] })
        .await
        .expect("again");
    assert_eq!(s.usage.daily(t.id, date!(2026 - 11 - 01), date!(2026 - 11 - 30)).await.expect("daily"), days);
    let system = s.usage.system_daily(date!(2026 - 11 - 20), date!(2026 - 11 - 21)).await.expect("system");
    let total = UsageTotals::combine(system.into_iter().map(|(_, t)| t));
    assert_eq!(total.auth_attempts, 400);
}
