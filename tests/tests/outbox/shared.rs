//! Two Gatehouse instances — each with its own pool and its own background worker — sharing one
//! database and one outbox: every message is sent once, none twice.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use gatehouse_adapters::outbox_worker;
use gatehouse_application::bulk_action::{self, BulkAction};
use gatehouse_application::deliver_outbox::Policy;
use gatehouse_domain::{MessageKind, MessageState};
use gatehouse_tests::app::Backend;
use gatehouse_tests::smtp::SmtpServer;

use super::{Peers, active_tenant, cli, clock, database, instance, message_id, messages};

both!(two_instances_send_each_message_once);

const TENANTS: usize = 40;

async fn two_instances_send_each_message_once(backend: Backend) {
    let Some(db) = database(backend).await else { return };
    let Some(smtp) = SmtpServer::start().await else { return };
    let clock = clock();
    let peers = Peers { smtp_port: Some(smtp.port), upstream_url: None };
    let first = instance(&db, &peers, clock.clone()).await;
    let second = instance(&db, &peers, clock.clone()).await;

    let mut refs = Vec::new();
    for i in 0..TENANTS {
        refs.push(active_tenant(&first.ports, &format!("tenant-{i:02}")).await.id.into());
    }
    // One bulk suspension: one notification per tenant, all in one transaction.
    let req = bulk_action::Request { tenants: refs, action: BulkAction::Suspend { reason: "audit".into() } };
    bulk_action::run(&first.ports, &cli(), req).await.expect("suspended");

    // Small batches so that both workers have their share of rounds.
    let policy = Policy { batch: 3, ..Policy::default() };
    let pause = Duration::from_millis(20);
    let workers = [
        outbox_worker::spawn_with(first.ports.clone(), policy, pause),
        outbox_worker::spawn_with(second.ports.clone(), policy, pause),
    ];
    let started = Instant::now();
    while first.ports.outbox.depth().await.expect("depth").pending_email > 0 {
        assert!(started.elapsed() < Duration::from_mins(2), "the workers did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let worker_ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
    for w in workers {
        w.stop().await;
    }

    let stored = messages(&first.ports, MessageKind::Email).await;
    assert_eq!(stored.len(), TENANTS);
    assert!(
        stored.iter().all(|e| e.state == MessageState::Sent && e.attempts == 1),
        "sent at the first attempt"
    );
    let delivered_by: HashSet<&str> = stored.iter().filter_map(|e| e.claimed_by.as_deref()).collect();
    let workers: HashSet<&str> = worker_ids.iter().map(String::as_str).collect();
    assert_eq!(delivered_by, workers, "both instances took their share");
    let received = smtp.received();
    assert_eq!(received.len(), TENANTS, "no message sent twice");
    let got: HashSet<String> = received.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(got, stored.iter().map(message_id).collect::<HashSet<_>>());
    first.storage.close().await;
    second.storage.close().await;
}
