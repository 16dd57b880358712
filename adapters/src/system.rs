//! The system ports: the wall clock (and a hand-driven clock for tests), UUID v7 identifiers,
//! and argon2id password hashing, including the dummy verification that makes unknown users
//! cost as much as real ones (S15) and the check that a stored hash is out of date (S4).
//!
//! Hashing is deliberately slow (S4) and CPU-bound, so it never runs on the async workers: each
//! hash or verification goes to a pool of its own, one thread per core, whose threads run at a
//! lower scheduling priority ([`HASHING_NICE`]). A burst of logins then queues for those
//! threads and takes whatever CPU the panel, the API and the database leave, instead of
//! starving every other request: with idle cores a login costs what it always did.

use std::cell::RefCell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher as _, Version};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse_application::ports::{Clock, IdGenerator, PasswordHasher, SecretString, StoreError};
use rand::RngExt as _;
use time::{Duration, OffsetDateTime};
use tokio::sync::{OnceCell, oneshot};
use uuid::Uuid;

/// The real clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// UTC now in whole microseconds: both databases keep microseconds, so a time read back
    /// equals the time written.
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
    }
}

/// A clock that moves only when told to: tests drive time with it instead of sleeping.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock stopped at `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        ManualClock(Mutex::new(now))
    }

    /// Jumps to `now`.
    pub fn set(&self, now: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }

    /// Moves forward (or back, for a negative duration) by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Time-ordered UUID v7 identifiers.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// argon2id memory cost in KiB, iterations and lanes, pinned here rather than taken from the
/// crate's defaults (S4, OWASP Password Storage Cheat Sheet).
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

/// The nice value of the hashing threads (0 is normal, 19 the lowest): contending with busy
/// threads of normal priority they get about a tenth of a core each, so hashing never takes
/// the CPU that pages need; alone, they get all of it.
pub const HASHING_NICE: i32 = 10;

/// argon2id hashing on a pool of `limit` threads of low priority.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    pool: Arc<HashingPool>,
    /// The hash of a random password that [`PasswordHasher::verify_dummy`] checks against,
    /// made on first use with the pinned parameters.
    dummy: Arc<OnceCell<String>>,
}

impl Default for Argon2Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Argon2Hasher {
    /// A hasher with one thread per available core.
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self::with_limit(cores)
    }

    /// A hasher running at most `limit` (at least 1) hashes at once.
    pub fn with_limit(limit: usize) -> Self {
        Argon2Hasher { pool: Arc::new(HashingPool::new(limit.max(1))), dummy: Arc::new(OnceCell::new()) }
    }

    fn argon2() -> Result<Argon2<'static>, argon2::Error> {
        let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Runs `work` on the pool; `None` if it could not run.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (answer, answered) = oneshot::channel();
        self.pool.submit(Box::new(move || {
            // A caller that gave up (its request ended) costs no hash.
            if !answer.is_closed() {
                let _ = answer.send(work());
            }
        }))?;
        answered.await.ok()
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads, started on first use (a CLI command that hashes nothing starts none)
/// and ended when the last hasher sharing them is dropped.
#[derive(Debug)]
struct HashingPool {
    threads: usize,
    jobs: OnceLock<mpsc::Sender<Job>>,
}

impl HashingPool {
    fn new(threads: usize) -> Self {
        HashingPool { threads, jobs: OnceLock::new() }
    }

    /// Queues `job`; `None` if no thread could be started.
    fn submit(&self, job: Job) -> Option<()> {
        self.jobs.get_or_init(|| Self::start(self.threads)).send(job).ok()
    }

    fn start(threads: usize) -> mpsc::Sender<Job> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = Arc::clone(&receiver);
            let started = std::thread::Builder::new().name(format!("gh-argon2-{n}")).spawn(move || {
                lower_priority();
                loop {
                    // The lock is held only while taking or waiting for the next job, not while
                    // hashing.
                    let queued = receiver.try_lock().ok().and_then(|queue| queue.try_recv().ok());
                    let job = if let Some(job) = queued {
                        job
                    } else {
                        // Nothing queued, or another thread already waits for the next job
                        // (it holds the lock): give the kept memory back before sleeping, so
                        // an idle server holds none of it (a storm's back-to-back jobs keep it).
                        MEMORY.with_borrow_mut(|memory| *memory = Vec::new());
                        let next = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = next else { return }; // every sender is gone
                        job
                    };
                    // A job that panics loses its answer (its caller sees a failure), not the thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
            if let Err(e) = started {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        sender
    }
}

/// Lowers the calling thread's priority to [`HASHING_NICE`] (on Linux the nice value belongs to
/// the thread). Best effort: where it cannot, hashing runs at normal priority, as it did.
fn lower_priority() {
    let tid = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(tid), HASHING_NICE) {
        tracing::warn!(error = %e, "could not lower the password hashing thread's priority");
    }
}

thread_local! {
    /// The argon2 memory of this hashing thread, kept from one verification to the next while
    /// more are queued, and given back when the queue is empty. Allocated per hash, its 19 MiB
    /// were faulted in and zeroed by the kernel every time: with it kept, the ceiling rose from
    /// about 77 to 137 verifications a second on two cores (docs/performance.md). (It holds what
    /// the last hash derived, never the password itself; freed memory would hold the same.)
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The most argon2 memory a stored hash may ask a verification for: 1 GiB, fifty times the
/// pinned cost. A hash asking for more (never made by Gatehouse) does not match.
const MAX_VERIFY_BLOCKS: usize = 1 << 20;

/// Whether `password` matches the PHC string `phc`, computed with the parameters the string
/// names (an older hash still verifies; `needs_rehash` tells the caller to upgrade it) in this
/// thread's kept memory. The outputs are compared in constant time.
fn verify_in_kept_memory(password: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
    let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let blocks = params.block_count();
    if blocks > MAX_VERIFY_BLOCKS {
        return false;
    }
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    let hashed = MEMORY.with_borrow_mut(|memory| {
        // Fallibly: memory that cannot be had is a failed verification, not an aborted process.
        memory.try_reserve_exact(blocks.saturating_sub(memory.len())).ok()?;
        memory.resize(blocks, Block::default());
        Some(argon2.hash_password_into_with_memory(password, salt, &mut computed, &mut memory[..]))
    });
    let Some(hashed) = hashed else { return false };
    hashed.is_ok() && Output::new(&computed).is_ok_and(|c| c == *expected)
}

/// A hashing failure, with a message that never contains the password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
struct HashError(String);

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &SecretString) -> Result<String, StoreError> {
        let password = password.clone();
        let result = self
            .run(move || {
                let argon2 = Self::argon2().map_err(|e| HashError(e.to_string()))?;
                argon2
                    .hash_password(password.expose().as_bytes())
                    .map(|h| h.to_string())
                    .map_err(|e| HashError(e.to_string()))
            })
            .await
            .unwrap_or_else(|| Err(HashError("the hashing task was cancelled".into())));
        result.map_err(StoreError::backend)
    }

    async fn verify(&self, password: &SecretString, phc: &str) -> bool {
        let password = password.clone();
        let phc = phc.to_owned();
        self.run(move || verify_in_kept_memory(password.expose().as_bytes(), &phc)).await.unwrap_or(false)
    }

    async fn verify_dummy(&self, password: &SecretString) {
        let dummy = self
            .dummy
            .get_or_try_init(|| async {
                let mut random = [0u8; 32];
                rand::rng().fill(&mut random[..]);
                let throwaway = URL_SAFE_NO_PAD.encode(random);
                self.hash(&SecretString::new(throwaway)).await
            })
            .await;
        match dummy {
            // The result does not matter (a random password is never typed); the time does.
            Ok(phc) => {
                let _ = self.verify(password, phc).await;
            }
            Err(e) => tracing::error!(error = %e, "could not make the dummy password hash"),
        }
    }

    fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(hash) = PasswordHash::new(phc) else { return true };
        let Ok(params) = Params::try_from(&hash) else { return true };
        hash.algorithm.as_str() != argon2::ARGON2ID_IDENT.as_str()
            || hash.version != Some(u32::from(Version::V0x13))
            || (params.m_cost(), params.t_cost(), params.p_cost()) != (ARGON2_M_KIB, ARGON2_T, ARGON2_P)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(datetime!(2026-11-21 12:00 UTC));
        assert_eq!(clock.now(), datetime!(2026-11-21 12:00 UTC));
        clock.advance(Duration::minutes(90));
        assert_eq!(clock.now(), datetime!(2026-11-21 13:30 UTC));
        clock.set(datetime!(2027-01-01 00:00 UTC));
        assert_eq!(clock.now(), datetime!(2027-01-01 00:00 UTC));
    }

    #[test]
    fn ids_are_v7_and_ordered() {
        let (a, b) = (UuidV7Ids.new_id(), UuidV7Ids.new_id());
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }

    #[test]
    fn the_system_clock_is_utc() {
        assert!(SystemClock.now().offset().is_utc());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_pinned_parameters_s4() {
        let hasher = Argon2Hasher::new();
        let pw = SecretString::new("correct horse battery staple");
        let h1 = hasher.hash(&pw).await.expect("hash");
        let h2 = hasher.hash(&pw).await.expect("hash");
        assert!(h1.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h1}");
        assert_ne!(h1, h2, "a fresh salt every time");
        assert!(!h1.contains("horse"));
        assert!(hasher.verify(&pw, &h1).await);
        assert!(hasher.verify(&pw, &h2).await);
        assert!(!hasher.verify(&SecretString::new("correct horse battery stapl"), &h1).await);
        assert!(!hasher.verify(&SecretString::new("correct horse battery staple!"), &h1).await, "S2");
    }

    #[tokio::test]
    async fn one_thread_memory_verifies_hashes_of_any_parameters_as_the_crate_does() {
        // One hashing thread: every verification below runs in the same kept memory, which
        // must grow and shrink with each hash's parameters.
        let hasher = Argon2Hasher::with_limit(1);
        let pw = SecretString::new("correct horse battery staple");
        let wrong = SecretString::new("correct horse battery stapler");
        let current = hasher.hash(&pw).await.expect("hash");
        let mut made = Vec::new();
        for (m, t, algorithm) in
            [(8, 1, Algorithm::Argon2id), (4_096, 3, Algorithm::Argon2i), (65_536, 1, Algorithm::Argon2d)]
        {
            let argon2 = Argon2::new(algorithm, Version::V0x13, Params::new(m, t, 1, None).expect("params"));
            made.push(argon2.hash_password(pw.expose().as_bytes()).expect("older hash").to_string());
        }
        made.insert(1, current);
        for phc in &made {
            let crate_says = PasswordHash::new(phc).is_ok_and(|h| {
                use argon2::PasswordVerifier as _;
                Argon2::default().verify_password(pw.expose().as_bytes(), &h).is_ok()
            });
            assert!(crate_says, "the crate's own verifier accepts {phc}");
            assert!(hasher.verify(&pw, phc).await, "{phc}");
            assert!(!hasher.verify(&wrong, phc).await, "{phc}");
        }
        assert!(hasher.verify(&pw, &made[0]).await, "the smallest again, after the largest");
    }

    #[tokio::test]
    async fn malformed_hashes_never_match() {
        let hasher = Argon2Hasher::with_limit(1);
        let pw = SecretString::new("whatever password");
        for bad in ["", "plain", "$argon2id$v=19$m=19456,t=2,p=1$", "$2b$12$abcdefghijklmnopqrstuv"] {
            assert!(!hasher.verify(&pw, bad).await, "{bad:?}");
        }
        // A stored hash asking for 4 TiB (or 2 GiB) of memory does not match, and the thread goes
        // on (the cap refuses it before any allocation; the test cannot tell that apart).
        let real = hasher.hash(&pw).await.expect("hash");
        for m in ["m=4294967295", "m=2097152"] {
            let greedy = real.replacen("m=19456", m, 1);
            assert!(!hasher.verify(&pw, &greedy).await, "{greedy}");
        }
        assert!(hasher.verify(&pw, &real).await, "the thread still verifies");
    }

    #[tokio::test]
    async fn the_dummy_verification_costs_a_real_one_and_always_fails_s15() {
        let hasher = Argon2Hasher::with_limit(1);
        let pw = SecretString::new("correct horse battery staple");
        hasher.verify_dummy(&pw).await;
        let dummy = hasher.dummy.get().expect("made on first use").clone();
        assert!(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{dummy}");
        assert!(!hasher.needs_rehash(&dummy));
        hasher.verify_dummy(&SecretString::new("other")).await;
        assert_eq!(hasher.dummy.get(), Some(&dummy), "made once");
        assert!(!hasher.verify(&pw, &dummy).await);
    }

    #[tokio::test]
    async fn only_hashes_with_other_parameters_need_a_rehash_s4() {
        let hasher = Argon2Hasher::with_limit(1);
        let pinned = hasher.hash(&SecretString::new("a password long enough")).await.expect("hash");
        assert!(!hasher.needs_rehash(&pinned));

        let weak =
            Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).expect("params"))
                .hash_password(b"a password long enough")
                .expect("hash")
                .to_string();
        assert!(weak.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"), "{weak}");
        assert!(hasher.needs_rehash(&weak));
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).expect("params"),
        )
        .hash_password(b"a password long enough")
        .expect("hash")
        .to_string();
        assert!(hasher.needs_rehash(&argon2i), "{argon2i}");
        let old_version = pinned.replace("$v=19$", "$v=16$");
        assert!(hasher.needs_rehash(&old_version));
        for bad in ["", "plain", "$2b$12$abcdefghijklmnopqrstuv"] {
            assert!(hasher.needs_rehash(bad), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn concurrent_hashes_all_complete_under_the_limit() {
        let hasher = Argon2Hasher::with_limit(1);
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash(&SecretString::new(format!("password number {i}"))).await })
            })
            .collect();
        for t in tasks {
            assert!(t.await.expect("joined").is_ok());
        }
    }

    #[tokio::test]
    async fn at_most_limit_hashes_run_at_once_on_threads_of_lower_priority() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Argon2Hasher::with_limit(2);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    hasher
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(30));
                            running.fetch_sub(1, Ordering::SeqCst);
                            let me = std::thread::current();
                            (me.name().map(str::to_owned), rustix::process::getpriority_process(None))
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            let (name, nice) = job.await.expect("joined").expect("ran");
            assert!(name.is_some_and(|n| n.starts_with("gh-argon2-")));
            // `getpriority(PRIO_PROCESS, 0)` reads the calling thread's nice value on Linux.
            assert_eq!(nice.expect("getpriority"), HASHING_NICE);
        }
        assert_eq!(most.load(Ordering::SeqCst), 2, "two threads, both used, never more");
    }
}
