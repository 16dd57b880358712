//! The load generator: virtual clients ([`Worker`]s) as tasks on a runtime, each doing one
//! operation at a time for a fixed time, every measured operation's latency kept. Pages
//! ([`Scenario`]s) are one kind of operation: each of `connections` clients holds one keep-alive
//! connection and sends one request at a time; non-2xx answers and transport failures are errors.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, HeaderValue, USER_AGENT};

use crate::outcome::{Failure, Outcome};

/// One virtual client: one operation at a time, again and again until the run ends.
pub trait Worker: Send + 'static {
    fn once(&mut self) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// An unmeasured warm-up, then the measured window.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub measure: Duration,
}

/// What becomes of the operations still running when the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every operation started within the window is awaited and measured, and the window ends
    /// with the last of them: for pages, which take milliseconds.
    Drain,
    /// Operations still running at the end are dropped, and the window measures those that
    /// ended within it. For work that queues behind argon2 (a login takes a tenth of a second
    /// under a storm, seconds in a debug build): the run keeps to its time, and counting by
    /// start would miss a login's worth of the window at each end.
    Cut,
}

/// Runs `workers` on `runtime`: the warm-up, then the measured window.
pub async fn drive<W: Worker>(
    runtime: &tokio::runtime::Handle,
    timing: Timing,
    ending: Ending,
    workers: Vec<W>,
) -> anyhow::Result<Outcome> {
    let measure_from = Instant::now() + timing.warmup;
    let until = measure_from + timing.measure;
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|mut worker| {
            runtime.spawn(async move {
                let mut outcome = Outcome::default();
                loop {
                    let sent = Instant::now();
                    if sent >= until {
                        break;
                    }
                    let result = match ending {
                        Ending::Drain => worker.once().await,
                        Ending::Cut => match tokio::time::timeout_at(until.into(), worker.once()).await {
                            Ok(result) => result,
                            Err(_) => break,
                        },
                    };
                    let ended = Instant::now();
                    if (if ending == Ending::Drain { sent } else { ended }) >= measure_from {
                        outcome
                            .latencies_us
                            .push(u64::try_from((ended - sent).as_micros()).unwrap_or(u64::MAX));
                        if let Err(failure) = result {
                            *outcome.errors.entry(failure).or_default() += 1;
                        }
                    }
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for task in tasks {
        total.merge(task.await.context("a load task panicked")?);
    }
    let end = if ending == Ending::Drain { Instant::now() } else { until };
    total.finish(end.saturating_duration_since(measure_from).as_secs_f64());
    Ok(total)
}

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
    /// None: the worker sends its own (the login storm keeps each visitor's cookies).
    Anonymous,
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

impl Settings {
    pub fn timing(&self) -> Timing {
        Timing { warmup: self.warmup, measure: self.measure }
    }

    /// A client of one keep-alive connection with `credentials` on every request, redirects
    /// not followed (a redirect to /login means the session was lost, and counts as an error).
    pub fn client(&self, credentials: Credentials) -> anyhow::Result<reqwest::Client> {
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_str(&self.user_agent)?);
        match credentials {
            Credentials::Session => {
                headers.insert(COOKIE, HeaderValue::from_str(&self.cookie)?);
            }
            Credentials::ApiKey => {
                let bearer = HeaderValue::from_str(&format!("Bearer {}", self.api_key))?;
                headers.insert(AUTHORIZATION, bearer);
            }
            Credentials::Anonymous => {}
        }
        Ok(reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .http1_only()
            .build()?)
    }
}

/// A client asking for one scenario's pages.
struct Visitor {
    client: reqwest::Client,
    base: String,
    target: Target,
    rng: u64,
}

impl Worker for Visitor {
    async fn once(&mut self) -> Result<(), Failure> {
        let url = format!("{}{}", self.base, self.target.path(&mut self.rng));
        let response = self.client.get(url).send().await.map_err(|_| Failure::Transport)?;
        let status = response.status();
        // The whole body is part of the answer's latency.
        response.bytes().await.map_err(|_| Failure::Transport)?;
        if status.is_success() { Ok(()) } else { Err(Failure::Status(status.as_u16())) }
    }
}

/// Runs `scenario` on the load runtime `load` with `settings.connections` clients.
pub async fn run(
    load: &tokio::runtime::Handle,
    settings: &Settings,
    scenario: &Scenario,
) -> anyhow::Result<Outcome> {
    let visitors = (0..settings.connections)
        .map(|index| {
            Ok(Visitor {
                client: settings.client(scenario.credentials)?,
                base: settings.base.clone(),
                target: scenario.target.clone(),
                rng: 0x5eed_u64 ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    drive(load, settings.timing(), Ending::Drain, visitors).await
}

/// SplitMix64 as a tiny PRNG: picks tenants, needs no crate.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
