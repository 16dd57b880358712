//! The reqwest adapter of the MFA upstream against the stand-in upstream, over real HTTP: every
//! call's happy path, every fault mode with the error and connection status it must produce,
//! the retry and circuit-breaker policies, and the contract (docs/upstream.md's examples read by
//! both sides). No database is involved. Assertions are on outcomes and counters observed on the
//! stand-in; the only timed ones are generous lower bounds (a wait was at least the backoff).

#[path = "upstream/breaker.rs"]
mod breaker;
#[path = "upstream/calls.rs"]
mod calls;
#[path = "upstream/contract.rs"]
mod contract;
#[path = "upstream/faults.rs"]
mod faults;
#[path = "upstream/load.rs"]
mod load;

use std::sync::Arc;
use std::time::Duration;

use gatehouse_adapters::system::ManualClock;
use gatehouse_adapters::upstream::{HttpUpstream, RetryPolicy, UpstreamConfig};
use gatehouse_application::ports::{MfaUpstream, TenantRegistration, UpstreamTarget};
use gatehouse_domain::{Plan, Tenant};
use gatehouse_tests::fixtures;
use gatehouse_tests::stand_in::StandIn;
use secrecy::SecretString;
use time::OffsetDateTime;
use time::macros::datetime;

/// The key the stand-ins accept; no error, status or `Debug` output may ever contain it.
pub const TOKEN: &str = "upstream-test-key-7f3a9c";

/// Where the adapters' manual clocks start.
pub const START: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

/// Quick settings for tests: short backoffs, three failures open the circuit for 30 s (of the
/// manual clock), timeouts generous enough for a loaded machine.
pub fn config(url: &str) -> UpstreamConfig {
    UpstreamConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            retries: 2,
            backoff: Duration::from_millis(40),
            max_backoff: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(2),
        },
        breaker_threshold: 3,
        breaker_cool_down: Duration::from_secs(30),
        slow_after: Duration::from_secs(5),
        ..UpstreamConfig::new(url.parse().expect("url"), SecretString::from(TOKEN))
    }
}

/// [`config`] with another number of retries.
pub fn config_with_retries(url: &str, retries: u32) -> UpstreamConfig {
    let mut config = config(url);
    config.retry.retries = retries;
    config
}

/// An adapter built from `config` on a manual clock at [`START`].
pub fn adapter(config: UpstreamConfig) -> (HttpUpstream, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(START));
    let upstream = HttpUpstream::with_clock(config, clock.clone()).expect("client");
    (upstream, clock)
}

/// A stand-in and an adapter pointed at it with [`config`].
pub async fn setup() -> (StandIn, HttpUpstream, Arc<ManualClock>) {
    let stand_in = StandIn::spawn(TOKEN).await;
    let (upstream, clock) = adapter(config(&stand_in.url));
    (stand_in, upstream, clock)
}

/// A valid tenant with domains of its own (`slug.example`, `login.slug.example`).
pub fn tenant(slug: &str, plan: Plan) -> Tenant {
    let main = format!("{slug}.example");
    let login = format!("login.{slug}.example");
    fixtures::tenant(&format!("Tenant {slug}"), slug, plan, &[&main, &login], 0)
}

/// Registers `tenant` and returns its target with the tenant key the upstream issued.
pub async fn register(upstream: &HttpUpstream, tenant: &Tenant) -> UpstreamTarget {
    let target = UpstreamTarget::tenant(tenant.id);
    let registered =
        upstream.register_tenant(&target, &TenantRegistration::of(tenant)).await.expect("registered");
    UpstreamTarget { tenant_key: registered.tenant_key, ..target }
}

/// Fails the test if `text` shows the API key (S27).
pub fn assert_no_secret(text: &str) {
    assert!(!text.contains(TOKEN), "the API key leaked into: {text}");
}
