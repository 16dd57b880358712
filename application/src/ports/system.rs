//! Time, identifiers and password hashing.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new time-ordered (v7) UUID.
    fn new_id(&self) -> Uuid;
}

/// A secret string that never shows itself in `Debug` output or logs (S27).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(***)")
    }
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// An argon2id PHC string for `password`, with a fresh random salt.
    async fn hash(&self, password: &SecretString) -> Result<String, super::StoreError>;
    /// Whether `password` matches `phc`. A malformed hash never matches.
    async fn verify(&self, password: &SecretString, phc: &str) -> bool;
    /// Spends the time of a real verification and fails: unknown users must look like wrong
    /// passwords, in time too (S15).
    async fn verify_dummy(&self, password: &SecretString);
    /// Whether `phc` was made with other parameters than today's and should be re-hashed (S4).
    fn needs_rehash(&self, phc: &str) -> bool;
}
