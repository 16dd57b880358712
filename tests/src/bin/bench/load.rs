//! The load generator: `connections` tasks on the load runtime, each with its own HTTP client
//! holding one keep-alive connection and sending one request at a time, for a fixed time. Every
//! measured request's latency is kept; non-2xx answers and transport failures are errors.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderValue, USER_AGENT};

/// Which pages a scenario asks for.
#[derive(Debug, Clone)]
pub enum Target {
    /// The same path every time.
    Fixed(String),
    /// `prefix` + one of `choices`, at random.
    OneOf { prefix: String, choices: Arc<Vec<String>> },
}

impl Target {
    fn path(&self, rng: &mut u64) -> String {
        match self {
            Target::Fixed(path) => path.clone(),
            Target::OneOf { prefix, choices } => {
                let n = u64::try_from(choices.len()).unwrap_or(1).max(1);
                let i = usize::try_from(splitmix64(rng) % n).unwrap_or(0);
                format!("{prefix}{}", choices.get(i).map_or("", String::as_str))
            }
        }
    }
}

/// How a scenario's requests prove who sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// The logged-in owner's session cookie, as a browser sends it (the panel).
    Session,
    /// `Authorization: Bearer` with the operator API key (the JSON API).
    ApiKey,
}

/// One page under load.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub target: Target,
    pub credentials: Credentials,
}

/// How to drive load.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base: String,
    /// The logged-in owner's `Cookie` header and `User-Agent` (the session is bound to it).
    pub cookie: String,
    pub user_agent: String,
    /// An operator API key of every scope, for [`Credentials::ApiKey`].
    pub api_key: String,
    pub connections: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

/// What one scenario measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies of measured requests in microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Answers that were not 2xx, by status; `0` for transport failures.
    pub errors: BTreeMap<u16, u64>,
    /// Wall time of the measured window.
    pub seconds: f64,
}

impl Outcome {
    pub fn errors_total(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The latency at quantile `q` (0..=1) in milliseconds, nearest rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        #[expect(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "an index into at most a few million samples"
        )]
        let rank = ((q * self.latencies_us.len() as f64).ceil() as usize).clamp(1, self.latencies_us.len());
        micros_to_ms(self.latencies_us[rank - 1])
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies_us.last().copied().map_or(0.0, micros_to_ms)
    }

    pub fn mean_ms(&self) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        #[expect(clippy::cast_precision_loss, reason = "sums of microseconds far below 2^52")]
        let mean = self.latencies_us.iter().sum::<u64>() as f64 / self.latencies_us.len() as f64;
        mean / 1000.0
    }

    /// Completed requests (errors included) per second of the measured window.
    pub fn requests_per_second(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "request counts far below 2^52")]
        let count = self.latencies_us.len() as f64;
        if self.seconds > 0.0 { count / self.seconds } else { 0.0 }
    }
}

#[expect(clippy::cast_precision_loss, reason = "latencies far below 2^52 µs")]
fn micros_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Runs `scenario` on the load runtime `load`: a warm-up, then the measured window.
pub async fn run(
    load: &tokio::runtime::Handle,
    settings: &Settings,
    scenario: &Scenario,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let measure_from = started + settings.warmup;
    let until = measure_from + settings.measure;
    let mut workers = Vec::with_capacity(settings.connections);
    for index in 0..settings.connections {
        let client = client(settings, scenario.credentials)?;
        let (base, target) = (settings.base.clone(), scenario.target.clone());
        let mut rng = 0x5eed_u64 ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        workers.push(load.spawn(async move {
            let mut outcome = Outcome::default();
            loop {
                let sent = Instant::now();
                if sent >= until {
                    break;
                }
                let url = format!("{base}{}", target.path(&mut rng));
                let status = match client.get(url).send().await {
                    Ok(response) => {
                        let status = response.status();
                        // The whole body is part of the answer's latency.
                        match response.bytes().await {
                            Ok(_) if status.is_success() => None,
                            Ok(_) => Some(status.as_u16()),
                            Err(_) => Some(0),
                        }
                    }
                    Err(_) => Some(0),
                };
                if sent >= measure_from {
                    let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                    outcome.latencies_us.push(micros);
                    if let Some(status) = status {
                        *outcome.errors.entry(status).or_default() += 1;
                    }
                }
            }
            outcome
        }));
    }
    let mut total = Outcome::default();
    for worker in workers {
        let part = worker.await.context("a load task panicked")?;
        total.latencies_us.extend(part.latencies_us);
        for (status, n) in part.errors {
            *total.errors.entry(status).or_default() += n;
        }
    }
    // The window ends when the last request sent before its end has been answered.
    total.seconds = Instant::now().saturating_duration_since(measure_from).as_secs_f64();
    total.latencies_us.sort_unstable();
    Ok(total)
}

/// A client of one connection: the credentials on every request, redirects not followed
/// (a redirect to /login means the session was lost, and counts as an error).
fn client(settings: &Settings, credentials: Credentials) -> anyhow::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(USER_AGENT, HeaderValue::from_str(&settings.user_agent)?);
    match credentials {
        Credentials::Session => headers.insert(COOKIE, HeaderValue::from_str(&settings.cookie)?),
        Credentials::ApiKey => {
            headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {}", settings.api_key))?)
        }
    };
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .http1_only()
        .build()?)
}

/// SplitMix64 as a tiny PRNG: picks tenants, needs no crate.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
