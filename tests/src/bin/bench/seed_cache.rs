//! `--seed-cache`: a seeded and analysed database kept between runs, so that measuring a change
//! does not pay for seeding 100,000 tenants again (a minute or more on 2 cores).
//!
//! The copy is kept per database, sizes and seed, with the migrations it was seeded under; a
//! later run uses it while those migration files are unchanged in the source tree (later
//! migrations may have been added: the server's own `migrate` applies them to the copy, as an
//! upgrade would). It starts from a copy of it (SQLite: the file; PostgreSQL: `CREATE
//! DATABASE … TEMPLATE`). A sidecar JSON file keeps what seeding reported (counts, time, the
//! slugs to visit). Remove `target/bench/seeded/` (and the `gh_bench_seed_*` databases) to
//! start over.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use serde_json::{Map, Value, json};
use sha1::{Digest as _, Sha1};
use sqlx::{Connection as _, PgConnection};

use crate::database::{BenchDb, Seeded};
use crate::options::Options;

/// Where a cached seed lives.
#[derive(Debug)]
pub struct SeedCache {
    key: String,
    dir: PathBuf,
    /// Each migration file of the source tree and the hash of its contents.
    migrations: Map<String, Value>,
}

/// What the demo seed writes, as a number: raise it when that changes, so that no copy seeded
/// by an earlier generator stands in for a fresh seed (2: each tenant's creation audited).
const SEEDED_BY: u32 = 2;

impl SeedCache {
    /// The cache entry for these options.
    pub fn for_options(opts: &Options) -> anyhow::Result<SeedCache> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = root.join("migrations").join(opts.db.name());
        let mut migrations = Map::new();
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            let digest = Sha1::digest(std::fs::read(&path)?).iter().fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            migrations.insert(name, Value::String(digest));
        }
        let key = format!("{}_{}_{}_{}_g{SEEDED_BY}", opts.db.name(), opts.tenants(), opts.days, opts.seed);
        Ok(SeedCache { key, dir: root.join("target/bench/seeded"), migrations })
    }

    /// Whether every migration the copy was seeded under is still in the tree, unchanged.
    fn still_applies(&self, seeded_under: Option<&Map<String, Value>>) -> bool {
        seeded_under.is_some_and(|m| m.iter().all(|(name, hash)| self.migrations.get(name) == Some(hash)))
    }

    fn sidecar(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.key))
    }

    fn sqlite_file(&self) -> PathBuf {
        self.dir.join(format!("{}.db", self.key))
    }

    fn template(&self) -> String {
        format!("gh_bench_seed_{}", self.key)
    }

    /// Fills `db` from the cache if it holds this seed; `None` when it does not.
    pub async fn restore(&self, db: &BenchDb) -> anyhow::Result<Option<Seeded>> {
        let Ok(text) = std::fs::read_to_string(self.sidecar()) else { return Ok(None) };
        let v: Value = serde_json::from_str(&text).context("reading the seed cache's sidecar")?;
        if !self.still_applies(v.get("migrations").and_then(Value::as_object)) {
            return Ok(None);
        }
        match db.postgres() {
            None => {
                let target = db.dir.join("gatehouse.db");
                if std::fs::copy(self.sqlite_file(), &target).is_err() {
                    return Ok(None);
                }
            }
            Some((server, name)) => {
                let mut admin = PgConnection::connect(server).await?;
                let sql = format!("CREATE DATABASE {name} TEMPLATE {}", self.template());
                let copied = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.is_ok();
                admin.close().await?;
                if !copied {
                    return Ok(None);
                }
            }
        }
        let number = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or_default();
        let slugs = v
            .get("slugs")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "counts written by save")]
        Ok(Some(Seeded {
            tenants: number("tenants") as u64,
            usage_days: number("usage_days") as u64,
            seconds: number("seconds"),
            slugs,
        }))
    }

    /// Keeps `db`, just seeded and analysed and with no connection open, for later runs.
    pub async fn save(&self, db: &BenchDb, seeded: &Seeded) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        match db.postgres() {
            None => {
                std::fs::copy(db.dir.join("gatehouse.db"), self.sqlite_file())?;
            }
            Some((server, name)) => {
                let mut admin = PgConnection::connect(server).await?;
                let drop = format!("DROP DATABASE IF EXISTS {}", self.template());
                sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut admin).await?;
                let sql = format!("CREATE DATABASE {} TEMPLATE {name}", self.template());
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
                admin.close().await?;
            }
        }
        let sidecar = json!({
            "tenants": seeded.tenants,
            "usage_days": seeded.usage_days,
            "seconds": seeded.seconds,
            "slugs": seeded.slugs,
            "migrations": self.migrations,
        });
        std::fs::write(self.sidecar(), serde_json::to_string(&sidecar)?)?;
        Ok(())
    }
}
