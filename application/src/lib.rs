//! Gatehouse's use cases and the ports (traits) they reach the world through.
//!
//! Each use case takes an [`Actor`](gatehouse_domain::Actor), checks its permission through
//! the domain, does its work through ports, and commits its change together with its audit
//! events as one [`Work`](ports::Work) — one transaction. Nothing here knows a database, HTTP
//! or SMTP library: the adapters crate implements the ports, and unit tests use the mockall
//! mocks generated for each port (feature `mocks` makes them available to other crates).

pub mod analytics;
pub mod api_log;
pub mod audit_query;
pub mod authenticate_api_key;
pub mod billing_report;
pub mod bulk_action;
pub mod change_password;
pub mod change_plan;
pub mod change_tenant_status;
pub mod dashboard;
pub mod deliver_outbox;
pub mod error;
pub mod first_run;
pub mod ingest_usage;
pub mod list_tenants;
pub mod login;
pub mod logout;
pub mod manage_admins;
pub mod manage_api_keys;
pub mod manage_domains;
pub mod manage_outbox;
pub mod manage_sessions;
pub mod manage_settings;
pub mod manage_tenant_keys;
pub mod notify;
pub mod ports;
pub mod record_denial;
pub mod register_tenant;
pub mod seed_demo;
pub mod session_support;
pub mod setup_totp;
pub mod show_tenant;
pub mod support_view;
pub mod sync_tenants;
pub mod system_status;
pub mod tenant_ref;
pub mod tenant_usage;
pub mod update_features;
pub mod update_tenant;
pub mod validate_session;
pub mod verify_audit;
pub mod verify_second_factor;

pub use error::{Error, Result};
pub use ports::Ports;
pub use tenant_ref::TenantRef;

#[cfg(test)]
pub(crate) mod testing;
