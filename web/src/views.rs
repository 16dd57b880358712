//! The panel's HTML, rendered on the server with maud (escaped by construction: no HTML is
//! ever built with `format!`). `layout` has the page frame, `components` the small pieces,
//! and each page has its own file.

pub mod account;
pub mod admins;
pub mod audit;
pub mod components;
pub mod error;
pub mod home;
pub mod layout;
pub mod login;
pub mod settings;
pub mod setup;

pub use layout::{Ctx, Notice};
