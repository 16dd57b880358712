//! [`MfaUpstream`] over HTTP (reqwest with rustls), following `docs/upstream.md`: timeouts,
//! jittered retries for calls that may safely run twice, a circuit breaker per upstream, and
//! every call's outcome and latency recorded as that upstream's [`ConnectionStatus`].
//!
//! A tenant pinned to another upstream ([`Endpoint`]) gets that upstream's own breaker and
//! status, so one failing regional cluster does not pause the others. Without
//! `MFA_SYSTEM_API_URL` (or its key) calls to the default upstream answer
//! [`UpstreamError::NotConfigured`]: nothing is invented. Keys travel only in sensitive header
//! values and never appear in errors, logs or `Debug` output (S27).

mod breaker;
mod recorder;
mod retry;
mod transport;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gatehouse_application::ports::{
    AuthLogPage, AuthLogQuery, Check, Clock, ConnectionStatus, Endpoint, FeaturesAck, FeaturesPush,
    MfaUpstream, Registered, TenantRegistration, TenantStats, UpstreamCall, UpstreamError, UpstreamHealth,
    UpstreamTarget, UserPage, check_user_limit,
};
use reqwest::header::HeaderValue;
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use time::Date;
use tokio::task::JoinHandle;

use self::breaker::{Admission, Breaker};
use self::recorder::Recorder;
pub use self::retry::RetryPolicy;
pub use self::transport::CONTRACT_VERSION;
use self::transport::{Attempt, secret_header};
use crate::config::UpstreamSettings;
use crate::system::SystemClock;

/// How often the background health check runs by default.
pub const DEFAULT_HEALTH_INTERVAL: Duration = Duration::from_secs(30);

/// Where the upstream is and how to treat it. [`UpstreamConfig::new`] has the defaults.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// The API base (ends in `/`); `None`: not configured.
    pub base_url: Option<Url>,
    pub api_key: Option<SecretString>,
    /// The original waited 30 s per call. A healthy upstream connects in milliseconds, so 3 s
    /// is generous and a dead host is noticed at once.
    pub connect_timeout: Duration,
    /// 10 s: the largest answer (a 500-entry log page, a year of daily stats) takes well under
    /// a second on a healthy upstream, and three attempts then still fit in the original's
    /// 30 s, so a panel page or a sync worker is never held for minutes.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Failed calls in a row that open the circuit (and make the connection `down`).
    pub breaker_threshold: u32,
    /// How long calls are refused once the circuit is open, before one probe.
    pub breaker_cool_down: Duration,
    /// An answered call slower than this makes the connection `degraded`.
    pub slow_after: Duration,
    /// How many recent calls the status keeps for the history view.
    pub history: usize,
}

impl UpstreamConfig {
    /// The default upstream at `base_url` (a missing final `/` is added when the client is
    /// built, so relative calls keep the whole path).
    pub fn new(base_url: Url, api_key: SecretString) -> Self {
        UpstreamConfig { base_url: Some(base_url), api_key: Some(api_key), ..UpstreamConfig::defaults() }
    }

    /// `MFA_SYSTEM_API_URL` and `MFA_SYSTEM_API_KEY` with the default timeouts and limits.
    pub fn from_settings(settings: &UpstreamSettings) -> Self {
        UpstreamConfig {
            base_url: settings.base_url.clone(),
            api_key: settings.api_key.clone(),
            ..UpstreamConfig::defaults()
        }
    }

    fn defaults() -> Self {
        UpstreamConfig {
            base_url: None,
            api_key: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy {
                retries: 2,
                backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(2),
                max_retry_after: Duration::from_secs(5),
            },
            breaker_threshold: 5,
            breaker_cool_down: Duration::from_secs(30),
            slow_after: Duration::from_secs(2),
            history: 20,
        }
    }
}

/// The HTTP client could not be built (an unusable API key, a TLS set-up failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the MFA upstream client: {0}")]
pub struct ClientError(String);

/// One upstream's breaker and observed status.
#[derive(Debug)]
struct Link {
    base: Url,
    breaker: Mutex<Breaker>,
    recorder: Mutex<Recorder>,
}

/// The default upstream, or why there is none.
enum DefaultUpstream {
    Configured { link: Arc<Link>, auth: HeaderValue },
    Missing { reason: Option<&'static str> },
}

/// The MFA upstream over HTTP. Cheap to share behind an `Arc`; calls run concurrently.
pub struct HttpUpstream {
    client: reqwest::Client,
    config: UpstreamConfig,
    default: DefaultUpstream,
    pinned: Mutex<HashMap<Url, Arc<Link>>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for HttpUpstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = match &self.default {
            DefaultUpstream::Configured { link, .. } => shown(&link.base),
            DefaultUpstream::Missing { .. } => "(not configured)".to_owned(),
        };
        f.debug_struct("HttpUpstream").field("default", &default).finish_non_exhaustive()
    }
}

/// One call of the contract, before it is sent.
struct Call<'a> {
    kind: UpstreamCall,
    method: Method,
    path: &'static str,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    target: Option<&'a UpstreamTarget>,
}

impl HttpUpstream {
    /// A client for `config`, on the real clock. Installs the rustls crypto provider first.
    pub fn new(config: UpstreamConfig) -> Result<Self, ClientError> {
        HttpUpstream::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose breaker and status times come from `clock` (tests move a manual clock).
    pub fn with_clock(config: UpstreamConfig, clock: Arc<dyn Clock>) -> Result<Self, ClientError> {
        crate::wiring::install_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        let default = match (&config.base_url, &config.api_key) {
            (Some(base), Some(key)) => DefaultUpstream::Configured {
                link: Arc::new(Link::new(directory(base.clone()), &config)),
                auth: bearer(key.expose_secret()).ok_or_else(|| {
                    ClientError("MFA_SYSTEM_API_KEY contains characters not allowed in a header".to_owned())
                })?,
            },
            (Some(_), None) => DefaultUpstream::Missing { reason: Some("MFA_SYSTEM_API_KEY is not set") },
            (None, _) => DefaultUpstream::Missing { reason: None },
        };
        Ok(HttpUpstream { client, config, default, pinned: Mutex::new(HashMap::new()), clock })
    }

    /// The upstream of `settings` (not configured when the URL or the key is missing).
    pub fn from_settings(settings: &UpstreamSettings) -> Result<Self, ClientError> {
        HttpUpstream::new(UpstreamConfig::from_settings(settings))
    }

    /// The link and credentials a call to `endpoint` (or the default upstream) uses.
    fn route(&self, endpoint: Option<&Endpoint>) -> Result<(Arc<Link>, HeaderValue), UpstreamError> {
        let Some(endpoint) = endpoint else {
            return match &self.default {
                DefaultUpstream::Configured { link, auth } => Ok((link.clone(), auth.clone())),
                DefaultUpstream::Missing { .. } => Err(UpstreamError::NotConfigured),
            };
        };
        let base = endpoint_url(endpoint)?;
        let auth = bearer(endpoint.api_key.expose()).ok_or_else(|| {
            UpstreamError::InvalidRequest(
                "the endpoint's API key contains characters not allowed in a header".into(),
            )
        })?;
        if let DefaultUpstream::Configured { link, .. } = &self.default
            && link.base == base
        {
            return Ok((link.clone(), auth));
        }
        let mut pinned = lock(&self.pinned);
        let link = pinned.entry(base.clone()).or_insert_with(|| Arc::new(Link::new(base, &self.config)));
        Ok((link.clone(), auth))
    }

    /// Sends `call` through the breaker with its retries, decodes the answer, and records the
    /// outcome on the link.
    async fn exchange<T>(
        &self,
        link: &Link,
        auth: HeaderValue,
        call: Call<'_>,
        decode: impl FnOnce(&[u8]) -> Result<T, UpstreamError>,
    ) -> Result<T, UpstreamError> {
        let url = link.base.join(call.path).map_err(|e| UpstreamError::InvalidRequest(e.to_string()))?;
        let headers = headers(auth, &call)?;
        let admission = lock(&link.breaker)
            .admit(self.clock.now())
            .map_err(|until| UpstreamError::CircuitOpen { until })?;
        let idempotent = call.method != Method::POST;
        let mut attempts = 0;
        let (result, latency) = loop {
            attempts += 1;
            let attempt = Attempt {
                method: call.method.clone(),
                url: url.clone(),
                query: &call.query,
                headers: headers.clone(),
                body: call.body.as_deref(),
            };
            let started = Instant::now();
            let sent = transport::send(&self.client, attempt, self.config.request_timeout).await;
            let latency = started.elapsed();
            match sent {
                Ok(body) => break (decode(&body), latency),
                Err(failure) => {
                    let wait = match admission {
                        Admission::Probe => None,
                        Admission::Normal => self.config.retry.wait(attempts, &failure, idempotent),
                    };
                    let Some(wait) = wait else { break (Err(failure.error), latency) };
                    tracing::debug!(call = call.kind.as_str(), attempts, error = %failure.error, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        };
        self.record(link, call.kind, admission, attempts, latency, result.as_ref().err());
        result
    }

    fn record(
        &self,
        link: &Link,
        kind: UpstreamCall,
        admission: Admission,
        attempts: u32,
        latency: Duration,
        error: Option<&UpstreamError>,
    ) {
        // A refusal (an unknown tenant, a conflict) is an answer: the connection works.
        let failure = error.filter(|e| !matches!(e, UpstreamError::Rejected { .. }));
        let now = self.clock.now();
        lock(&link.breaker).record(admission, failure.is_none(), now);
        if let Some(e) = failure {
            tracing::warn!(call = kind.as_str(), upstream = %shown(&link.base), attempts, error = %e, "MFA upstream call failed");
        }
        let check = Check {
            at: now,
            call: kind,
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            attempts,
            error: failure.map(ToString::to_string),
        };
        lock(&link.recorder).record(check, failure.is_none());
    }

    async fn tenant_call<T>(
        &self,
        call: Call<'_>,
        target: &UpstreamTarget,
        decode: impl FnOnce(&[u8]) -> Result<T, UpstreamError>,
    ) -> Result<T, UpstreamError> {
        let (link, auth) = self.route(target.endpoint.as_ref())?;
        self.exchange(&link, auth, Call { target: Some(target), ..call }, decode).await
    }

    async fn health_at(&self, endpoint: Option<&Endpoint>) -> Result<UpstreamHealth, UpstreamError> {
        let (link, auth) = self.route(endpoint)?;
        let call = Call::get(UpstreamCall::Health, "health/", Vec::new());
        let health: UpstreamHealth = self.exchange(&link, auth, call, json).await?;
        lock(&link.recorder).record_health(&health);
        Ok(health)
    }

    fn snapshot(&self, link: &Link) -> ConnectionStatus {
        let paused = lock(&link.breaker).paused_until(self.clock.now());
        lock(&link.recorder).snapshot(paused)
    }
}

#[async_trait]
impl MfaUpstream for HttpUpstream {
    async fn health(&self) -> Result<UpstreamHealth, UpstreamError> {
        self.health_at(None).await
    }

    async fn health_of(&self, endpoint: &Endpoint) -> Result<UpstreamHealth, UpstreamError> {
        self.health_at(Some(endpoint)).await
    }

    async fn tenant_stats(
        &self,
        target: &UpstreamTarget,
        since: Option<Date>,
    ) -> Result<TenantStats, UpstreamError> {
        let query = since.map(|d| vec![("since", d.to_string())]).unwrap_or_default();
        let call = Call::get(UpstreamCall::TenantStats, "tenant/stats/", query);
        self.tenant_call(call, target, |body| checked_stats(target, json(body)?)).await
    }

    async fn register_tenant(
        &self,
        target: &UpstreamTarget,
        registration: &TenantRegistration,
    ) -> Result<Registered, UpstreamError> {
        same_tenant(target, registration.tenant_id)?;
        let call = Call::send(UpstreamCall::RegisterTenant, Method::POST, "tenant/register/", registration)?;
        self.tenant_call(call, target, json_or_empty).await
    }

    async fn push_features(
        &self,
        target: &UpstreamTarget,
        push: &FeaturesPush,
    ) -> Result<FeaturesAck, UpstreamError> {
        same_tenant(target, push.tenant_id)?;
        let call = Call::send(UpstreamCall::PushFeatures, Method::PUT, "tenant/features/", push)?;
        self.tenant_call(call, target, json_or_empty).await
    }

    async fn users(
        &self,
        target: &UpstreamTarget,
        limit: u32,
        offset: u64,
    ) -> Result<UserPage, UpstreamError> {
        check_user_limit(limit)?;
        let query = vec![("limit", limit.to_string()), ("offset", offset.to_string())];
        self.tenant_call(Call::get(UpstreamCall::Users, "tenant/users/", query), target, json).await
    }

    async fn auth_logs(
        &self,
        target: &UpstreamTarget,
        query: &AuthLogQuery,
    ) -> Result<AuthLogPage, UpstreamError> {
        query.check()?;
        let mut params = vec![("days", query.days.to_string()), ("limit", query.limit.to_string())];
        if let Some(cursor) = &query.cursor {
            params.push(("cursor", cursor.clone()));
        }
        self.tenant_call(Call::get(UpstreamCall::AuthLogs, "tenant/auth-logs/", params), target, json).await
    }

    fn status(&self) -> ConnectionStatus {
        match &self.default {
            DefaultUpstream::Configured { link, .. } => self.snapshot(link),
            DefaultUpstream::Missing { reason } => ConnectionStatus {
                last_error: reason.map(str::to_owned),
                ..ConnectionStatus::not_configured()
            },
        }
    }

    fn status_of(&self, endpoint: &Endpoint) -> ConnectionStatus {
        let base = match endpoint_url(endpoint) {
            Ok(base) => base,
            Err(e) => {
                return ConnectionStatus {
                    last_error: Some(e.to_string()),
                    ..ConnectionStatus::not_configured()
                };
            }
        };
        if let DefaultUpstream::Configured { link, .. } = &self.default
            && link.base == base
        {
            return self.snapshot(link);
        }
        let link = lock(&self.pinned).get(&base).cloned();
        match link {
            Some(link) => self.snapshot(&link),
            None => ConnectionStatus::unknown(Some(shown(&base))),
        }
    }
}

/// Runs `upstream.health()` every `every` in the background, so the status stays current
/// when nothing else calls; abort the handle to stop it.
pub fn spawn_health_checks(upstream: Arc<dyn MfaUpstream>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // The outcome is recorded in the status; failures are logged where they happen.
            let _ = upstream.health().await;
        }
    })
}

impl Link {
    fn new(base: Url, config: &UpstreamConfig) -> Self {
        Link {
            breaker: Mutex::new(Breaker::new(config.breaker_threshold, config.breaker_cool_down)),
            recorder: Mutex::new(Recorder::new(
                shown(&base),
                config.history,
                config.breaker_threshold,
                config.slow_after,
            )),
            base,
        }
    }
}

impl Call<'_> {
    fn get(kind: UpstreamCall, path: &'static str, query: Vec<(&'static str, String)>) -> Self {
        Call { kind, method: Method::GET, path, query, body: None, target: None }
    }

    fn send(
        kind: UpstreamCall,
        method: Method,
        path: &'static str,
        body: &impl serde::Serialize,
    ) -> Result<Self, UpstreamError> {
        let body = serde_json::to_vec(body).map_err(|e| UpstreamError::InvalidRequest(e.to_string()))?;
        Ok(Call { kind, method, path, query: Vec::new(), body: Some(body), target: None })
    }
}

/// The contract's headers plus, for tenant calls, `X-Tenant-ID` and `X-Tenant-Key`.
fn headers(auth: HeaderValue, call: &Call<'_>) -> Result<reqwest::header::HeaderMap, UpstreamError> {
    let mut headers = transport::base_headers(auth, call.body.is_some());
    if let Some(target) = call.target {
        let id = HeaderValue::from_str(&target.tenant.to_string())
            .map_err(|_| UpstreamError::InvalidRequest("the tenant id is not a valid header".into()))?;
        headers.insert("x-tenant-id", id);
        if let Some(key) = &target.tenant_key {
            let value = secret_header(key.expose()).ok_or_else(|| {
                UpstreamError::InvalidRequest(
                    "the tenant key contains characters not allowed in a header".into(),
                )
            })?;
            headers.insert("x-tenant-key", value);
        }
    }
    Ok(headers)
}

fn bearer(key: &str) -> Option<HeaderValue> {
    secret_header(&format!("Bearer {key}"))
}

fn endpoint_url(endpoint: &Endpoint) -> Result<Url, UpstreamError> {
    crate::config::parse_base_url(&endpoint.base_url)
        .map_err(|e| UpstreamError::InvalidRequest(format!("the endpoint URL {}", e.message)))
}

/// `base` ending in `/`: `Url::join` would otherwise replace its last segment.
fn directory(mut base: Url) -> Url {
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}

/// A base URL fit to show: no user name or password in it.
fn shown(base: &Url) -> String {
    let mut url = base.clone();
    // Both fail only for URLs that cannot have credentials, which then have none to hide.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

fn same_tenant(
    target: &UpstreamTarget,
    body_tenant: gatehouse_domain::TenantId,
) -> Result<(), UpstreamError> {
    if target.tenant == body_tenant {
        Ok(())
    } else {
        Err(UpstreamError::InvalidRequest(format!(
            "the body is about tenant {body_tenant} but the call targets {}",
            target.tenant
        )))
    }
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, UpstreamError> {
    serde_json::from_slice(body).map_err(|e| UpstreamError::Malformed(short(&e.to_string())))
}

/// Answers whose fields all have defaults: an empty body (the original's `204`-style answers)
/// reads as `{}`.
fn json_or_empty<T: DeserializeOwned>(body: &[u8]) -> Result<T, UpstreamError> {
    if body.iter().all(u8::is_ascii_whitespace) { json(b"{}") } else { json(body) }
}

/// Stats whose figures make sense: a percentage in range and days whose counters agree.
fn checked_stats(target: &UpstreamTarget, stats: TenantStats) -> Result<TenantStats, UpstreamError> {
    if !(0.0..=100.0).contains(&stats.success_rate) {
        return Err(UpstreamError::Malformed(format!(
            "success_rate {} is not a percentage",
            stats.success_rate
        )));
    }
    for day in stats.daily.iter().flatten() {
        day.to_usage(target.tenant)
            .map_err(|e| UpstreamError::Malformed(format!("the day {}: {}", day.date, e.message)))?;
    }
    Ok(stats)
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
