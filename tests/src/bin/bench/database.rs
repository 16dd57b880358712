//! The benchmark's own database: created fresh, seeded through the same use case as
//! `gatehouse-ctl demo seed`, analysed, and removed when the [`BenchDb`] is dropped.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use gatehouse_adapters::config::Settings;
use gatehouse_adapters::demo::{self, DemoChunk, DemoOptions};
use gatehouse_application::{Ports, seed_demo};
use gatehouse_domain::{Actor, DomainError};
use sqlx::{Connection as _, PgConnection, SqliteConnection};
use uuid::Uuid;

use crate::options::{Db, Options};

/// Tenants stored per transaction, as the CLI does by default.
const CHUNK_SIZE: usize = 2_000;
/// At most this many seeded slugs are kept for the tenant page (spread evenly over the run).
const SAMPLE: u64 = 10_000;

/// A database that exists for one benchmark run.
#[derive(Debug)]
pub struct BenchDb {
    pub url: String,
    /// The data directory of the run (the SQLite file lives in it).
    pub dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl BenchDb {
    /// A new SQLite file in a temporary directory, or the database `gh_bench_<uuid>` (made by
    /// [`BenchDb::create_empty`] or restored from the seed cache).
    pub fn create(opts: &Options) -> anyhow::Result<BenchDb> {
        let id = Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("gatehouse-bench-{id}"));
        std::fs::create_dir_all(&dir).context("creating the benchmark's temporary directory")?;
        match opts.db {
            Db::Sqlite => {
                let url = format!("sqlite://{}", dir.join("gatehouse.db").display());
                Ok(BenchDb { url, dir, postgres: None })
            }
            Db::Postgres => {
                let server = opts
                    .database_url
                    .clone()
                    .context("--db postgres needs --database-url or GATEHOUSE_TEST_DATABASE_URL")?;
                let name = format!("gh_bench_{id}");
                let url = with_database(&server, &name);
                Ok(BenchDb { url, dir, postgres: Some((server, name)) })
            }
        }
    }

    /// Creates the (empty) PostgreSQL database; SQLite creates its file when wired.
    pub async fn create_empty(&self) -> anyhow::Result<()> {
        let Some((server, name)) = self.postgres() else { return Ok(()) };
        let mut admin = PgConnection::connect(server).await.context("connecting to PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .context("CREATE DATABASE")?;
        admin.close().await?;
        Ok(())
    }

    /// The server's settings: this database, a fixed key, the load generator as a trusted
    /// proxy (the login storm sends each person's address in `X-Forwarded-For`; the pages send
    /// none, so their client stays 127.0.0.1), nothing else from the environment.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let vars = self.environment();
        Ok(Settings::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))?)
    }

    /// [`Self::settings`] as environment variables (for the server in a process of its own),
    /// named as [`SETTINGS`] lists them.
    pub fn environment(&self) -> [(&'static str, String); 5] {
        let [dir, url, key, bind, proxies] = SETTINGS;
        [
            (dir, self.dir.display().to_string()),
            (url, self.url.clone()),
            (key, "5a".repeat(32)),
            (bind, "127.0.0.1:0".to_owned()),
            (proxies, "127.0.0.1".to_owned()),
        ]
    }

    /// The PostgreSQL server URL and database name, or `None` for SQLite.
    pub fn postgres(&self) -> Option<(&str, &str)> {
        self.postgres.as_ref().map(|(server, name)| (server.as_str(), name.as_str()))
    }

    /// `ANALYZE`, on a connection of its own, so the planner knows the seeded sizes.
    pub async fn analyze(&self) -> anyhow::Result<()> {
        let sql = sqlx::AssertSqlSafe("ANALYZE");
        if self.postgres.is_some() {
            let mut conn = PgConnection::connect(&self.url).await?;
            sqlx::query(sql).execute(&mut conn).await?;
            conn.close().await?;
        } else {
            let mut conn = SqliteConnection::connect(&self.url).await?;
            sqlx::query(sql).execute(&mut conn).await?;
            conn.close().await?;
        }
        Ok(())
    }
}

/// The server settings the benchmark sets, and the only ones its servers read.
pub const SETTINGS: [&str; 5] = [
    "GATEHOUSE_DATA_DIR",
    "DATABASE_URL",
    "GATEHOUSE_SECRET_KEY",
    "GATEHOUSE_BIND",
    "GATEHOUSE_TRUSTED_PROXIES",
];

impl Drop for BenchDb {
    /// Removes the directory, and the PostgreSQL database on a short-lived runtime of its own
    /// thread (`Drop` cannot await).
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let Some((server, name)) = self.postgres.take() else { return };
        let dropped = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return false;
            };
            rt.block_on(async {
                let Ok(mut admin) = PgConnection::connect(&server).await else { return false };
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.is_ok()
            })
        });
        if !dropped.join().unwrap_or(false) {
            eprintln!("warning: could not drop the benchmark database; drop gh_bench_* by hand");
        }
    }
}

/// What seeding stored, and slugs of some seeded tenants to visit.
#[derive(Debug)]
pub struct Seeded {
    pub tenants: u64,
    pub usage_days: u64,
    pub seconds: f64,
    pub slugs: Vec<String>,
}

/// Seeds like `gatehouse-ctl demo seed`: generation one chunk ahead on a blocking thread, each
/// chunk stored by `seed_demo::load_chunk`.
pub async fn seed(ports: &Ports, opts: &Options) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<DemoChunk, DomainError>>(1);
    let generator = DemoOptions {
        tenants: opts.tenants(),
        days: opts.days,
        seed: opts.seed,
        chunk_size: CHUNK_SIZE,
        now: ports.clock.now(),
    };
    let producer = tokio::task::spawn_blocking(move || {
        for chunk in demo::generate(generator) {
            if tx.blocking_send(chunk).is_err() {
                break;
            }
        }
    });
    let actor = Actor::cli("bench");
    let every = (opts.tenants() / SAMPLE).max(1);
    let mut seeded = Seeded { tenants: 0, usage_days: 0, seconds: 0.0, slugs: Vec::new() };
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk?;
        seed_demo::load_chunk(ports, &actor, &chunk.tenants, &chunk.usage).await?;
        for (i, tenant) in chunk.tenants.iter().enumerate() {
            if (seeded.tenants + i as u64).is_multiple_of(every) {
                seeded.slugs.push(tenant.slug.to_string());
            }
        }
        seeded.tenants += chunk.tenants.len() as u64;
        seeded.usage_days += chunk.usage.len() as u64;
    }
    drop(rx);
    producer.await?;
    seeded.seconds = started.elapsed().as_secs_f64();
    Ok(seeded)
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}
