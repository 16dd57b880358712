//! The panel's HTML, rendered on the server with maud (escaped by construction: no HTML is
//! ever built with `format!`). `layout` has the page frame, `components` the small pieces,
//! and each page has its own file.

pub mod account;
pub mod admins;
pub mod analytics;
pub mod api_keys;
pub mod api_log;
pub mod audit;
pub mod charts;
pub mod components;
pub mod dashboard;
pub mod error;
pub mod layout;
pub mod login;
pub mod notifications;
pub mod settings;
pub mod setup;
pub mod support;
pub mod system;
pub mod tenants;

pub use layout::{Ctx, Notice};
