//! Mock ports for the use-case unit tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gatehouse_domain::{Actor, ActorKind, AdminId, Role, TenantScope};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::ports::{
    Clock, IdGenerator, MockAdminRepository, MockAuditLog, MockBulkLoader, MockPasswordHasher,
    MockTenantRepository, MockUnitOfWork, MockUsageRepository, Ports, Work,
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
}

impl MockPorts {
    pub fn new() -> Self {
        MockPorts {
            tenants: MockTenantRepository::new(),
            usage: MockUsageRepository::new(),
            admins: MockAdminRepository::new(),
            audit: MockAuditLog::new(),
            work: MockUnitOfWork::new(),
            bulk: MockBulkLoader::new(),
            passwords: MockPasswordHasher::new(),
        }
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
