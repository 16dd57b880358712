//! What the process costs, read from `/proc` (Linux): CPU time per group of threads, by thread
//! name, the whole machine's CPU time (PostgreSQL's processes are outside this one), and
//! resident memory.
//!
//! Times are in clock ticks of 1/100 s (`USER_HZ`, 100 on every Linux the project targets).
//! A thread's ticks vanish from `/proc/self/task` when it exits, so the process total comes from
//! `/proc/self/stat`, which keeps them.

use std::collections::BTreeMap;

/// Ticks per second of `/proc` CPU times.
const USER_HZ: f64 = 100.0;

/// The load generator's threads (its runtime's workers and blocking pool).
pub const LOAD_THREADS: &str = "bench-load";
/// The server runtime's threads (workers and blocking pool: the demo generator).
pub const SERVER_THREADS: &str = "gh-server";
/// The hashing pool's threads (`gh-argon2-N`, adapters' `system.rs`).
pub const HASHING_THREADS: &str = "gh-argon2";

/// CPU seconds (user + system) by thread group, for the whole process, and for the whole
/// machine (every CPU's busy time).
#[derive(Debug, Clone, Default)]
pub struct CpuTimes {
    pub process: f64,
    pub machine: f64,
    pub groups: BTreeMap<&'static str, f64>,
}

impl CpuTimes {
    /// Now. Missing `/proc` entries count as zero (not Linux, or a thread that just exited).
    pub fn now() -> CpuTimes {
        let mut times = CpuTimes {
            process: std::fs::read_to_string("/proc/self/stat")
                .ok()
                .as_deref()
                .and_then(ticks)
                .unwrap_or(0.0),
            machine: std::fs::read_to_string("/proc/stat").ok().as_deref().and_then(busy).unwrap_or(0.0),
            groups: BTreeMap::new(),
        };
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return times };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
            let (Some(name), Some(seconds)) = (comm(&stat), ticks(&stat)) else { continue };
            *times.groups.entry(group(name)).or_default() += seconds;
        }
        times
    }

    /// The CPU seconds spent between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuTimes) -> CpuTimes {
        let groups = self
            .groups
            .iter()
            .map(|(name, s)| (*name, s - earlier.groups.get(name).copied().unwrap_or(0.0)))
            .collect();
        CpuTimes { process: self.process - earlier.process, machine: self.machine - earlier.machine, groups }
    }

    pub fn group(&self, name: &str) -> f64 {
        self.groups.get(name).copied().unwrap_or(0.0)
    }
}

/// Which group a thread belongs to, by its name.
fn group(name: &str) -> &'static str {
    if name.starts_with(LOAD_THREADS) {
        LOAD_THREADS
    } else if name.starts_with(SERVER_THREADS) {
        SERVER_THREADS
    } else if name.starts_with(HASHING_THREADS) {
        HASHING_THREADS
    } else if name.starts_with("sqlx-sqlite") {
        "sqlite-workers"
    } else {
        "other"
    }
}

/// The thread name of a `stat` line: between the first `(` and the last `)`.
fn comm(stat: &str) -> Option<&str> {
    Some(&stat[stat.find('(')? + 1..stat.rfind(')')?])
}

/// utime + stime (fields 14 and 15) in seconds.
fn ticks(stat: &str) -> Option<f64> {
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    #[expect(clippy::cast_precision_loss, reason = "CPU ticks of one run are far below 2^52")]
    Some((user + system) as f64 / USER_HZ)
}

/// The busy seconds of all CPUs in a `/proc/stat` text: its `cpu` line's times but idle and
/// iowait (and guest time, which user time already counts).
fn busy(stat: &str) -> Option<f64> {
    let times: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    let busy: u64 =
        times.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    #[expect(clippy::cast_precision_loss, reason = "CPU ticks of one run are far below 2^52")]
    Some(busy as f64 / USER_HZ)
}

/// Resident memory in MiB: (current `VmRSS`, peak `VmHWM`) of `/proc/self/status`.
pub fn resident_mib() -> (f64, f64) {
    rss_and_peak(&std::fs::read_to_string("/proc/self/status").unwrap_or_default())
}

/// `VmRSS` and `VmHWM` of a `/proc/<pid>/status` text, in MiB (0 where missing).
pub fn rss_and_peak(status: &str) -> (f64, f64) {
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::busy;

    #[test]
    fn the_machine_is_busy_for_all_but_idle_and_iowait() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        let stat = "cpu  100 20 30 400 50 6 7 8 9 10\ncpu0 50 10 15 200 25 3 3 4 4 5\n";
        let seconds = busy(stat).expect("a cpu line");
        assert!((seconds - 1.71).abs() < 1e-9, "{seconds}");
    }

    #[test]
    fn a_text_without_the_cpu_line_gives_nothing() {
        assert_eq!(busy("intr 1 2 3\n"), None);
        assert_eq!(busy("cpu  1 2 x\n"), None);
    }
}
