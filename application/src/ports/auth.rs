//! Ports of the SuperAdmin login: sessions, failure counting, second-factor secrets,
//! settings, and the cryptography behind them.

use async_trait::async_trait;
use gatehouse_domain::lockout::FailureCounts;
use gatehouse_domain::session::Session;
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{AdminId, SuperAdmin};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{SecretString, StoreError};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The session whose token hashes to `token_hash`, ended or not, with its admin: one read,
    /// since every request of a logged-in admin needs both.
    async fn by_token_hash(&self, token_hash: &[u8]) -> Result<Option<(Session, SuperAdmin)>, StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<Session>, StoreError>;
    /// An admin's sessions, newest first; only the active ones unless `include_ended`.
    async fn for_admin(&self, admin: AdminId, include_ended: bool) -> Result<Vec<Session>, StoreError>;
    /// Marks activity (every request; not audited).
    async fn touch(&self, id: Uuid, at: OffsetDateTime) -> Result<(), StoreError>;
    /// Counts one wrong second-factor code atomically and returns the new count (S12).
    async fn add_second_factor_failure(&self, id: Uuid) -> Result<u32, StoreError>;
}

/// Who a failure is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ThrottleKey {
    Account(AdminId),
    /// A username that matches no account: counted too, so probing names costs the same.
    UnknownAccount(String),
    ClientIp(String),
}

impl ThrottleKey {
    /// The stable text form used as the storage key.
    pub fn as_key(&self) -> String {
        match self {
            ThrottleKey::Account(id) => format!("account:{id}"),
            ThrottleKey::UnknownAccount(name) => format!("unknown:{name}"),
            ThrottleKey::ClientIp(ip) => format!("ip:{ip}"),
        }
    }
}

/// The state of one key at the start of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyState {
    /// Failures counted against the key, *including* the attempt being started.
    pub counts: FailureCounts,
    pub locked_until: Option<OffsetDateTime>,
}

/// Failure counting in the database, so lockout holds across restarts and instances (S13).
///
/// An attempt is counted *before* the password is checked and un-counted when it succeeds:
/// however many wrong attempts arrive in parallel, no more than the policy allows are ever
/// checked.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Atomically (per key) counts an attempt at `now` under `attempt` and returns each key's
    /// state, counting failures within `window` and within the last hour.
    async fn begin_attempt(
        &self,
        keys: &[ThrottleKey],
        attempt: Uuid,
        now: OffsetDateTime,
        window: Duration,
    ) -> Result<Vec<KeyState>, StoreError>;
    /// The attempt succeeded: forget it, and clear the failures and lock of `reset`.
    async fn succeed(&self, attempt: Uuid, reset: &[ThrottleKey]) -> Result<(), StoreError>;
    async fn lock(&self, key: &ThrottleKey, until: OffsetDateTime) -> Result<(), StoreError>;
    /// Lifts a lock and forgets the key's failures (the owner's unlock).
    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError>;
    async fn locked_until(&self, key: &ThrottleKey) -> Result<Option<OffsetDateTime>, StoreError>;
}

/// A SuperAdmin's second-factor material. Secrets are sealed by [`SecretBox`]; recovery codes
/// are hashed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecondFactor {
    /// The confirmed TOTP secret (sealed).
    pub totp_secret: Option<Vec<u8>>,
    /// A secret being set up, active only after a correct first code (S9).
    pub pending_secret: Option<Vec<u8>>,
    /// The last TOTP time step accepted (S8).
    pub last_step: Option<u64>,
    /// How many recovery codes are left unused.
    pub unused_recovery_codes: usize,
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    async fn get(&self, admin: AdminId) -> Result<SecondFactor, StoreError>;
    /// Records `step` as used if it is later than the last one; `false` means a replay (S8).
    /// Atomic, so two requests with the same code cannot both pass.
    async fn claim_step(&self, admin: AdminId, step: u64) -> Result<bool, StoreError>;
    /// Marks the unused recovery code with this hash as used at `at`; `false` if there is none
    /// (S10). Atomic, so a code cannot be spent twice.
    async fn use_recovery_code(
        &self,
        admin: AdminId,
        code_hash: &[u8],
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The current settings (defaults for what was never set).
    async fn get(&self) -> Result<SystemSettings, StoreError>;
}

/// TOTP per RFC 6238: SHA-1, 6 digits, 30-second steps, one step of drift (S6, S7).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TotpService: Send + Sync {
    /// A new 160-bit secret from the OS CSPRNG.
    fn new_secret(&self) -> Vec<u8>;
    /// The time step `code` matches at `now` (±1 step), if any.
    fn matching_step(&self, secret: &[u8], code: &str, now: OffsetDateTime) -> Option<u64>;
    /// The secret as people type it into an app by hand (base32).
    fn display_secret(&self, secret: &[u8]) -> String;
    /// The `otpauth://` URI for authenticator apps.
    fn provisioning_uri(&self, secret: &[u8], account: &str) -> String;
    /// The URI as an SVG QR code, drawn by the server.
    fn qr_svg(&self, uri: &str) -> String;
}

/// Authenticated encryption of secrets at rest with the server key (S6, S30).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecretBox: Send + Sync {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8>;
    /// `None` if the data was not sealed with this key or was altered.
    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>>;
}

/// Fresh random tokens and their hashes (S16, S29).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Tokens: Send + Sync {
    /// 256 random bits, URL-safe text.
    fn new_token(&self) -> SecretString;
    /// A keyed hash (HMAC-SHA256 under a server-derived key) of a token: what storage keeps, and
    /// what a stolen table cannot be searched against offline.
    fn hash(&self, token: &str) -> Vec<u8>;
    /// A recovery code of `second_factor::RECOVERY_CODE_ALPHABET`, unformatted.
    fn new_recovery_code(&self) -> String;
}
