//! Middleware every response goes through, errors included:
//! - security headers (S23), HSTS when served over TLS, `Cache-Control: no-store` unless a
//!   route (static files) says otherwise (S21);
//! - a request id on every request and response (`x-request-id`), shown on error pages (S25);
//! - panics turned into a 500 page instead of a dropped connection (S25);
//! - the client address behind trusted proxies and the login burst limit (S14);
//! - request metrics ([`crate::metrics`]) and structured request logs: one span per request
//!   with `request_id`, `method`, `route` (the template), `path`, `tenant` where the route
//!   names one, and `status` and `latency_ms` once answered. Never the query string (it may
//!   hold the one-time set-up token), cookies, the `Authorization` header or bodies (S27).
//!
//! The content security policy forbids inline script and style, so the panel serves its
//! stylesheet from a file (see [`crate::assets`]).

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Empty;

use crate::{AppState, client, csrf, errors, metrics, rate_limit};

/// The policy: only this origin, no plugins, no framing, no `<base>` tricks.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/// Browser features the panel never needs.
pub const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// HSTS, sent only when Gatehouse is served over TLS (S23).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Headers (lower-case names) set on every response unless a handler set them itself.
pub const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", PERMISSIONS_POLICY),
    ("cross-origin-opener-policy", "same-origin"),
];

/// The request id header.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Routes machines poll every few seconds: their successful answers are logged at `debug`,
/// so that probes and scrapes do not drown the log.
const MACHINE_ROUTES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The longest tenant reference a log line carries (ids are 36 characters, slugs at most 63).
const TENANT_MAX_CHARS: usize = 64;

/// Wraps `router` in the middleware every route shares.
pub fn layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    metrics::install();
    // `layer` wraps what is already there: innermost first.
    let mut router = router
        .layer(axum::middleware::from_fn_with_state(state.clone(), rate_limit::middleware))
        .layer(axum::middleware::from_fn_with_state(state.clone(), client::middleware))
        .layer(DefaultBodyLimit::max(csrf::BODY_LIMIT))
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(axum::middleware::from_fn(errors::middleware))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ));
    for (name, value) in HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    if state.web.secure {
        router = router.layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ));
    }
    // `Router::layer` wraps each route after routing, so these see the matched route template.
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn(observe))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(()))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// The span every event of a request is logged in; `status` and `latency_ms` are filled in by
/// [`observe`]. Only the path is recorded, never the query string (S27).
fn request_span<B>(req: &axum::http::Request<B>) -> Span {
    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    let route = metrics::route_of(req);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route,
        path = %req.uri().path(),
        tenant = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    if let Some(tenant) = tenant_of(route, req.uri().path()) {
        span.record("tenant", tenant);
    }
    span
}

/// Measures each request once, for its metrics and its closing log line.
async fn observe(req: Request, next: Next) -> Response {
    let method = metrics::method_label(req.method());
    let route = metrics::route_of(&req).to_owned();
    let start = Instant::now();
    let response = next.run(req).await;
    let latency = start.elapsed();
    let status = response.status();
    metrics::record_request(method, &route, status, latency);
    let span = Span::current();
    span.record("status", status.as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    if MACHINE_ROUTES.contains(&route.as_str()) && status == StatusCode::OK {
        tracing::debug!("request finished");
    } else {
        tracing::info!("request finished");
    }
    response
}

/// The tenant a route names: the path segment where the template has a parameter right after a
/// `tenants` segment (`/tenants/{tenant}/plan`, `/api/v1/tenants/{tenant}`), as given (an id
/// or a slug, still percent-encoded), cut to [`TENANT_MAX_CHARS`].
pub fn tenant_of<'a>(route: &str, path: &'a str) -> Option<&'a str> {
    let template: Vec<&str> = route.split('/').collect();
    let position = template
        .windows(2)
        .position(|pair| pair[0] == "tenants" && pair[1].starts_with('{') && !pair[1].starts_with("{*"))?;
    let segment = path.split('/').nth(position + 1).filter(|s| !s.is_empty())?;
    Some(segment.char_indices().nth(TENANT_MAX_CHARS).map_or(segment, |(end, _)| &segment[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_is_the_parameter_after_tenants_in_the_template() {
        assert_eq!(tenant_of("/tenants/{tenant}", "/tenants/acme"), Some("acme"));
        assert_eq!(tenant_of("/tenants/{tenant}/plan", "/tenants/acme-corp/plan"), Some("acme-corp"));
        let id = "0190f5c2-7d1e-7b3a-9c4d-1e2f3a4b5c6d";
        assert_eq!(tenant_of("/api/v1/tenants/{tenant}", &format!("/api/v1/tenants/{id}")), Some(id));
        assert_eq!(tenant_of("/api/v1/tenants/{id}/domains", "/api/v1/tenants/x%20y/domains"), Some("x%20y"));
        for (route, path) in [
            ("/tenants", "/tenants"),
            ("/tenants/new", "/tenants/new"),
            ("/tenants/bulk", "/tenants/bulk"),
            ("/admins/{id}/sessions", "/admins/42/sessions"),
            ("/static/{file}", "/static/tenants"),
            (metrics::UNMATCHED, "/tenants/acme/unknown"),
        ] {
            assert_eq!(tenant_of(route, path), None, "{route}");
        }
        let long = "a".repeat(500);
        assert_eq!(
            tenant_of("/tenants/{tenant}", &format!("/tenants/{long}")).map(str::len),
            Some(TENANT_MAX_CHARS)
        );
    }
}
