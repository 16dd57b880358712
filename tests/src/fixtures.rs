//! Builders of valid domain values for tests, at a fixed instant with microsecond digits (so
//! exact round trips are really tested).

use gatehouse_domain::session::{Session, SessionStage};
use gatehouse_domain::{
    Actor, AdminId, AdminStatus, AuditEvent, AuditKind, DailyUsage, Email, Hostname, NewTenant, Outcome,
    Plan, Role, SuperAdmin, Tenant, TenantId, TenantName, TenantScope, TenantSlug, Username,
};
use time::macros::datetime;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// The tests' "now": a fixed instant with microsecond digits.
pub fn now() -> OffsetDateTime {
    datetime!(2026-11-21 12:34:56.123456 UTC)
}

/// A hostname that must parse.
pub fn host(name: &str) -> Hostname {
    Hostname::parse(name).expect("valid hostname")
}

/// A new pending tenant registered at `now() + minutes`.
pub fn tenant(name: &str, slug: &str, plan: Plan, domains: &[&str], minutes: i64) -> Tenant {
    let new = NewTenant {
        name: TenantName::parse(name).expect("valid name"),
        slug: TenantSlug::parse(slug).expect("valid slug"),
        contact_email: Email::parse("ops@acme.example").expect("valid email"),
        plan,
        domains: domains.iter().map(|d| host(d)).collect(),
        features: None,
    };
    Tenant::register(TenantId::from_uuid(Uuid::now_v7()), new, now() + Duration::minutes(minutes))
        .expect("valid tenant")
}

/// An audit event by the CLI operator.
pub fn event(kind: AuditKind, tenant: Option<TenantId>) -> AuditEvent {
    let e = AuditEvent::new(Uuid::now_v7(), now(), kind, &Actor::cli("tester"), Outcome::Success);
    match tenant {
        Some(t) => e.tenant(t),
        None => e,
    }
}

/// An active admin.
pub fn admin(username: &str, role: Role) -> SuperAdmin {
    SuperAdmin {
        id: AdminId::from_uuid(Uuid::now_v7()),
        username: Username::parse(username).expect("valid username"),
        email: Email::parse(&format!("{username}@gatehouse.example")).expect("valid email"),
        role,
        scope: TenantScope::All,
        status: AdminStatus::Active,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        totp_enabled: false,
        created_at: now(),
        updated_at: now(),
    }
}

/// A consistent day of usage: `attempts` attempts, 90 % successful.
pub fn usage(tenant: TenantId, day: Date, attempts: u64, users: u64, ms: u32) -> DailyUsage {
    let successes = attempts * 9 / 10;
    DailyUsage {
        tenant_id: tenant,
        day,
        auth_attempts: attempts,
        auth_successes: successes,
        auth_failures: attempts - successes,
        active_users: users,
        api_calls: attempts * 2,
        sms_sent: attempts / 10,
        emails_sent: attempts / 20,
        avg_response_ms: ms,
    }
}

/// A full, active session of `admin` started at `now() + minutes`, its token hash derived from
/// `token` (tests need only distinct bytes, not real SHA-256).
pub fn session(admin: AdminId, token: &str, minutes: i64) -> Session {
    let at = now() + Duration::minutes(minutes);
    Session {
        id: Uuid::now_v7(),
        token_hash: format!("hash-of-{token}").into_bytes(),
        admin_id: admin,
        stage: SessionStage::Full,
        created_at: at,
        last_seen_at: at,
        ip: "192.0.2.10".to_owned(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".to_owned(),
        remember: false,
        second_factor_failures: 0,
        return_to: None,
        ended: None,
    }
}
