//! The unit of work: one atomic write of changes plus their audit events.

use async_trait::async_trait;
use gatehouse_domain::session::{EndReason, Session};
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{
    AdminId, ApiKey, ApiKeyId, AuditEvent, DailyUsage, SuperAdmin, Tenant, TenantApiKey, TenantId,
    TenantKeyId,
};

use time::OffsetDateTime;
use uuid::Uuid;

/// One change to persist.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new tenant with its domains and features.
    InsertTenant(Tenant),
    /// A changed tenant, saved whole. `tenant.version` is the version it was loaded at: storage
    /// refuses the save with [`StoreError::VersionConflict`] if the stored one differs, and
    /// otherwise stores `version + 1`.
    UpdateTenant(Tenant),
    InsertAdmin(SuperAdmin),
    /// Saves an admin's profile, role, scope, status and password hash.
    UpdateAdmin(SuperAdmin),
    InsertSession(Session),
    /// A login attempt succeeded: forget it, and the counted failures and lock of `reset` — what
    /// [`LoginThrottle::succeed`](super::LoginThrottle::succeed) does, here in the same
    /// transaction as the session the login starts.
    SucceedLoginAttempt {
        attempt: Uuid,
        reset: Vec<super::ThrottleKey>,
    },
    /// Ends one session if it is still active.
    EndSession {
        id: Uuid,
        at: OffsetDateTime,
        reason: EndReason,
    },
    /// Ends every active session of an admin, but `except`.
    EndAdminSessions {
        admin: AdminId,
        at: OffsetDateTime,
        reason: EndReason,
        except: Option<Uuid>,
    },
    /// Accepts a TOTP code's time `step` for `admin`: storage refuses with
    /// [`Conflict::TotpStepUsed`] if that step or a later one was accepted before (S8) — or if
    /// the admin is gone — so the code and what it allows (a full session) are one transaction.
    ClaimTotpStep {
        admin: AdminId,
        step: u64,
    },
    /// Stores (or with `None` drops) a TOTP secret awaiting its first code (S9).
    SetPendingTotp {
        admin: AdminId,
        sealed_secret: Option<Vec<u8>>,
    },
    /// Makes the pending secret the admin's TOTP secret, with the step its first code used and a
    /// fresh set of hashed recovery codes; sets `totp_enabled`.
    EnableTotp {
        admin: AdminId,
        sealed_secret: Vec<u8>,
        last_step: u64,
        recovery_code_hashes: Vec<Vec<u8>>,
    },
    /// Removes TOTP and recovery codes; clears `totp_enabled`.
    DisableTotp {
        admin: AdminId,
    },
    /// Replaces the recovery codes, voiding the old set (S10).
    ReplaceRecoveryCodes {
        admin: AdminId,
        hashes: Vec<Vec<u8>>,
    },
    SaveSettings(SystemSettings),
    /// A one-time first-run setup token (its hash), valid until `expires_at`.
    InsertSetupToken {
        token_hash: Vec<u8>,
        expires_at: OffsetDateTime,
    },
    /// Spends a setup token: storage refuses with `NotFound` if it is unknown, used or expired.
    UseSetupToken {
        token_hash: Vec<u8>,
        at: OffsetDateTime,
    },
    /// A new operator API key and the keyed hash of its text (S29).
    InsertApiKey {
        key: ApiKey,
        hash: Vec<u8>,
    },
    /// Revokes a key: storage refuses with `NotFound` if it is unknown or already revoked.
    RevokeApiKey {
        id: ApiKeyId,
        at: OffsetDateTime,
    },
    /// Notes that a refused use of a key is being audited: storage refuses with `NotFound` if
    /// one was noted since `quiet_since`, so a key hammered after revocation leaves one audit
    /// row per quiet period rather than one per request.
    NoteKeyRefusal {
        id: ApiKeyId,
        at: OffsetDateTime,
        quiet_since: OffsetDateTime,
    },
    /// A new tenant key and the keyed hash of its text.
    InsertTenantKey {
        key: TenantApiKey,
        hash: Vec<u8>,
    },
    /// Ends a tenant's unrevoked keys at `at` (a rotation's overlap), unless they end sooner.
    ExpireTenantKeys {
        tenant: TenantId,
        at: OffsetDateTime,
    },
    /// Revokes every unrevoked key of a tenant at once.
    RevokeTenantKeys {
        tenant: TenantId,
        at: OffsetDateTime,
    },
    /// Revokes one tenant key: storage refuses with `NotFound` if it is not the tenant's or is
    /// already revoked.
    RevokeTenantKey {
        tenant: TenantId,
        id: TenantKeyId,
        at: OffsetDateTime,
    },
    /// A support grant (time-boxed access to a tenant's live end-user data).
    InsertSupportGrant(gatehouse_domain::SupportGrant),
    /// Puts a message in the outbox, pending and due at once; skipped without error when a
    /// message with the same `dedupe_key` exists already.
    Enqueue(super::OutboxMessage),
    /// Makes a dead message pending again, due `at`, with its attempts reset; storage refuses
    /// with `NotFound` unless the message exists and is dead.
    RetryMessage {
        id: Uuid,
        at: OffsetDateTime,
    },
    /// Records tenant-days exactly as `UsageRepository::record` does, inside the work.
    RecordUsage(Vec<DailyUsage>),
    /// Saves what the upstream acknowledged for a tenant (inserted or replaced whole).
    SaveUpstreamLink(super::UpstreamLink),
    /// Records a run's end (its counts, failures and error) and releases the run lock;
    /// storage refuses with `NotFound` unless it is the running run.
    FinishSyncRun(super::SyncRun),
}

/// Everything one use case writes: applied all together or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Work {
    pub changes: Vec<Change>,
    /// Appended to the hash-chained audit log in the same transaction, in this order.
    pub audit: Vec<AuditEvent>,
}

impl Work {
    pub fn new(change: Change, audit: AuditEvent) -> Self {
        Work { changes: vec![change], audit: vec![audit] }
    }
}

/// A uniqueness rule the stored data would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("slug: {0:?} is already taken by another tenant")]
    SlugTaken(String),
    #[error("domain: {0} already belongs to another tenant")]
    DomainTaken(String),
    #[error("username: {0:?} is already taken")]
    UsernameTaken(String),
    /// Another tenant sync is making changes (it says who started it and when).
    #[error("a tenant sync is already running: {0}")]
    SyncRunning(String),
    /// A TOTP code's time step, or a later one, was already accepted for the admin (S8).
    #[error("code: this TOTP code was already used")]
    TotpStepUsed,
}

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Somebody saved the record after it was loaded; nothing was written.
    #[error(
        "the record was changed by someone else since it was loaded (version {expected}); reload and try again"
    )]
    VersionConflict { expected: i64 },
    /// The record to update does not exist (any more).
    #[error("record not found")]
    NotFound,
    /// The database failed or is unreachable; the cause is for the logs, not for clients.
    #[error("storage failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Applies `work` atomically: every change and every audit event, or nothing.
    async fn commit(&self, work: Work) -> Result<(), StoreError>;

    /// How many commits recording usage this store runs well at once: a caller that commits
    /// in groups (the tenant sync) keeps that many groups in flight. One where the database
    /// has a single writer.
    fn parallel_writes(&self) -> usize {
        1
    }
}
