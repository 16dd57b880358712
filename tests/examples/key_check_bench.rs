//! A hand-run benchmark of the per-request API key check (`authenticate_api_key::run`: the
//! keyed hash, one indexed read, no write on a key used within the minute), on SQLite and,
//! when `GATEHOUSE_TEST_DATABASE_URL` is set, PostgreSQL:
//!
//! ```text
//! GATEHOUSE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!   cargo run --release -p gatehouse-tests --example key_check_bench
//! ```
//!
//! A benchmark, not a test: it reports checks per second and latency percentiles with
//! `GATEHOUSE_BENCH_TASKS` concurrent callers (default 32) for `GATEHOUSE_BENCH_SECONDS`
//! (default 5), and fails only if a check fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_application::authenticate_api_key;
use gatehouse_application::manage_api_keys::{self, CreateApiKey};
use gatehouse_application::session_support::Client;
use gatehouse_domain::{Actor, Permission};
use gatehouse_tests::app::{Backend, spawn_app};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn bench(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let request = CreateApiKey {
        name: "bench".into(),
        scopes: [Permission::TenantsView].into(),
        ..CreateApiKey::default()
    };
    let (_, text) = manage_api_keys::create(&app.ports, &Actor::cli("bench"), request).await.expect("key");
    let key: Arc<str> = text.expose().into();
    let (tasks, seconds) = (setting("GATEHOUSE_BENCH_TASKS", 32), setting("GATEHOUSE_BENCH_SECONDS", 5));
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (ports, key) = (app.ports.clone(), Arc::clone(&key));
        handles.push(tokio::spawn(async move {
            let client = Client::new("203.0.113.9", "bench");
            let mut took = Vec::new();
            while Instant::now() < until {
                let start = Instant::now();
                let verdict = authenticate_api_key::run(&ports, &key, &client).await.expect("checked");
                assert!(verdict.is_ok(), "the key is accepted");
                took.push(start.elapsed());
            }
            took
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("join"));
    }
    all.sort_unstable();
    let at = |q: usize| all.get(all.len() * q / 100).copied().unwrap_or_default();
    #[expect(clippy::cast_precision_loss, reason = "a report")]
    let per_second = all.len() as f64 / seconds as f64;
    println!(
        "{backend:?}: {} checks in {seconds} s with {tasks} tasks = {per_second:.0}/s; p50 {:?}, p99 {:?}",
        all.len(),
        at(50),
        at(99)
    );
}

#[tokio::main]
async fn main() {
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
