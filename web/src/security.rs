//! Middleware every response goes through: security headers (S23), a panic turned into a
//! plain 500 instead of a dropped connection (S25), and request tracing.
//!
//! The content security policy forbids inline script and style, so the panel must serve its
//! assets from files (see ARCHITECTURE.md). HSTS joins when TLS settings arrive.

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The policy: only this origin, no plugins, no framing, no `<base>` tricks.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/// Browser features the panel never needs.
pub const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// Headers (lower-case names) set on every response unless a handler set them itself.
pub const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", PERMISSIONS_POLICY),
    ("cross-origin-opener-policy", "same-origin"),
];

/// Wraps `router` in the middleware every route shares.
pub fn layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    // Innermost first: a panic becomes a 500 that still gets the headers and is traced.
    let mut router = router.layer(CatchPanicLayer::new());
    for (name, value) in HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    router.layer(TraceLayer::new_for_http())
}
