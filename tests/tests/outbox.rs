//! The outbox against real peers, on SQLite and PostgreSQL: e-mail delivered to a real SMTP
//! server (aiosmtpd, see `gatehouse_tests::smtp`) through an outage, exactly once; two workers
//! on separate pools sharing one outbox; and the kill switch's pushes reaching the stand-in
//! upstream, through its faults. Time is a manual clock: backoffs pass by moving it, never by
//! sleeping.

#[macro_use]
extern crate gatehouse_tests;

#[path = "outbox/mail.rs"]
mod mail;
#[path = "outbox/push.rs"]
mod push;
#[path = "outbox/shared.rs"]
mod shared;

use std::sync::Arc;

use gatehouse_adapters::config::Settings;
use gatehouse_adapters::system::ManualClock;
use gatehouse_adapters::wiring::{Migrate, Wiring, install_crypto_provider, wire_with};
use gatehouse_application::deliver_outbox::{self, Policy, Round};
use gatehouse_application::ports::{OutboxEntry, OutboxQuery, Payload};
use gatehouse_application::{Ports, change_tenant_status, register_tenant};
use gatehouse_domain::{Actor, MessageKind, Plan, Tenant, TenantStatus};
use gatehouse_tests::TestDb;
use gatehouse_tests::app::{Backend, START};
use gatehouse_tests::storage::{postgres_db, sqlite_db};

/// The upstream key of the stand-ins.
pub const TOKEN: &str = "outbox-test-upstream-key";

/// Where the outbox's peers are, for the wiring.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    pub smtp_port: Option<u16>,
    pub upstream_url: Option<String>,
}

/// A fresh database of `backend`; `None` (after a loud SKIPPED line) without PostgreSQL.
pub async fn database(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(sqlite_db().await),
        Backend::Postgres => postgres_db().await,
    }
}

/// The ports of one Gatehouse instance on `db` (its own pool), talking to `peers`, on `clock`.
pub async fn instance(db: &TestDb, peers: &Peers, clock: Arc<ManualClock>) -> Wiring {
    install_crypto_provider();
    let data = std::env::temp_dir().join("gatehouse-outbox-test-unused").display().to_string();
    let vars = [
        ("GATEHOUSE_DATA_DIR", Some(data)),
        ("DATABASE_URL", Some(db.url().to_owned())),
        ("GATEHOUSE_SECRET_KEY", Some("22".repeat(32))),
        ("EMAIL_HOST", peers.smtp_port.map(|_| "127.0.0.1".to_owned())),
        ("EMAIL_PORT", peers.smtp_port.map(|p| p.to_string())),
        ("EMAIL_USE_TLS", Some("false".to_owned())),
        ("DEFAULT_FROM_EMAIL", Some("Gatehouse <noreply@panel.example>".to_owned())),
        ("MFA_SYSTEM_API_URL", peers.upstream_url.clone()),
        ("MFA_SYSTEM_API_KEY", peers.upstream_url.as_ref().map(|_| TOKEN.to_owned())),
    ];
    let settings =
        Settings::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).and_then(|(_, v)| v.clone()))
            .expect("settings");
    wire_with(&settings, Migrate::No, clock).await.expect("wired")
}

/// A manual clock at the tests' start.
pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(START))
}

/// One worker round with full jitter (the longest backoff).
pub async fn round(ports: &Ports, worker: &str, policy: &Policy) -> Round {
    deliver_outbox::run_once(ports, worker, policy, &|| 1.0).await.expect("round")
}

/// An active tenant `slug`, registered as the CLI operator.
pub async fn active_tenant(ports: &Ports, slug: &str) -> Tenant {
    let req = register_tenant::Request {
        name: format!("Tenant {slug}"),
        slug: Some(slug.into()),
        contact_email: format!("ops@{slug}.example"),
        plan: Some(Plan::Basic),
        domains: vec![format!("{slug}.example")],
        features: None,
        activate: true,
    };
    register_tenant::run(ports, &cli(), req).await.expect("registered").tenant
}

pub fn cli() -> Actor {
    Actor::cli("outbox-test")
}

/// Moves `tenant` to `to` (with a reason when one is needed).
pub async fn set_status(ports: &Ports, tenant: &Tenant, to: TenantStatus) -> Tenant {
    let reason =
        matches!(to, TenantStatus::Suspended | TenantStatus::Cancelled).then(|| "unpaid invoice".to_owned());
    let req = change_tenant_status::Request { tenant: tenant.id.into(), to, reason, expected_version: None };
    change_tenant_status::run(ports, &cli(), req).await.expect("status changed")
}

/// Every outbox message of `kind`, newest first.
pub async fn messages(ports: &Ports, kind: MessageKind) -> Vec<OutboxEntry> {
    let q = OutboxQuery { kind: Some(kind), limit: 1000, ..OutboxQuery::default() };
    ports.outbox.list(&q).await.expect("outbox")
}

/// The Message-ID an outbox e-mail is sent with.
pub fn message_id(e: &OutboxEntry) -> String {
    assert!(matches!(e.message.payload, Payload::Email(_)));
    format!("<{}@gatehouse>", e.message.id)
}
