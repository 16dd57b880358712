//! The login storm's accounts: auditors stored through the unit of work in batches, all with
//! one argon2id hash of the same password (made once, by the server's own hasher) and each with
//! its own TOTP secret, enrolled; and the pool that lends them out to log in.
//!
//! Why many accounts: an account accepts each 30-second TOTP step once, and afterwards only
//! later steps (S8), so one account logs in at most once a step. Why stored directly rather than
//! created and enrolled over HTTP: that costs two argon2 hashes and a login an account, minutes
//! for thousands of them, and measures nothing. Each person logs in from an address of their
//! own (sent as `X-Forwarded-For`, the server trusting 127.0.0.1 as its proxy), as a deployment
//! behind a proxy sees its admins: the burst limit and the lockout count per address (S13, S14).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;
use gatehouse_application::Ports;
use gatehouse_application::ports::{Change, Work};
use gatehouse_domain::{
    Actor, AdminId, AdminStatus, AuditEvent, AuditKind, Email, Outcome, Role, SuperAdmin, TenantScope,
    Username,
};
use reqwest::header::HeaderValue;
use time::OffsetDateTime;

use crate::load::Timing;

/// The password of every bench account.
pub const PASSWORD: &str = "benchmark accounts share this passphrase";

/// Accounts stored per unit of work.
const BATCH: usize = 500;
/// An account logs in at most once per TOTP step of 30 s.
const STEP_SECONDS: f64 = 30.0;
/// Accounts for this many times the ceiling's rate: a storm's rate cannot pass the ceiling but
/// for noise between the two measurements.
const RATE_MARGIN: f64 = 1.5;

/// One bench account as its owner knows it.
#[derive(Debug)]
pub struct Person {
    pub username: String,
    /// The TOTP secret, as the person's authenticator holds it.
    pub secret: Vec<u8>,
    /// The address the person logs in from.
    pub forwarded_for: HeaderValue,
    /// The latest TOTP step this person has used; the server accepts only later ones.
    pub last_step: u64,
}

/// The 30-second TOTP step of `at` (RFC 6238).
pub fn step_of(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0) / 30
}

/// How long from `at` until the next TOTP step begins.
pub fn until_next_step(at: OffsetDateTime) -> std::time::Duration {
    let into_step = u64::try_from(at.unix_timestamp()).unwrap_or(0) % 30;
    std::time::Duration::from_secs(30 - into_step)
}

/// The accounts not logging in right now, the one that logged in longest ago first.
#[derive(Debug, Clone, Default)]
pub struct People(Arc<Mutex<VecDeque<Person>>>);

impl People {
    /// Stores `count` accounts with the password hash `phc`, enrolled as if each had confirmed
    /// its authenticator with a code of the step before this one (one step of drift, S7), so
    /// that every account can log in at once.
    pub async fn create(ports: &Ports, phc: &str, count: usize) -> anyhow::Result<People> {
        let now = ports.clock.now();
        let last_step = step_of(now).saturating_sub(1);
        let mut people = VecDeque::with_capacity(count);
        for first in (0..count).step_by(BATCH) {
            let batch = first..count.min(first + BATCH);
            let mut changes = Vec::with_capacity(2 * batch.len());
            for index in batch.clone() {
                let username = format!("bench-{index:05}");
                let admin = SuperAdmin {
                    id: AdminId::from_uuid(ports.ids.new_id()),
                    username: Username::parse(&username)?,
                    email: Email::parse(&format!("{username}@gatehouse.example"))?,
                    role: Role::Auditor,
                    scope: TenantScope::All,
                    status: AdminStatus::Active,
                    password_hash: phc.to_owned(),
                    totp_enabled: false,
                    created_at: now,
                    updated_at: now,
                };
                let secret = ports.totp.new_secret();
                let sealed_secret = ports.secrets.seal(&secret);
                // No recovery codes: the storm never uses them.
                let enable = Change::EnableTotp {
                    admin: admin.id,
                    sealed_secret,
                    last_step,
                    recovery_code_hashes: vec![],
                };
                changes.extend([Change::InsertAdmin(admin), enable]);
                let forwarded_for = HeaderValue::from_str(&address(index))?;
                people.push_back(Person { username, secret, forwarded_for, last_step });
            }
            let audit = AuditEvent::new(
                ports.ids.new_id(),
                now,
                AuditKind::AdminCreated,
                &Actor::cli("bench"),
                Outcome::Success,
            )
            .reason(format!("{} benchmark auditors, bench-{:05} on", batch.len(), batch.start));
            ports
                .work
                .commit(Work { changes, audit: vec![audit] })
                .await
                .context("storing bench accounts")?;
        }
        Ok(People(Arc::new(Mutex::new(people))))
    }

    /// Accounts enough for `storms` runs of `timing` at up to `RATE_MARGIN` times `ceiling`
    /// logins a second, and a first login: once the pool has turned over in more than a step,
    /// its first accounts are fresh again, so it never needs more than a step's worth. Plus
    /// those out of the pool, logging in (one per connection), and those whose login was cut at
    /// the end of a storm after its code was sent (at most one per connection and storm).
    pub fn needed(ceiling: f64, timing: Timing, storms: u32, connections: usize) -> usize {
        let seconds = (timing.warmup + timing.measure).as_secs_f64() * f64::from(storms);
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a few thousand")]
        let fresh = (ceiling * RATE_MARGIN * seconds.min(STEP_SECONDS)).ceil() as usize;
        fresh + 1 + connections * (1 + storms as usize)
    }

    /// Lends out the person who logged in longest ago among those with a fresh step to use now
    /// (`None`: every account has logged in during this step, too few for the rate). The person
    /// comes back to the end of the line when the [`Lent`] is dropped, login finished or not.
    pub fn lend(&self, now: OffsetDateTime) -> Option<Lent> {
        let mut people = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let step = step_of(now);
        let fresh = people.iter().position(|person| person.last_step < step)?;
        Some(Lent { person: people.remove(fresh), people: self.clone() })
    }
}

/// A person logging in, returned to the back of the pool when dropped.
#[derive(Debug)]
pub struct Lent {
    person: Option<Person>,
    people: People,
}

impl Lent {
    pub fn person(&mut self) -> &mut Person {
        self.person.as_mut().unwrap_or_else(|| unreachable!("a lent person is only taken back on drop"))
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(person) = self.person.take() {
            self.people.0.lock().unwrap_or_else(PoisonError::into_inner).push_back(person);
        }
    }
}

/// The `index`th person's address: 10.0.0.1, 10.0.0.2, …
fn address(index: usize) -> String {
    let n = index + 1;
    format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}
