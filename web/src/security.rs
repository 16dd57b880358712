//! Middleware every response goes through, errors included:
//! - security headers (S23), HSTS when served over TLS, `Cache-Control: no-store` unless a
//!   route (static files) says otherwise (S21);
//! - a request id on every request and response (`x-request-id`), shown on error pages (S25);
//! - panics turned into a 500 page instead of a dropped connection (S25);
//! - the client address behind trusted proxies and the login burst limit (S14);
//! - request tracing that records the path but never the query string, which may hold the
//!   one-time set-up token (S27).
//!
//! The content security policy forbids inline script and style, so the panel serves its
//! stylesheet from a file (see [`crate::assets`]).

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::{AppState, client, csrf, errors, rate_limit};

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

/// Wraps `router` in the middleware every route shares.
pub fn layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
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
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}
