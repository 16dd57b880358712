//! The benchmark's command line.

use clap::{Parser, ValueEnum};

/// Which database the benchmark creates and serves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }
}

/// Measures the admin panel at scale: a fresh database seeded by the demo generator, the real
/// server in-process, and a fixed number of concurrent connections against its busiest pages.
///
/// Example: cargo run --release -p gatehouse-tests --bin bench -- --db sqlite --quick
#[derive(Debug, Parser)]
#[command(name = "bench")]
pub struct Options {
    /// The database to create, seed and serve from.
    #[arg(long, value_enum)]
    pub db: Db,
    /// A quick run: 5,000 tenants and a few seconds of load per page (unless set explicitly).
    #[arg(long)]
    pub quick: bool,
    /// Demo tenants to seed [default: 100000, or 5000 with --quick].
    #[arg(long)]
    pub tenants: Option<u64>,
    /// Days of usage per tenant.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Concurrent connections of the load generator (each sends one request at a time).
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Seconds of measured load per page [default: 20, or 3 with --quick].
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Seconds of unmeasured warm-up before each page's measurement.
    #[arg(long, default_value_t = 1)]
    pub warmup: u64,
    /// Worker threads of the load generator's own runtime.
    #[arg(long, default_value_t = 1)]
    pub load_threads: usize,
    /// Seed of the demo generator (the same seed gives the same data).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The word searched for in the tenants list (the demo names contain it now and then).
    #[arg(long, default_value = "logistics")]
    pub search: String,
    /// Only these pages (figure prefixes, e.g. `dashboard`); repeat for several [default: all].
    /// `login` and `tenants_list_during_login_storm` measure `argon2_ceiling` first.
    #[arg(long = "only")]
    pub only: Vec<String>,
    /// Keep the seeded database in `target/bench/seeded/` and start later runs with the same
    /// sizes, seed and migrations from a copy of it instead of seeding again.
    #[arg(long)]
    pub seed_cache: bool,
    /// Tenants the `sync` figure's tenant sync handles at once (1–64).
    #[arg(long, default_value_t = 32)]
    pub sync_concurrency: usize,
    /// PostgreSQL server to create the benchmark database on (needs CREATE DATABASE rights).
    #[arg(long, env = "GATEHOUSE_TEST_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl Options {
    pub fn tenants(&self) -> u64 {
        self.tenants.unwrap_or(if self.quick { 5_000 } else { 100_000 })
    }

    /// Whether the page `name` is measured in this run.
    pub fn runs(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == name)
    }

    pub fn seconds(&self) -> u64 {
        self.seconds.unwrap_or(if self.quick { 3 } else { 20 })
    }
}
