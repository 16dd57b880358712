//! Tenant notifications delivered to a real SMTP server: multipart with the outbox id as
//! Message-ID; queued while the server is down and retried with backoff; delivered exactly
//! once when it is back; dead after N attempts, and sent after "retry now".

use std::collections::HashSet;

use gatehouse_application::deliver_outbox::Policy;
use gatehouse_application::{change_plan, manage_outbox};
use gatehouse_domain::{Backoff, MessageKind, MessageState, NotificationKind, Plan, TenantStatus};
use gatehouse_tests::app::Backend;
use gatehouse_tests::smtp::SmtpServer;
use time::Duration;

use super::{Peers, active_tenant, cli, clock, database, instance, message_id, messages, round, set_status};

both!(
    an_outage_queues_mail_and_the_restart_delivers_each_once,
    mail_is_given_up_after_n_attempts_and_retried
);

async fn an_outage_queues_mail_and_the_restart_delivers_each_once(backend: Backend) {
    let Some(db) = database(backend).await else { return };
    let Some(mut smtp) = SmtpServer::start().await else { return };
    let clock = clock();
    let peers = Peers { smtp_port: Some(smtp.port), upstream_url: None };
    let ports = instance(&db, &peers, clock.clone()).await.ports;
    let policy = Policy::default();

    let acme = active_tenant(&ports, "acme").await;
    let acme = set_status(&ports, &acme, TenantStatus::Suspended).await;
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.sent), (1, 1), "the suspension: {r:?}");
    let got = smtp.received();
    assert_eq!(got.len(), 1);
    let suspended =
        got.iter().find(|m| m.subject.ends_with("your MFA service is suspended")).expect("suspended");
    assert_eq!(suspended.rcpt_to, "ops@acme.example", "the envelope recipient");
    for part in
        ["multipart/alternative", "text/plain", "text/html", "From: Gatehouse <noreply@panel.example>"]
    {
        assert!(suspended.raw.contains(part), "{part} missing: {}", suspended.raw);
    }

    // The relay goes away: two more notifications wait, each tried once and scheduled again.
    smtp.stop().await;
    let acme = set_status(&ports, &acme, TenantStatus::Active).await;
    let req = change_plan::Request { tenant: acme.id.into(), plan: Plan::Premium, expected_version: None };
    change_plan::run(&ports, &cli(), req).await.expect("plan");
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.retried, r.sent), (2, 2, 0), "{r:?}");
    let waiting: Vec<_> = messages(&ports, MessageKind::Email)
        .await
        .into_iter()
        .filter(|e| e.state == MessageState::Pending)
        .collect();
    assert_eq!(waiting.len(), 2);
    for e in &waiting {
        assert_eq!(e.attempts, 1);
        assert_eq!(e.next_attempt_at, clock_now(&clock) + Backoff::default().delay(1, 1.0));
        assert!(e.last_error.as_deref().is_some_and(|m| !m.is_empty()), "{e:?}");
    }
    assert_eq!(round(&ports, "w1", &policy).await.claimed, 0, "nothing is due before its backoff");

    // Back up and past the backoff: each waiting message goes out once, and only once.
    smtp.restart().await;
    clock.advance(Duration::minutes(2));
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.sent), (2, 2), "{r:?}");
    clock.advance(Duration::hours(2));
    assert_eq!(round(&ports, "w1", &policy).await.claimed, 0, "nothing left");
    let got = smtp.received();
    assert_eq!(got.len(), 3, "{got:#?}");
    let ids: HashSet<String> = got.iter().map(|m| m.message_id.clone()).collect();
    let stored = messages(&ports, MessageKind::Email).await;
    let expected: HashSet<String> = stored.iter().map(message_id).collect();
    assert_eq!(ids, expected, "each outbox e-mail arrived exactly once");
    let kinds: Vec<_> = stored.iter().filter_map(|e| e.message.notification).collect();
    for k in [NotificationKind::Suspended, NotificationKind::Reactivated, NotificationKind::PlanChanged] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(stored.iter().all(|e| e.state == MessageState::Sent));
    // Without an upstream, the pushes wait: never attempted, never dead.
    let pushes = messages(&ports, MessageKind::UpstreamPush).await;
    assert_eq!(pushes.len(), 3);
    assert!(pushes.iter().all(|e| e.state == MessageState::Pending && e.attempts == 0), "{pushes:#?}");
}

async fn mail_is_given_up_after_n_attempts_and_retried(backend: Backend) {
    let Some(db) = database(backend).await else { return };
    let Some(mut smtp) = SmtpServer::start().await else { return };
    smtp.stop().await;
    let clock = clock();
    let ports =
        instance(&db, &Peers { smtp_port: Some(smtp.port), upstream_url: None }, clock.clone()).await.ports;
    let policy = Policy { max_attempts: 3, ..Policy::default() };

    let acme = active_tenant(&ports, "acme").await;
    set_status(&ports, &acme, TenantStatus::Suspended).await;
    for attempt in 1..=3 {
        let r = round(&ports, "w1", &policy).await;
        assert_eq!(r.claimed, 1, "attempt {attempt}");
        clock.advance(Duration::hours(2));
    }
    let [dead] = &messages(&ports, MessageKind::Email).await[..] else { panic!("one e-mail") };
    assert_eq!((dead.state, dead.attempts), (MessageState::Dead, 3));
    assert!(
        dead.last_error.as_deref().is_some_and(|e| e.starts_with("gave up after 3 attempts")),
        "{dead:?}"
    );
    assert_eq!(round(&ports, "w1", &policy).await.claimed, 0, "a dead message is not tried again");

    smtp.restart().await;
    manage_outbox::retry(&ports, &cli(), dead.message.id).await.expect("retried");
    let r = round(&ports, "w1", &policy).await;
    assert_eq!(r.sent, 1, "{r:?}");
    assert_eq!(
        smtp.received().iter().map(|m| m.message_id.clone()).collect::<Vec<_>>(),
        vec![message_id(dead)]
    );
}

fn clock_now(clock: &gatehouse_adapters::system::ManualClock) -> time::OffsetDateTime {
    gatehouse_application::ports::Clock::now(clock)
}
