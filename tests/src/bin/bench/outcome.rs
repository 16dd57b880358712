//! What one run of the load generator measured: every measured operation's latency, and its
//! failures by cause.

use std::collections::BTreeMap;
use std::fmt;

/// Why one operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// An HTTP answer other than the one expected (a page: any non-2xx).
    Status(u16),
    /// No answer: the connection failed, or the body could not be read.
    Transport,
    /// Something else, named (an answer of the right status that is still wrong, say).
    Other(&'static str),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(status) => write!(f, "{status}"),
            Failure::Transport => f.write_str("transport"),
            Failure::Other(what) => f.write_str(what),
        }
    }
}

/// What one scenario measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies of measured operations in microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Measured operations that failed, by cause.
    pub errors: BTreeMap<Failure, u64>,
    /// Wall time of the measured window.
    pub seconds: f64,
}

impl Outcome {
    pub fn errors_total(&self) -> u64 {
        self.errors.values().sum()
    }

    /// A line for the run's failure message when `name` had errors.
    pub fn failure(&self, name: &str) -> Option<String> {
        (self.errors_total() > 0).then(|| format!("{name}: {:?}", self.errors))
    }

    /// Adds `other`'s operations (latencies are sorted again by [`Outcome::finish`]).
    pub fn merge(&mut self, other: Outcome) {
        self.latencies_us.extend(other.latencies_us);
        for (failure, n) in other.errors {
            *self.errors.entry(failure).or_default() += n;
        }
    }

    /// Sorts the latencies and sets the window's length.
    pub fn finish(&mut self, seconds: f64) {
        self.seconds = seconds;
        self.latencies_us.sort_unstable();
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

    /// Completed operations (errors included) per second of the measured window.
    pub fn per_second(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "operation counts far below 2^52")]
        let count = self.latencies_us.len() as f64;
        if self.seconds > 0.0 { count / self.seconds } else { 0.0 }
    }

    /// How many operations `seconds` held at this rate: for CPU read over a whole run, warm-up
    /// and cut end included, where only the measured window's operations were counted.
    pub fn at_this_rate_over(&self, seconds: f64) -> f64 {
        self.per_second() * seconds
    }
}

#[expect(clippy::cast_precision_loss, reason = "latencies far below 2^52 µs")]
fn micros_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}
