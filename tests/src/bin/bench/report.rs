//! The figures: printed one a line (`name: value unit`) and written as JSON to
//! `target/bench/<db>-<timestamp>.json` with the commit, database, sizes and load settings.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context as _;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::options::Options;
use crate::outcome::Outcome;
use crate::process::{CpuTimes, LOAD_THREADS};

/// What a scenario's operations are called in its figures.
#[derive(Debug, Clone, Copy)]
pub struct Ops {
    /// The count's figure, `<name>.<count>`.
    pub count: &'static str,
    /// The rate's figure, `<name>.<rate>`, and its unit.
    pub rate: &'static str,
    pub unit: &'static str,
}

/// Pages: requests.
pub const REQUESTS: Ops = Ops { count: "requests", rate: "requests_per_s", unit: "req/s" };
/// Whole logins (password and code, each page fetched first).
pub const LOGINS: Ops = Ops { count: "logins", rate: "logins_per_s", unit: "logins/s" };

/// Figures in the order they were taken, plus details for the JSON file only.
#[derive(Debug, Default)]
pub struct Report {
    figures: Vec<(String, f64, &'static str)>,
    details: Map<String, Value>,
}

impl Report {
    /// Records and prints one figure.
    pub fn figure(&mut self, name: impl Into<String>, value: f64, unit: &'static str) {
        let name = name.into();
        println!("{name}: {value:.prec$} {unit}", prec = if unit == "count" { 0 } else { 3 });
        self.figures.push((name, value, unit));
    }

    /// Records a value for the JSON file.
    pub fn detail(&mut self, name: &str, value: Value) {
        self.details.insert(name.to_owned(), value);
    }

    /// The figures of one page (or other operation) under load, with the CPU it cost over its
    /// whole run (warm-up included).
    pub fn scenario(&mut self, name: &str, ops: Ops, outcome: &Outcome, cpu: &CpuTimes, wall: f64) {
        self.operations(name, ops, outcome);
        let load = cpu.group(LOAD_THREADS);
        self.figure(format!("{name}.loadgen_cpu"), load, "s");
        self.figure(format!("{name}.loadgen_cpu_share"), 100.0 * load / wall, "% of one core");
        self.figure(format!("{name}.rest_of_process_cpu"), cpu.process - load, "s");
        let groups: Map<String, Value> =
            cpu.groups.iter().map(|(g, s)| ((*g).to_owned(), json!(s))).collect();
        self.detail(&format!("{name}.cpu_by_thread_group_s"), Value::Object(groups));
    }

    /// Where a storm's CPU went, in ms a login (`<name>.cpu_per_login.*`): the whole machine,
    /// each thread group of this process (the hashing pool, the server's runtime, SQLite's
    /// connection threads, the load generator), and the machine outside this process
    /// (PostgreSQL's processes, and whatever else ran). The CPU was read over the whole storm,
    /// warm-up and cut end included, so the logins are its rate over that time.
    pub fn cpu_per_login(&mut self, name: &str, outcome: &Outcome, cpu: &CpuTimes, wall: f64) {
        let logins = outcome.at_this_rate_over(wall);
        if logins <= 0.0 {
            return;
        }
        let ms = |seconds: f64| 1000.0 * seconds / logins;
        self.figure(format!("{name}.cpu_per_login.machine"), ms(cpu.machine), "ms");
        for (group, seconds) in &cpu.groups {
            self.figure(format!("{name}.cpu_per_login.{group}"), ms(*seconds), "ms");
        }
        self.figure(format!("{name}.cpu_per_login.outside_process"), ms(cpu.machine - cpu.process), "ms");
    }

    /// How many operations, how fast, their latencies and their errors.
    #[expect(clippy::cast_precision_loss, reason = "operation counts far below 2^52")]
    pub fn operations(&mut self, name: &str, ops: Ops, outcome: &Outcome) {
        self.figure(format!("{name}.{}", ops.count), outcome.latencies_us.len() as f64, "count");
        self.figure(format!("{name}.{}", ops.rate), outcome.per_second(), ops.unit);
        self.figure(format!("{name}.p50"), outcome.quantile_ms(0.50), "ms");
        self.figure(format!("{name}.p90"), outcome.quantile_ms(0.90), "ms");
        self.figure(format!("{name}.p99"), outcome.quantile_ms(0.99), "ms");
        self.figure(format!("{name}.max"), outcome.max_ms(), "ms");
        self.figure(format!("{name}.mean"), outcome.mean_ms(), "ms");
        self.figure(format!("{name}.errors"), outcome.errors_total() as f64, "count");
        for (failure, n) in &outcome.errors {
            println!("{name}.errors.{failure}: {n} count");
        }
        let errors: Map<String, Value> =
            outcome.errors.iter().map(|(failure, n)| (failure.to_string(), json!(n))).collect();
        self.detail(&format!("{name}.errors_by_status"), Value::Object(errors));
    }

    /// Writes the JSON file and returns its path.
    pub fn write(&self, opts: &Options, seeded_usage_days: u64) -> anyhow::Result<PathBuf> {
        let now = OffsetDateTime::now_utc();
        let stamp = now.format(format_description!("[year][month][day]T[hour][minute][second]Z"))?;
        let figures: Map<String, Value> = self
            .figures
            .iter()
            .map(|(name, value, unit)| (name.clone(), json!({"value": value, "unit": unit})))
            .collect();
        let document = json!({
            "commit": git(&["rev-parse", "HEAD"]),
            "worktree_dirty": git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty()),
            "database": opts.db.name(),
            "timestamp": now.unix_timestamp(),
            "cpus": std::thread::available_parallelism().map_or(0, usize::from),
            "sizes": {"tenants": opts.tenants(), "days": opts.days, "usage_days": seeded_usage_days, "seed": opts.seed},
            "load": {
                "connections": opts.connections,
                "seconds_per_page": opts.seconds(),
                "warmup_seconds": opts.warmup,
                "load_threads": opts.load_threads,
                "search": opts.search,
                "quick": opts.quick,
            },
            "figures": figures,
            "details": self.details,
        });
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = dir.canonicalize().unwrap_or(dir);
        let path = dir.join(format!("{}-{stamp}.json", opts.db.name()));
        std::fs::write(&path, serde_json::to_string_pretty(&document)?)?;
        Ok(path)
    }
}

/// `git <args>`'s trimmed output, if git ran.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
