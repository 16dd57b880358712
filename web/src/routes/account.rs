//! The signed-in admin's own account: second factor, sessions, password, session status.

mod password;
mod sessions;
mod two_factor;

use axum::Router;

use crate::AppState;

pub use sessions::{end_session_form, sessions_of};

pub fn router() -> Router<AppState> {
    Router::new().merge(two_factor::router()).merge(sessions::router()).merge(password::router())
}
