//! Mock ports for the use-case unit tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gatehouse_domain::{Actor, ActorKind, AdminId, Role, TenantScope};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::ports::{
    Clock, IdGenerator, MockAdminRepository, MockApiKeyStore, MockApiLogStore, MockAuditLog, MockBulkLoader,
    MockIdempotencyStore, MockLoginThrottle, MockMailer, MockMfaUpstream, MockOutbox, MockPanelQueries,
    MockPasswordHasher, MockSecondFactorStore, MockSecretBox, MockSessionStore, MockSettingsStore,
    MockSupportGrants, MockSyncStore, MockSystemProbe, MockTenantRepository, MockTokens, MockTotpService,
    MockUnitOfWork, MockUsageRepository, Ports, Work,
};

pub const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

#[derive(Default)]
struct CountingIds(AtomicU64);
impl IdGenerator for CountingIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::Relaxed)) + 1)
    }
}

/// One mock per port; a call nobody expected fails the test.
pub struct MockPorts {
    pub tenants: MockTenantRepository,
    pub usage: MockUsageRepository,
    pub admins: MockAdminRepository,
    pub audit: MockAuditLog,
    pub work: MockUnitOfWork,
    pub bulk: MockBulkLoader,
    pub passwords: MockPasswordHasher,
    pub sessions: MockSessionStore,
    pub throttle: MockLoginThrottle,
    pub second_factor: MockSecondFactorStore,
    pub settings: MockSettingsStore,
    pub totp: MockTotpService,
    pub secrets: MockSecretBox,
    pub tokens: MockTokens,
    pub panel: MockPanelQueries,
    pub probe: MockSystemProbe,
    pub upstream: MockMfaUpstream,
    pub support: MockSupportGrants,
    pub idempotency: MockIdempotencyStore,
    pub api_log: MockApiLogStore,
    pub api_keys: MockApiKeyStore,
    pub outbox: MockOutbox,
    pub mailer: MockMailer,
    pub sync: MockSyncStore,
}

/// A unit of work that says it writes one group at a time (what the tests' expectations of
/// `commit` are written against) and expects nothing else yet.
fn one_writer() -> MockUnitOfWork {
    let mut work = MockUnitOfWork::new();
    work.expect_parallel_writes().return_const(1_usize);
    work
}

impl MockPorts {
    pub fn new() -> Self {
        MockPorts {
            tenants: MockTenantRepository::new(),
            usage: MockUsageRepository::new(),
            admins: MockAdminRepository::new(),
            audit: MockAuditLog::new(),
            work: one_writer(),
            bulk: MockBulkLoader::new(),
            passwords: MockPasswordHasher::new(),
            sessions: MockSessionStore::new(),
            throttle: MockLoginThrottle::new(),
            second_factor: MockSecondFactorStore::new(),
            settings: MockSettingsStore::new(),
            totp: MockTotpService::new(),
            secrets: MockSecretBox::new(),
            tokens: MockTokens::new(),
            panel: MockPanelQueries::new(),
            probe: MockSystemProbe::new(),
            upstream: MockMfaUpstream::new(),
            support: MockSupportGrants::new(),
            idempotency: MockIdempotencyStore::new(),
            api_log: MockApiLogStore::new(),
            api_keys: MockApiKeyStore::new(),
            outbox: MockOutbox::new(),
            mailer: MockMailer::new(),
            sync: MockSyncStore::new(),
        }
    }

    /// Default settings, readable any number of times.
    pub fn with_default_settings(&mut self) -> &mut Self {
        self.settings.expect_get().returning(|| Ok(gatehouse_domain::settings::SystemSettings::default()));
        self
    }

    /// Tokens `token-1`, `token-2`, … hashed as their own bytes reversed.
    pub fn with_tokens(&mut self) -> &mut Self {
        let n = std::sync::Arc::new(AtomicU64::new(0));
        self.tokens.expect_new_token().returning(move || {
            crate::ports::SecretString::new(format!("token-{}", n.fetch_add(1, Ordering::Relaxed) + 1))
        });
        self.tokens.expect_hash().returning(|t| t.bytes().rev().collect());
        self
    }

    /// Expects exactly one commit and hands its work to `check`.
    pub fn expect_commit(&mut self, check: impl Fn(&Work) + Send + Sync + 'static) {
        self.work.expect_commit().times(1).returning(move |w| {
            check(&w);
            Ok(())
        });
    }

    pub fn ports(self) -> Ports {
        Ports {
            tenants: Arc::new(self.tenants),
            usage: Arc::new(self.usage),
            admins: Arc::new(self.admins),
            audit: Arc::new(self.audit),
            work: Arc::new(self.work),
            bulk: Arc::new(self.bulk),
            clock: Arc::new(FixedClock),
            ids: Arc::new(CountingIds::default()),
            passwords: Arc::new(self.passwords),
            sessions: Arc::new(self.sessions),
            throttle: Arc::new(self.throttle),
            second_factor: Arc::new(self.second_factor),
            settings: Arc::new(self.settings),
            totp: Arc::new(self.totp),
            secrets: Arc::new(self.secrets),
            tokens: Arc::new(self.tokens),
            panel: Arc::new(self.panel),
            probe: Arc::new(self.probe),
            upstream: Arc::new(self.upstream),
            support: Arc::new(self.support),
            idempotency: Arc::new(self.idempotency),
            api_log: Arc::new(self.api_log),
            api_keys: Arc::new(self.api_keys),
            outbox: Arc::new(self.outbox),
            mailer: Arc::new(self.mailer),
            sync: Arc::new(self.sync),
        }
    }
}

pub fn cli() -> Actor {
    Actor::cli("tester")
}

pub fn admin(role: Role, scope: TenantScope) -> Actor {
    Actor {
        kind: ActorKind::Admin { id: AdminId::from_uuid(Uuid::from_u128(99)), username: "alice".into() },
        permissions: role.permissions().iter().copied().collect(),
        scope,
    }
}

/// An actor who may only read.
pub fn forbidden_actor() -> Actor {
    admin(Role::Auditor, TenantScope::All)
}

/// A basic-plan tenant `acme` with two domains, at version 1, in `status`.
pub fn tenant(status: gatehouse_domain::TenantStatus) -> gatehouse_domain::Tenant {
    use gatehouse_domain::{Email, Hostname, NewTenant, Plan, Tenant, TenantId, TenantName, TenantSlug};
    let mut t = Tenant::register(
        TenantId::from_uuid(Uuid::from_u128(7)),
        NewTenant {
            name: TenantName::parse("Acme").expect("name"),
            slug: TenantSlug::parse("acme").expect("slug"),
            contact_email: Email::parse("ops@acme.example").expect("email"),
            plan: Plan::Basic,
            domains: vec![
                Hostname::parse("acme.example").expect("host"),
                Hostname::parse("www.acme.example").expect("host"),
            ],
            features: None,
        },
        NOW,
    )
    .expect("valid");
    t.status = status;
    t
}

/// An active owner account `alice`.
pub fn owner() -> gatehouse_domain::SuperAdmin {
    use gatehouse_domain::{AdminId, AdminStatus, Email, SuperAdmin, Username};
    SuperAdmin {
        id: AdminId::from_uuid(Uuid::from_u128(99)),
        username: Username::parse("alice").expect("username"),
        email: Email::parse("alice@example.com").expect("email"),
        role: Role::Owner,
        scope: TenantScope::All,
        status: AdminStatus::Active,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        totp_enabled: false,
        created_at: NOW,
        updated_at: NOW,
    }
}

/// A session of `owner()` started at `NOW` from 203.0.113.9 / Firefox.
pub fn session(stage: gatehouse_domain::session::SessionStage) -> gatehouse_domain::session::Session {
    gatehouse_domain::session::Session {
        id: Uuid::from_u128(500),
        token_hash: b"tok".to_vec(),
        admin_id: owner().id,
        stage,
        created_at: NOW,
        last_seen_at: NOW,
        ip: "203.0.113.9".into(),
        user_agent: "Firefox".into(),
        remember: false,
        second_factor_failures: 0,
        return_to: None,
        ended: None,
    }
}

/// `owner()` (with TOTP on) in `session(stage)`, as validation would hand it over.
pub fn authenticated(
    stage: gatehouse_domain::session::SessionStage,
) -> crate::validate_session::Authenticated {
    let admin = gatehouse_domain::SuperAdmin { totp_enabled: true, ..owner() };
    crate::validate_session::Authenticated {
        actor: Actor::admin(&admin),
        admin,
        session: session(stage),
        expires_at: NOW + time::Duration::hours(2),
        banner: None,
    }
}
