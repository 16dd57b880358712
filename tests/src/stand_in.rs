//! A stand-in MFA upstream: a real HTTP server that follows `docs/upstream.md`, with a small
//! in-memory world (registered tenants, pushed features, generated end users, authentication
//! logs and daily stats) and faults that tests switch on and off — slow answers, 500s, 429s,
//! dropped connections, a refused token, broken JSON.
//!
//! Tests call [`StandIn::spawn`]; the `stand-in-upstream` binary serves one for a demo. Faults
//! are set with [`StandIn::set_fault`] or `POST /_stand-in/fault`; counters and a request log
//! let tests assert what reached the server. It keeps everything in memory behind short locks,
//! so thousands of concurrent calls a second are no trouble.

mod generate;
mod handlers;
mod server;
pub mod wire;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use time::{Date, OffsetDateTime};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The path the contract's calls live under, like the original's `/mfa/api/`.
pub const BASE_PATH: &str = "/mfa/api/";

/// A misbehaviour to show, until another is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Every call waits this long before it is answered.
    Slow(Duration),
    /// Every call answers 500.
    ServerErrors,
    /// The next `n` calls answer 503, then all is well again.
    FailNext(u32),
    /// Every call answers 429 with `Retry-After: seconds`.
    RateLimited { retry_after: u64 },
    /// Every call's connection is closed without an answer.
    DropConnections,
    /// Every bearer token is refused (401), as if the key had been rotated.
    WrongToken,
    /// Every call answers 200 with a body that is not JSON.
    MalformedJson,
}

/// The calls of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Health,
    Stats,
    Register,
    Features,
    Users,
    AuthLogs,
}

impl Call {
    pub const ALL: [Call; 6] =
        [Call::Health, Call::Stats, Call::Register, Call::Features, Call::Users, Call::AuthLogs];

    pub fn as_str(self) -> &'static str {
        match self {
            Call::Health => "health",
            Call::Stats => "stats",
            Call::Register => "register",
            Call::Features => "features",
            Call::Users => "users",
            Call::AuthLogs => "auth_logs",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What one request looked like, for tests that check the headers Gatehouse sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub call: Call,
    pub bearer_ok: bool,
    pub tenant_id: Option<String>,
    pub tenant_key: Option<String>,
    pub contract: Option<String>,
    pub content_type: Option<String>,
    pub query: Option<String>,
}

/// A tenant as the stand-in holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRecord {
    pub registration: wire::RegisterRequest,
    /// The last pushed status, plan and features (at first those of the registration).
    pub status: String,
    pub plan: String,
    pub features: wire::Features,
    pub version: i64,
    pub tenant_key: String,
    pub registered_at: OffsetDateTime,
}

/// The most requests the log keeps.
const LOG_LENGTH: usize = 512;

#[derive(Debug, Default)]
struct World {
    tenants: HashMap<Uuid, TenantRecord>,
    /// Which tenant holds each hostname.
    domains: HashMap<String, Uuid>,
}

#[derive(Debug)]
struct Shared {
    token: String,
    fault: Mutex<Fault>,
    world: Mutex<World>,
    calls: [AtomicU64; 6],
    dropped: AtomicU64,
    log: Mutex<VecDeque<Recorded>>,
    /// The stand-in's "today"; `None`: the real UTC date.
    today: Mutex<Option<Date>>,
}

impl Shared {
    fn today(&self) -> Date {
        lock(&self.today).unwrap_or_else(|| OffsetDateTime::now_utc().date())
    }

    fn fault(&self) -> Fault {
        *lock(&self.fault)
    }
}

/// A running stand-in upstream; it stops when dropped.
#[derive(Debug)]
pub struct StandIn {
    /// The base to configure as `MFA_SYSTEM_API_URL` (ends in `/mfa/api/`).
    pub url: String,
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl StandIn {
    /// Serves a stand-in on 127.0.0.1 at a free port, accepting `token` as the bearer key.
    pub async fn spawn(token: &str) -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        StandIn::serve(listener, token).expect("serve")
    }

    /// Serves a stand-in on `listener`.
    pub fn serve(listener: TcpListener, token: &str) -> std::io::Result<StandIn> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            token: token.to_owned(),
            fault: Mutex::new(Fault::None),
            world: Mutex::new(World::default()),
            calls: Default::default(),
            dropped: AtomicU64::new(0),
            log: Mutex::new(VecDeque::with_capacity(LOG_LENGTH)),
            today: Mutex::new(None),
        });
        let task = tokio::spawn(server::run(listener, shared.clone()));
        Ok(StandIn { url: format!("http://{addr}{BASE_PATH}"), addr, shared, task })
    }

    pub fn set_fault(&self, fault: Fault) {
        *lock(&self.shared.fault) = fault;
    }

    /// Fixes the stand-in's "today" (stats and logs are generated up to it).
    pub fn set_today(&self, today: Date) {
        *lock(&self.shared.today) = Some(today);
    }

    /// How many requests of `call` arrived, faulty answers and dropped connections included.
    pub fn calls(&self, call: Call) -> u64 {
        self.shared.calls[call.index()].load(Ordering::Relaxed)
    }

    /// How many connections were dropped by [`Fault::DropConnections`].
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// The most recent requests, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    pub fn tenant(&self, id: Uuid) -> Option<TenantRecord> {
        lock(&self.shared.world).tenants.get(&id).cloned()
    }

    pub fn tenant_count(&self) -> usize {
        lock(&self.shared.world).tenants.len()
    }

    /// The counters the stand-in answers for `tenant` on `date` (what a sync should store).
    pub fn day(&self, tenant: Uuid, date: Date) -> wire::Day {
        generate::day(tenant, date)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
