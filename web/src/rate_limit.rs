//! A burst limit per client address on the login and set-up routes (S14): past it, 429 with
//! `Retry-After`. It sits in front of the per-account lockout (which lives in the database and
//! holds across instances); this one is per process and only blunts floods.

use std::fmt;
use std::num::NonZeroU32;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;
use crate::client::ClientInfo;

/// How many requests a client may make at once, and how fast the allowance refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurstLimit {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for BurstLimit {
    /// Thirty at once, then one every two seconds: far above a person, far below a script.
    fn default() -> Self {
        BurstLimit { burst: 30, per_minute: 30 }
    }
}

/// The keyed limiter (client address → allowance).
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Limiter { .. }")
    }
}

impl Limiter {
    pub fn new(limit: BurstLimit) -> Self {
        let one = NonZeroU32::MIN;
        let quota = Quota::per_minute(NonZeroU32::new(limit.per_minute).unwrap_or(one))
            .allow_burst(NonZeroU32::new(limit.burst).unwrap_or(one));
        Limiter { inner: RateLimiter::keyed(quota) }
    }

    /// `Ok` if `key` may go on, else how many whole seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.inner.len() > 10_000 {
            self.inner.retain_recent();
        }
        self.inner
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()).as_secs() + 1)
    }
}

/// Whether `path` is one of the limited routes.
pub fn is_limited(path: &str) -> bool {
    ["/login", "/setup"]
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// Applies the limit to `/login*` and `/setup*`.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_limited(req.uri().path()) {
        let ip = req.extensions().get::<ClientInfo>().map(|c| c.0.ip.clone()).unwrap_or_default();
        if let Err(wait) = state.web.limiter.check(&ip) {
            tracing::warn!(client = %ip, "login burst limit reached");
            let mut response =
                (StatusCode::TOO_MANY_REQUESTS, "Too many requests. Please wait and try again.")
                    .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            return response;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_login_and_setup_only() {
        assert!(is_limited("/login") && is_limited("/login/2fa") && is_limited("/setup"));
        assert!(!is_limited("/loginx") && !is_limited("/") && !is_limited("/admins"));
    }

    #[test]
    fn a_burst_then_retry_after() {
        let l = Limiter::new(BurstLimit { burst: 2, per_minute: 1 });
        assert!(l.check("a").is_ok() && l.check("a").is_ok());
        assert!(l.check("a").expect_err("limited") >= 1);
        assert!(l.check("b").is_ok(), "per client");
    }
}
