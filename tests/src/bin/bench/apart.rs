//! The server in a process of its own, for the memory it holds by itself: the in-process
//! server's resident memory is the benchmark's, load generator and (on SQLite) seeding
//! included.
//!
//! The bench binary runs itself as `bench serve-apart` with the benchmark database's settings
//! in its environment, and reads only those: the same [`Wired`] server as the in-process one,
//! with the same allocator. The child prints the address it
//! listens on, then serves until its standard input closes (the parent dropping its end, or
//! dying). The parent logs in nowhere: the owner's session and the API key are in the shared
//! database, and the server key is the same, so its cookie and key are good there too.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use gatehouse_adapters::config::Settings;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::database::{BenchDb, SETTINGS};
use crate::load;
use crate::server::Wired;

/// The first argument that makes the bench binary a server.
pub const SERVE: &str = "serve-apart";

/// The longest a load runs against the server apart.
const MEASURE_APART: Duration = Duration::from_secs(5);

/// What the child prints before its address.
const LISTENING: &str = "listening on ";

/// Runs the server as the child (`bench serve-apart`): settings from the environment.
pub fn serve() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        // The benchmark's settings only, as the in-process server gets them: no `.env`, no other
        // `GATEHOUSE_*` of the environment (which is otherwise the parent's: `PG*`, `HOME`).
        let settings = Settings::from_lookup(|name| {
            SETTINGS.contains(&name).then(|| std::env::var(name).ok()).flatten()
        })?;
        let Wired { listener, app, storage, .. } = Wired::new(settings).await?;
        println!("{LISTENING}{}", listener.local_addr()?);
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let mut sink = Vec::new();
                let _ = tokio::io::stdin().read_to_end(&mut sink).await;
            })
            .await?;
        storage.close().await;
        anyhow::Ok(())
    })
}

/// A server running in a child process.
#[derive(Debug)]
pub struct Apart {
    pub base: String,
    child: Child,
    /// The child's output, kept open: a write to a closed pipe would end it.
    _output: Lines<BufReader<ChildStdout>>,
}

impl Apart {
    /// Starts the child on `db` and waits for its address.
    pub async fn start(db: &BenchDb) -> anyhow::Result<Apart> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SERVE)
            .envs(db.environment())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting the server process")?;
        let stdout = child.stdout.take().context("the server's output")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .context("the server process did not say where it listens within 30 s")??
            .context("the server process ended before listening")?;
        let addr = line.strip_prefix(LISTENING).with_context(|| format!("unexpected output: {line}"))?;
        let base = format!("http://{addr}");
        Ok(Apart { base, child, _output: lines })
    }

    /// `load` aimed at this server, each run measured for at most [`MEASURE_APART`]: the
    /// figures apart are its memory, not its speed.
    pub fn load(&self, load: &load::Settings) -> load::Settings {
        load::Settings { base: self.base.clone(), measure: load.measure.min(MEASURE_APART), ..load.clone() }
    }

    /// The child's resident memory now and at its peak, in MiB (`VmRSS`, `VmHWM`).
    pub fn resident_mib(&self) -> anyhow::Result<(f64, f64)> {
        let pid = self.child.id().context("the server process has ended")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        Ok(crate::process::rss_and_peak(&status))
    }

    /// Closes the child's input, which stops it, and waits for it to end well.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        drop(self.child.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .context("the server process did not stop within 30 s")??;
        anyhow::ensure!(status.success(), "the server process ended with {status}");
        Ok(())
    }
}
