//! The hardened SuperAdmin login end to end, over real HTTP with a real cookie jar, on SQLite
//! and (when `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL, each test on a fresh database
//! with its own manual clock. Test names cite the SECURITY.md items they check.

#[macro_use]
extern crate gatehouse_tests;

#[path = "auth/flow.rs"]
mod flow;
#[path = "auth/hardening.rs"]
mod hardening;
#[path = "auth/lockout.rs"]
mod lockout;
#[path = "auth/panel.rs"]
mod panel;
#[path = "auth/sessions.rs"]
mod sessions;
