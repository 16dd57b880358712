//! Each fault of the stand-in: the error the caller gets, how many requests reached the
//! upstream (retries only where they are safe), and what the connection status says.

use std::time::{Duration, Instant};

use gatehouse_adapters::config::UpstreamSettings;
use gatehouse_adapters::upstream::{HttpUpstream, UpstreamConfig};
use gatehouse_application::ports::{
    AuthLogQuery, ConnectionState, FeaturesPush, MfaUpstream, TenantRegistration, UpstreamError,
    UpstreamTarget,
};
use gatehouse_domain::Plan;
use gatehouse_tests::stand_in::{Call, Fault, StandIn};
use secrecy::SecretString;

use super::{TOKEN, adapter, assert_no_secret, config, register, setup, tenant};

#[tokio::test]
async fn a_slow_upstream_times_out_and_is_retried() {
    let stand_in = StandIn::spawn(TOKEN).await;
    let (upstream, _) = adapter(UpstreamConfig {
        request_timeout: Duration::from_millis(300),
        ..super::config_with_retries(&stand_in.url, 1)
    });
    stand_in.set_fault(Fault::Slow(Duration::from_secs(20)));
    let err = upstream.health().await.expect_err("too slow");
    assert_eq!(err, UpstreamError::Timeout { after_ms: 300 });
    assert_eq!(stand_in.calls(Call::Health), 2, "a GET is retried once more");
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Degraded, 1));
    assert_eq!(status.last_error.as_deref(), Some("the MFA upstream did not answer within 300 ms"));
    assert!(status.last_latency_ms.is_some_and(|ms| ms >= 300));
    assert_eq!(status.recent[0].attempts, 2);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_reported() {
    let (stand_in, upstream, _) = setup().await;
    stand_in.set_fault(Fault::ServerErrors);
    let started = Instant::now();
    let err = upstream.health().await.expect_err("500s");
    assert_eq!(err, UpstreamError::Unavailable { status: 500 });
    assert_eq!(stand_in.calls(Call::Health), 3, "the first attempt and two retries");
    // The jittered waits are at least half of 40 ms and of 80 ms.
    assert!(started.elapsed() >= Duration::from_millis(60), "{:?}", started.elapsed());
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Degraded, 1));
    assert_eq!(status.last_error.as_deref(), Some("the MFA upstream is unavailable (HTTP 500)"));
    assert_eq!(status.recent[0].attempts, 3);
}

#[tokio::test]
async fn a_post_is_not_retried_once_it_may_have_arrived() {
    let (stand_in, upstream, _) = setup().await;
    let acme = tenant("acme", Plan::Basic);
    let target = UpstreamTarget::tenant(acme.id);
    let registration = TenantRegistration::of(&acme);
    stand_in.set_fault(Fault::ServerErrors);
    let err = upstream.register_tenant(&target, &registration).await.expect_err("500");
    assert_eq!(err, UpstreamError::Unavailable { status: 500 });
    assert_eq!(stand_in.calls(Call::Register), 1);
    stand_in.set_fault(Fault::DropConnections);
    let err = upstream.register_tenant(&target, &registration).await.expect_err("dropped");
    assert_eq!(err, UpstreamError::Dropped);
    assert_eq!(stand_in.calls(Call::Register), 2);
    // A PUT is idempotent: it is retried.
    stand_in.set_fault(Fault::ServerErrors);
    let err = upstream.push_features(&target, &FeaturesPush::of(&acme)).await.expect_err("500");
    assert_eq!(err, UpstreamError::Unavailable { status: 500 });
    assert_eq!(stand_in.calls(Call::Features), 3);
}

#[tokio::test]
async fn a_transient_failure_is_recovered_by_a_retry_and_shows_as_degraded() {
    let (stand_in, upstream, _) = setup().await;
    stand_in.set_fault(Fault::FailNext(2));
    upstream.health().await.expect("the third attempt succeeds");
    assert_eq!(stand_in.calls(Call::Health), 3);
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Degraded, 0));
    assert_eq!(status.last_error, None);
    upstream.health().await.expect("healthy");
    assert_eq!(upstream.status().state, ConnectionState::Up);
}

#[tokio::test]
async fn retry_after_is_honoured_up_to_its_cap() {
    let (stand_in, upstream, _) = setup().await;
    stand_in.set_fault(Fault::RateLimited { retry_after: 5 });
    let err = upstream.health().await.expect_err("asked to wait longer than the cap");
    assert_eq!(err, UpstreamError::Unavailable { status: 429 });
    assert_eq!(stand_in.calls(Call::Health), 1, "no retry when the wait asked is over 2 s");

    let (patient, _) = adapter(super::config_with_retries(&stand_in.url, 1));
    stand_in.set_fault(Fault::RateLimited { retry_after: 1 });
    let started = Instant::now();
    let err = patient.health().await.expect_err("still limited");
    assert_eq!(err, UpstreamError::Unavailable { status: 429 });
    assert_eq!(stand_in.calls(Call::Health), 3);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited the Retry-After");
}

#[tokio::test]
async fn dropped_connections_are_retried_then_reported() {
    let (stand_in, upstream, _) = setup().await;
    let target = register(&upstream, &tenant("acme", Plan::Free)).await;
    stand_in.set_fault(Fault::DropConnections);
    let err = upstream.users(&target, 10, 0).await.expect_err("dropped");
    assert_eq!(err, UpstreamError::Dropped);
    assert_eq!((stand_in.calls(Call::Users), stand_in.dropped()), (3, 3));
    let status = upstream.status();
    assert_eq!(status.last_error.as_deref(), Some("the MFA upstream closed the connection before answering"));
    stand_in.set_fault(Fault::None);
    upstream.users(&target, 10, 0).await.expect("the connection pool recovers");
}

#[tokio::test]
async fn a_refused_key_is_reported_at_once_without_showing_it() {
    let (stand_in, upstream, _) = setup().await;
    stand_in.set_fault(Fault::WrongToken);
    let err = upstream.health().await.expect_err("refused");
    assert!(matches!(err, UpstreamError::Unauthorized { status: 401, .. }), "{err}");
    assert_eq!(stand_in.calls(Call::Health), 1, "never retried");
    let status = upstream.status();
    assert_eq!(status.consecutive_failures, 1);
    let shown = status.last_error.clone().expect("an error");
    assert!(shown.contains("credentials"), "{shown}");
    for text in [shown, err.to_string(), format!("{err:?}"), format!("{upstream:?}"), format!("{status:?}")] {
        assert_no_secret(&text);
    }
    assert_no_secret(&format!("{:?}", config(&stand_in.url)));
}

#[tokio::test]
async fn a_malformed_answer_is_refused_and_not_retried() {
    let (stand_in, upstream, _) = setup().await;
    let target = register(&upstream, &tenant("acme", Plan::Free)).await;
    stand_in.set_fault(Fault::MalformedJson);
    let err = upstream.tenant_stats(&target, None).await.expect_err("broken JSON");
    assert!(matches!(err, UpstreamError::Malformed(_)), "{err}");
    assert_eq!(stand_in.calls(Call::Stats), 1);
    let err = upstream.auth_logs(&target, &AuthLogQuery { days: 1, limit: 5, cursor: None }).await;
    assert!(matches!(err, Err(UpstreamError::Malformed(_))));
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Degraded, 2));
    assert!(status.last_error.is_some_and(|e| e.contains("does not follow the contract")));
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_retried_even_for_a_post() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/mfa/api/", listener.local_addr().expect("addr"));
    drop(listener);
    let (upstream, _) = adapter(config(&url));
    let acme = tenant("acme", Plan::Free);
    let started = Instant::now();
    let err = upstream
        .register_tenant(&UpstreamTarget::tenant(acme.id), &TenantRegistration::of(&acme))
        .await
        .expect_err("nobody listens");
    let UpstreamError::Connect { reason } = &err else { panic!("not a connect error: {err}") };
    assert!(!reason.is_empty() && !reason.contains("127.0.0.1"), "{reason}");
    assert_eq!(upstream.status().recent[0].attempts, 3, "nothing was sent, so the POST was retried");
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_no_secret(&err.to_string());
}

#[tokio::test]
async fn without_configuration_every_call_says_so_and_nothing_is_invented() {
    for (url, key, reason) in [
        (None, None::<&str>, None),
        (Some("http://mfa.internal:8000/mfa/api/"), None, Some("MFA_SYSTEM_API_KEY is not set")),
    ] {
        let settings = UpstreamSettings {
            base_url: url.map(|u| u.parse().expect("url")),
            api_key: key.map(SecretString::from),
        };
        let upstream = HttpUpstream::from_settings(&settings).expect("client");
        let status = upstream.status();
        assert_eq!(status.state, ConnectionState::NotConfigured);
        assert_eq!(status.last_error.as_deref(), reason);
        let acme = tenant("acme", Plan::Free);
        let target = UpstreamTarget::tenant(acme.id);
        let answers = [
            upstream.health().await.err(),
            upstream.tenant_stats(&target, None).await.err(),
            upstream.register_tenant(&target, &TenantRegistration::of(&acme)).await.err(),
            upstream.push_features(&target, &FeaturesPush::of(&acme)).await.err(),
            upstream.users(&target, 10, 0).await.err(),
            upstream.auth_logs(&target, &AuthLogQuery { days: 1, limit: 10, cursor: None }).await.err(),
        ];
        assert!(answers.iter().all(|a| *a == Some(UpstreamError::NotConfigured)), "{answers:?}");
        assert_eq!(upstream.status().recent, vec![], "no call was made");
    }
}
