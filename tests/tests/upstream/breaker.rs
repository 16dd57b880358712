//! The circuit breaker over real HTTP, its time driven by the adapter's manual clock, and the
//! background health check.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_adapters::upstream::spawn_health_checks;
use gatehouse_application::ports::{ConnectionState, MfaUpstream, UpstreamError};
use gatehouse_tests::stand_in::{Call, Fault, StandIn};
use time::Duration as Span;

use super::{START, TOKEN, adapter, config, config_with_retries};

#[tokio::test]
async fn the_circuit_opens_after_three_failures_and_half_opens_for_one_probe() {
    let stand_in = StandIn::spawn(TOKEN).await;
    let (upstream, clock) = adapter(config_with_retries(&stand_in.url, 0));
    stand_in.set_fault(Fault::ServerErrors);
    for n in 1..=3 {
        assert_eq!(upstream.health().await, Err(UpstreamError::Unavailable { status: 500 }));
        assert_eq!(upstream.status().consecutive_failures, n);
    }
    let paused_until = START + Span::seconds(30);
    let status = upstream.status();
    assert_eq!((status.state, status.paused_until), (ConnectionState::Down, Some(paused_until)));

    // Open: refused at once, nothing sent.
    let err = upstream.health().await.expect_err("paused");
    assert_eq!(err, UpstreamError::CircuitOpen { until: paused_until });
    assert!(err.to_string().contains("2026-11-21 12:00:30 UTC"), "{err}");
    assert_eq!(stand_in.calls(Call::Health), 3);
    clock.advance(Span::seconds(29));
    assert!(matches!(upstream.health().await, Err(UpstreamError::CircuitOpen { .. })));
    assert_eq!(stand_in.calls(Call::Health), 3);

    // Half-open: one probe of one attempt; it fails, so the circuit opens again.
    clock.advance(Span::seconds(1));
    assert_eq!(upstream.health().await, Err(UpstreamError::Unavailable { status: 500 }));
    assert_eq!(stand_in.calls(Call::Health), 4);
    let reopened = START + Span::seconds(60);
    assert_eq!(upstream.health().await, Err(UpstreamError::CircuitOpen { until: reopened }));
    assert_eq!(upstream.status().state, ConnectionState::Down);

    // The next probe succeeds: closed, up, counters reset.
    stand_in.set_fault(Fault::None);
    clock.advance(Span::seconds(30));
    upstream.health().await.expect("the probe succeeds");
    let status = upstream.status();
    assert_eq!(
        (status.state, status.consecutive_failures, status.paused_until),
        (ConnectionState::Up, 0, None)
    );
    upstream.health().await.expect("closed again");
    assert_eq!(stand_in.calls(Call::Health), 6);
}

#[tokio::test]
async fn a_probe_is_a_single_attempt_even_when_retries_are_allowed() {
    let stand_in = StandIn::spawn(TOKEN).await;
    let (upstream, clock) = adapter(config(&stand_in.url));
    stand_in.set_fault(Fault::ServerErrors);
    for _ in 0..3 {
        assert!(upstream.health().await.is_err());
    }
    assert_eq!(stand_in.calls(Call::Health), 9, "three calls of three attempts");
    clock.advance(Span::seconds(30));
    assert!(upstream.health().await.is_err());
    assert_eq!(stand_in.calls(Call::Health), 10, "the probe made one attempt");
}

#[tokio::test]
async fn background_health_checks_keep_the_status_current() {
    let stand_in = StandIn::spawn(TOKEN).await;
    let (upstream, _) = adapter(config(&stand_in.url));
    let upstream: Arc<dyn MfaUpstream> = Arc::new(upstream);
    let checks = spawn_health_checks(upstream.clone(), Duration::from_millis(20));
    // Wait for the checks themselves (bounded, so a broken loop fails instead of hanging).
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        while upstream.status().recent.len() < 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    checks.abort();
    assert!(waited.is_ok(), "three health checks ran");
    let status = upstream.status();
    assert_eq!(status.state, ConnectionState::Up);
    assert!(status.recent.len() >= 3 && status.recent.iter().all(|c| c.error.is_none()));
    assert!(stand_in.calls(Call::Health) >= 3);
}
