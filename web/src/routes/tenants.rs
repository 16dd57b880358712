//! The tenant pages (`/tenants…`): the list with filters, sort, pagination, bulk actions and a
//! CSV export; the registration form; and one tenant's page with its status, plan, domains,
//! features, usage and audit trail.
//!
//! Every handler parses the request, calls its use case and renders the result: permissions,
//! transitions and plan rules are the use cases' and the domain's. What lives here is the
//! form plumbing: keeping what was typed, putting an error next to its field, and the
//! optimistic-concurrency guard of the tenant page's forms (see [`detail`]).

mod bulk;
mod detail;
mod export;
mod keys;
mod list;
mod new;

use axum::Router;
use axum::routing::{get, post};
use gatehouse_application::TenantRef;

use crate::AppState;
use crate::errors::AppError;
use crate::views::components::FieldError;

pub use bulk::Choice as BulkChoice;
pub use list::{ListParams, PAGE_SIZES, sort_name};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tenants", get(list::page).post(new::create))
        .route("/tenants.csv", get(export::csv))
        .route("/tenants/new", get(new::form))
        .route("/tenants/bulk", get(bulk::confirm).post(bulk::run))
        .route("/tenants/{tenant}", get(detail::show))
        .route("/tenants/{tenant}/status", post(detail::change_status))
        .route("/tenants/{tenant}/cancel", get(detail::confirm_cancel))
        .route("/tenants/{tenant}/plan", get(detail::preview_plan).post(detail::change_plan))
        .route("/tenants/{tenant}/domains", post(detail::domains))
        .route("/tenants/{tenant}/features", post(detail::features))
        .merge(keys::router())
}

/// The tenant a URL names; an unparseable name is simply not found.
fn tenant_ref(text: &str) -> Result<TenantRef, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// The same error under another field name (the domain's `email` is the form's
/// `contact_email`).
fn renamed(error: FieldError, from: &str, to: &str) -> FieldError {
    match error.0 {
        Some((field, message)) if field == from => FieldError::new(to, message),
        other => FieldError(other),
    }
}

/// The fields of a form body, in order (repeated names kept: checkboxes).
pub(crate) fn fields(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// The first value of `name` in `fields`, or "".
pub(crate) fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Every value of `name` in `fields`.
pub(crate) fn values<'a>(
    fields: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_keep_repeats_and_survive_garbage() {
        let f = fields(b"method=totp&method=sms&version=3");
        assert_eq!(values(&f, "method").collect::<Vec<_>>(), ["totp", "sms"]);
        assert_eq!(value(&f, "version"), "3");
        assert_eq!(value(&f, "missing"), "");
        assert!(fields(b"%zz=&&=").iter().all(|(k, _)| k.len() < 4));
    }
}
