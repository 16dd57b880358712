//! A real SMTP server for the e-mail tests: Python's `aiosmtpd` (from PyPI) as a child process,
//! storing what it receives in a Maildir the tests read back. It can be stopped and started
//! again on the same port, to test an outage.
//!
//! The Python comes from `GATEHOUSE_TEST_PYTHON` (`scripts/test` creates a virtualenv with
//! aiosmtpd under `~/.cache/gatehouse-python` and exports it), else that virtualenv if present.
//! Without one the tests print a loud SKIPPED line — and under `CI=true` they fail instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use uuid::Uuid;

/// The variable naming the Python that has aiosmtpd.
pub const PYTHON_VAR: &str = "GATEHOUSE_TEST_PYTHON";

/// How long the server may take to accept connections after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One message as the server stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub subject: String,
    /// The envelope recipients, as the server recorded them.
    pub rcpt_to: String,
    /// The whole message as stored (headers and MIME body).
    pub raw: String,
}

/// A running (or stopped) aiosmtpd on 127.0.0.1.
#[derive(Debug)]
pub struct SmtpServer {
    pub port: u16,
    python: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

/// The Python with aiosmtpd, or `None` (after a loud line) when the tests may skip.
fn python() -> Option<PathBuf> {
    let configured = std::env::var_os(PYTHON_VAR).map(PathBuf::from);
    let cached =
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/gatehouse-python/bin/python"));
    if let Some(p) = configured.or(cached).filter(|p| p.exists()) {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no Python with aiosmtpd for the SMTP tests: run them through scripts/test, which installs it \
         (or set {PYTHON_VAR})"
    );
    eprintln!("SMTP TESTS SKIPPED: no Python with aiosmtpd (run scripts/test, or set {PYTHON_VAR})");
    None
}

impl SmtpServer {
    /// Starts a server on a free port; `None` when the tests may skip (see the module docs).
    pub async fn start() -> Option<SmtpServer> {
        let python = python()?;
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let dir = std::env::temp_dir().join(format!("gatehouse-smtp-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("mail directory");
        let mut server = SmtpServer { port, python, dir, child: None };
        server.restart().await;
        Some(server)
    }

    /// Starts the server again (on the same port and Maildir) after [`SmtpServer::stop`].
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the SMTP server is running already");
        let mut child = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port)])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                break;
            }
            if let Some(status) = child.try_wait().expect("child state") {
                let out = child.wait_with_output().await.map(|o| o.stderr).unwrap_or_default();
                panic!("aiosmtpd exited ({status}): {}", String::from_utf8_lossy(&out));
            }
            assert!(started.elapsed() < START_TIMEOUT, "aiosmtpd did not listen within {START_TIMEOUT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.child = Some(child);
    }

    /// Stops the server: connections are refused until [`SmtpServer::restart`].
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("stop aiosmtpd");
        }
    }

    fn maildir(&self) -> PathBuf {
        // aiosmtpd's Mailbox creates the Maildir itself, and refuses a directory without its parts.
        self.dir.join("maildir")
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir().join(d)).ok())
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| parse(p)).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn parse(path: &Path) -> Received {
    let raw = std::fs::read_to_string(path).expect("a stored message");
    let header = |name: &str| {
        raw.lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    Received {
        message_id: header("Message-ID"),
        subject: header("Subject"),
        rcpt_to: header("X-RcptTo"),
        raw: raw.clone(),
    }
}
