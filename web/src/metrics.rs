//! `/metrics` in the Prometheus text format, and the HTTP metrics behind it.
//!
//! [`install`] puts a Prometheus recorder behind the `metrics` facade once per process, so the
//! counters recorded anywhere (here, and the hooks of `gatehouse_adapters::metrics`) end up in
//! one exposition. Per request, [`record_request`] counts `http_requests_total{method,route,
//! status}` and times `http_request_duration_seconds{method,route}`, labelled with the *route
//! template* (`/tenants/{tenant}`), never the raw path, so the number of series is bounded by
//! the router; requests no route matched share `route="unmatched"`. At each scrape, database
//! health and the process's vital signs are read from the `SystemProbe` afresh.
//!
//! Who may scrape ([`admit`]): with `GATEHOUSE_METRICS_TOKEN` set, whoever sends
//! `Authorization: Bearer <token>`; without it, only a client on this host (loopback) whose
//! request came through no proxy. The route is on the session middleware's public list
//! because this handler does its own, stricter check (deny by default, S24).

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gatehouse_adapters::metrics::as_f64;
use gatehouse_application::ports::{ComponentStatus, SystemProbe};
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq as _;

use crate::AppState;
use crate::client::ClientInfo;

/// Requests answered, by method, route template and status.
pub const HTTP_REQUESTS: &str = "http_requests_total";
/// Time from receiving a request to its response, by method and route template.
pub const HTTP_DURATION: &str = "http_request_duration_seconds";
/// 1 when the database answered the scrape's round trip, 0 when not.
pub const DATABASE_UP: &str = "gatehouse_database_up";
/// How long that round trip (or the failed attempt) took.
pub const DATABASE_LATENCY: &str = "gatehouse_database_latency_seconds";
/// Time since the server wired its ports.
pub const UPTIME: &str = "gatehouse_uptime_seconds";
/// Resident memory of the process (Linux).
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";

/// The `route` label of requests no route matched (unknown paths: 404).
pub const UNMATCHED: &str = "unmatched";

/// Histogram buckets, in seconds: Prometheus's defaults, from 5 ms to 10 s.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How often histogram samples are folded into their buckets when nobody scrapes, so that
/// memory stays bounded.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Methods that get a label of their own; any other is counted as `other`.
const METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];

/// Headers a proxy adds: a request carrying one did not come from this host directly.
const FORWARDING_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// The process's Prometheus recorder, installed on first use; every later call returns it.
pub fn install() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new().set_buckets(&BUCKETS).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "histogram buckets refused; using summaries");
            PrometheusBuilder::new()
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will stay empty");
        }
        describe();
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new().name("metrics-upkeep".to_owned()).spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                upkeep.run_upkeep();
            }
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no metrics upkeep thread; histograms are folded at scrapes only");
        }
        handle
    })
}

fn describe() {
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route template and status.");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "HTTP request latency by method and route template.");
    describe_gauge!(DATABASE_UP, "1 when the database answered the scrape's round trip, 0 when not.");
    describe_gauge!(DATABASE_LATENCY, Unit::Seconds, "Duration of the scrape's database round trip.");
    describe_gauge!(UPTIME, Unit::Seconds, "Time since the server started.");
    describe_gauge!(RESIDENT_MEMORY, Unit::Bytes, "Resident memory of the process.");
    gatehouse_adapters::metrics::describe();
}

/// The route template that matched `req`, or [`UNMATCHED`].
pub fn route_of<B>(req: &axum::http::Request<B>) -> &str {
    req.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str)
}

/// The `method` label: the standard methods by name, anything else as `other`.
pub fn method_label(method: &Method) -> &'static str {
    METHODS.into_iter().find(|m| *m == method.as_str()).unwrap_or("other")
}

/// Counts and times one answered request.
pub fn record_request(method: &'static str, route: &str, status: StatusCode, latency: Duration) {
    let route = route.to_owned();
    counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status.as_str().to_owned())
        .increment(1);
    histogram!(HTTP_DURATION, "method" => method, "route" => route).record(latency);
}

/// Why a scrape was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A token is configured and the request did not carry it.
    Token,
    /// No token is configured and the request is not local, or came through a proxy.
    NotLocal,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Token => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"gatehouse-metrics\""))],
                "/metrics needs Authorization: Bearer <GATEHOUSE_METRICS_TOKEN>\n",
            )
                .into_response(),
            Refusal::NotLocal => (
                StatusCode::FORBIDDEN,
                "/metrics answers only local requests while GATEHOUSE_METRICS_TOKEN is unset\n",
            )
                .into_response(),
        }
    }
}

/// Whether a scrape from `client_ip` with `headers` may read the metrics (see the module doc).
pub fn admit(token: Option<&SecretString>, client_ip: &str, headers: &HeaderMap) -> Result<(), Refusal> {
    if let Some(token) = token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().as_bytes());
        let expected = token.expose_secret().as_bytes();
        return if presented.is_some_and(|t| bool::from(t.ct_eq(expected))) {
            Ok(())
        } else {
            Err(Refusal::Token)
        };
    }
    let local = client_ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    let forwarded = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
    if local && !forwarded { Ok(()) } else { Err(Refusal::NotLocal) }
}

/// `GET /metrics`: the exposition, with database and process gauges read now.
pub async fn serve(
    State(state): State<AppState>,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = admit(state.settings.metrics_token.as_ref(), &client.ip, &headers) {
        return refusal.into_response();
    }
    let handle = install();
    refresh(state.ports.probe.as_ref()).await;
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], handle.render()).into_response()
}

/// Sets the gauges that are measured at scrape time.
async fn refresh(probe: &dyn SystemProbe) {
    let start = Instant::now();
    let (up, latency) = match probe.database().await {
        ComponentStatus::Up { latency } => (1.0, latency),
        ComponentStatus::Down { .. } | ComponentStatus::NotConfigured => (0.0, start.elapsed()),
    };
    gauge!(DATABASE_UP).set(up);
    gauge!(DATABASE_LATENCY).set(latency);
    let process = probe.process();
    gauge!(UPTIME).set(process.uptime);
    if let Some(bytes) = process.resident_memory_bytes {
        gauge!(RESIDENT_MEMORY).set(as_f64(bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).expect("header"));
        }
        h
    }

    #[test]
    fn without_a_token_only_direct_local_scrapes_get_in() {
        assert_eq!(admit(None, "127.0.0.1", &headers(&[])), Ok(()));
        assert_eq!(admit(None, "::1", &headers(&[])), Ok(()));
        for ip in ["192.0.2.7", "10.0.0.1", "unknown", ""] {
            assert_eq!(admit(None, ip, &headers(&[])), Err(Refusal::NotLocal), "{ip}");
        }
        for h in FORWARDING_HEADERS {
            assert_eq!(
                admit(None, "127.0.0.1", &headers(&[(h, "203.0.113.9")])),
                Err(Refusal::NotLocal),
                "{h}"
            );
        }
    }

    #[test]
    fn with_a_token_everyone_needs_it_local_or_not() {
        let token = SecretString::from("0123456789abcdef0123456789abcdef");
        let t = Some(&token);
        let bearer = |v: &str| headers(&[("authorization", v)]);
        assert_eq!(admit(t, "192.0.2.7", &bearer("Bearer 0123456789abcdef0123456789abcdef")), Ok(()));
        assert_eq!(admit(t, "192.0.2.7", &bearer("bearer 0123456789abcdef0123456789abcdef")), Ok(()));
        for wrong in
            ["Bearer 0123456789abcdef0123456789abcdeX", "Bearer 0123", "Basic 0123456789abcdef", "Bearer", ""]
        {
            assert_eq!(admit(t, "127.0.0.1", &bearer(wrong)), Err(Refusal::Token), "{wrong:?}");
        }
        assert_eq!(admit(t, "127.0.0.1", &headers(&[])), Err(Refusal::Token), "local is not enough");
    }

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"PURGE").expect("method")), "other");
    }
}
