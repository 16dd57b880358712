//! Who is calling the API: the bearer key (S29), its rate limit, and the audit of its denials.
//!
//! [`middleware`] runs before every API route but the public ones: it takes the key from
//! `Authorization: Bearer` only (a key in the query string is not looked at), asks the use case
//! whether it is valid, applies the key's rate limit, and hands the handlers a [`Caller`]. The
//! session cookie never authenticates an API call: the API has no ambient credentials, so it
//! needs no CSRF token.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_application::session_support::Client;
use gatehouse_application::{authenticate_api_key, record_denial};
use gatehouse_domain::{Actor, TenantScope};
use governor::middleware::StateInformationMiddleware;
use governor::{Quota, RateLimiter};
use uuid::Uuid;

use crate::AppState;
use crate::client::ClientInfo;
use crate::errors::{AppError, ErrorInfo};

/// The authenticated caller of an API request, in the request extensions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub key_id: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(AppError::InvalidKey)
    }
}

/// The API routes anyone may read: the OpenAPI document.
pub fn is_public(path: &str) -> bool {
    path == super::OPENAPI_PATH
}

/// The presented key of `headers`: `Authorization: Bearer <key>`, nothing else.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim()).filter(|k| !k.is_empty())
}

/// Authenticates, rate-limits and (after the handler) audits denials of every API request.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let client =
        req.extensions().get::<ClientInfo>().map_or_else(|| Client::new("unknown", ""), |c| c.0.clone());
    let principal = match bearer(req.headers()) {
        None => None,
        Some(key) => match principal(&state, key, &client).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
    };
    let Some(principal) = principal else {
        return AppError::InvalidKey.into_response();
    };
    let limit = match state.web.api_limits.check(&state, &principal).await {
        Ok(limit) => limit,
        Err(e) => return e.into_response(),
    };
    let caller = Caller { actor: principal.actor, key_id: principal.key_id };
    let action = format!("{} {}", req.method(), req.uri().path());
    req.extensions_mut().insert(caller.clone());
    let mut response = next.run(req).await;
    if let Some(denied) = response.extensions().get::<ErrorInfo>().and_then(|i| i.denied.clone()) {
        let (ip, agent) = (&client.ip, &client.user_agent);
        if let Err(e) = record_denial::run(&state.ports, &caller.actor, &denied, &action, ip, agent).await {
            tracing::error!(error = %e, "could not audit a permission denial");
        }
    }
    limit.write_headers(response.headers_mut());
    response.extensions_mut().insert(caller);
    response
}

/// A valid key: who it acts as, and what its rate limit is made of.
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub key_id: Uuid,
    /// The key's own rate, if it names one.
    pub rate_per_minute: Option<u32>,
}

/// The principal of a presented key, or `None` when the key is unknown, expired or revoked
/// (the use case audits the use of a known refused key).
async fn principal(state: &AppState, key: &str, client: &Client) -> Result<Option<Principal>, AppError> {
    match authenticate_api_key::run(&state.ports, key, client).await? {
        Ok(p) => Ok(Some(Principal {
            actor: p.actor,
            key_id: p.key.id.as_uuid(),
            rate_per_minute: p.key.rate_per_minute,
        })),
        Err(refused) => {
            tracing::info!(reason = ?refused, "API key refused");
            Ok(None)
        }
    }
}

/// The requests per minute an operator key gets when it names no rate of its own.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 1_200;

/// A rate limiter that reads the application's clock, so tests can move time.
type KeyLimiter = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    PortClock,
    StateInformationMiddleware,
>;

/// The application's [`Clock`](gatehouse_application::ports::Clock) as governor's clock: time
/// since the Unix epoch.
#[derive(Clone)]
struct PortClock(Arc<dyn gatehouse_application::ports::Clock>);

impl governor::clock::Clock for PortClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        let nanos = (self.0.now() - time::OffsetDateTime::UNIX_EPOCH).whole_nanoseconds();
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
    }
}

/// One limiter per API key, made on the key's first request with the key's quota: its own
/// rate, else its tenant's plan rate for a key restricted to one tenant, else the default.
#[derive(Default)]
pub struct ApiLimits {
    limiters: Mutex<HashMap<Uuid, Arc<KeyLimiter>>>,
}

impl std::fmt::Debug for ApiLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiLimits { .. }")
    }
}

/// Where a request stands against its key's limit, for the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy)]
pub struct LimitState {
    limit: u32,
    remaining: u32,
    /// Seconds until the allowance is full again.
    reset: u64,
}

impl LimitState {
    fn write_headers(self, headers: &mut HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset));
        if let Ok(policy) = HeaderValue::from_str(&format!("{};w=60", self.limit)) {
            headers.insert("ratelimit-policy", policy);
        }
    }
}

impl ApiLimits {
    /// Takes one request from the key's allowance, or says how long to wait.
    async fn check(&self, state: &AppState, principal: &Principal) -> Result<LimitState, AppError> {
        let id = principal.key_id;
        let existing = self.limiters.lock().map_err(|_| poisoned())?.get(&id).cloned();
        let limiter = if let Some(l) = existing {
            l
        } else {
            {
                let rate = rate_of(state, principal).await?;
                let per_minute = NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN);
                let limiter = Arc::new(
                    RateLimiter::direct_with_clock(
                        Quota::per_minute(per_minute),
                        PortClock(Arc::clone(&state.ports.clock)),
                    )
                    .with_middleware::<StateInformationMiddleware>(),
                );
                let mut map = self.limiters.lock().map_err(|_| poisoned())?;
                Arc::clone(map.entry(id).or_insert(limiter))
            }
        };
        match limiter.check() {
            Ok(snapshot) => {
                let limit = snapshot.quota().burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                let per_cell = snapshot.quota().replenish_interval();
                let reset = per_cell.saturating_mul(limit - remaining).as_secs_f64().ceil();
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "whole seconds ≥ 0"
                )]
                Ok(LimitState { limit, remaining, reset: reset as u64 })
            }
            Err(not_until) => {
                let now = governor::clock::Clock::now(&PortClock(Arc::clone(&state.ports.clock)));
                Err(AppError::RateLimited { retry_after: not_until.wait_time_from(now).as_secs() + 1 })
            }
        }
    }

    /// Forgets a key's limiter (when it is revoked), so the map holds live keys only.
    pub fn forget(&self, key: Uuid) {
        if let Ok(mut map) = self.limiters.lock() {
            map.remove(&key);
        }
    }
}

fn poisoned() -> AppError {
    AppError::Internal("the API rate limiter's lock is poisoned".to_owned())
}

/// The key's requests per minute.
async fn rate_of(state: &AppState, principal: &Principal) -> Result<u32, AppError> {
    if let Some(rate) = principal.rate_per_minute {
        return Ok(rate);
    }
    if let TenantScope::Only(tenants) = &principal.actor.scope
        && let [tenant] = tenants.iter().collect::<Vec<_>>()[..]
    {
        let found = state.ports.tenants.get(*tenant).await.map_err(gatehouse_application::Error::from)?;
        if let Some(t) = found {
            return Ok(t.features.quotas.api_requests_per_minute);
        }
    }
    Ok(DEFAULT_RATE_PER_MINUTE)
}
