//! The `argon2_ceiling` figure: how many password verifications a second the server's own
//! hasher (`Argon2Hasher` as wired: argon2id with the pinned parameters on the blocking pool,
//! at most one per core at once) completes when many tasks ask at once. A login costs one
//! verification, so no login storm can be faster; the storm is judged against it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_application::Ports;
use gatehouse_application::ports::{PasswordHasher, SecretString};

use crate::load::{self, Ending, Timing, Worker, drive};
use crate::outcome::{Failure, Outcome};
use crate::process::{CpuTimes, HASHING_THREADS};
use crate::report::Report;

/// The ceiling's figure.
pub const CEILING: &str = "argon2_ceiling";

/// At most this long a ceiling measurement (it needs no more to settle).
const CEILING_SECONDS: Duration = Duration::from_secs(5);

/// One task verifying the right password against a real hash, again and again.
struct Verifier {
    hasher: Arc<dyn PasswordHasher>,
    password: SecretString,
    phc: String,
}

impl Worker for Verifier {
    async fn once(&mut self) -> Result<(), Failure> {
        if self.hasher.verify(&self.password, &self.phc).await {
            Ok(())
        } else {
            Err(Failure::Other("refused"))
        }
    }
}

/// `concurrency` tasks verifying `password` against its hash `phc` with the server's hasher, on
/// the server's runtime (whose blocking pool hashes for the server too).
async fn ceiling(
    ports: &Ports,
    password: &str,
    phc: &str,
    timing: Timing,
    concurrency: usize,
) -> anyhow::Result<Outcome> {
    let verifiers = (0..concurrency)
        .map(|_| Verifier {
            hasher: ports.passwords.clone(),
            password: SecretString::new(password),
            phc: phc.to_owned(),
        })
        .collect();
    drive(&tokio::runtime::Handle::current(), timing, Ending::Cut, verifiers).await
}

/// Measures the ceiling and reports it as `name` ([`CEILING`], or a storm's ceiling after it,
/// see [`crate::login`]): the server's hasher verifying `phc` from as many tasks as the storm has
/// connections, for at most `CEILING_SECONDS` after the warm-up.
#[expect(clippy::cast_precision_loss, reason = "a handful of counts")]
pub async fn figures(
    name: &str,
    ports: &Ports,
    password: &str,
    phc: &str,
    settings: &load::Settings,
    report: &mut Report,
) -> anyhow::Result<Outcome> {
    let timing = Timing { warmup: settings.warmup, measure: settings.measure.min(CEILING_SECONDS) };
    let (cpu_before, wall) = (CpuTimes::now(), Instant::now());
    let ceiling = ceiling(ports, password, phc, timing, settings.connections).await?;
    let (spent, wall) = (CpuTimes::now().since(&cpu_before), wall.elapsed().as_secs_f64());
    report.figure(name, ceiling.per_second(), "verifications/s");
    report.figure(format!("{name}.verifications"), ceiling.latencies_us.len() as f64, "count");
    // Below 100 % per core of the limit, something else had the CPU.
    report.figure(format!("{name}.process_cpu_share"), 100.0 * spent.process / wall, "% of one core");
    // A storm's `cpu_per_login.gh-argon2` against this tells what the hash itself lost to the
    // threads around it (the CPU was read over the warm-up too, hence the rate).
    let verifications = ceiling.at_this_rate_over(wall);
    if verifications > 0.0 {
        let ms = 1000.0 * spent.group(HASHING_THREADS) / verifications;
        report.figure(format!("{name}.cpu_per_verification"), ms, "ms");
    }
    if name == CEILING {
        report.figure(format!("{CEILING}.concurrency"), settings.connections as f64, "count");
        // `Argon2Hasher::new`'s limit, which the wiring uses.
        let limit = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        report.figure(format!("{CEILING}.hasher_limit"), limit as f64, "count");
    }
    Ok(ceiling)
}
