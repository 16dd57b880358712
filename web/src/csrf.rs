//! Cross-site request forgery defence (S22), on every state-changing request:
//!
//! 1. Fetch metadata and origin: `Sec-Fetch-Site: cross-site` or a foreign `Origin` → 403.
//! 2. A form body (`application/x-www-form-urlencoded`, else 415) of bounded size (else 413)
//!    whose `csrf` field is HMAC(csrf key, binding): the session id once logged in, before that
//!    a random pre-session value kept in a short-lived HttpOnly SameSite=Strict cookie. A
//!    missing or wrong token → 403.
//!
//! The check is central, so no handler can forget it; handlers only put [`CsrfToken`] into
//! their forms.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use crate::AppState;
use crate::auth::CurrentSession;
use crate::cookies::{self, Kind};
use crate::errors::AppError;

/// The largest form body accepted (S25): 64 KiB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// The token for this request's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn mac(key: &[u8], binding: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(b"gatehouse csrf v1\0");
    mac.update(binding.as_bytes());
    mac
}

/// The token bound to `binding`.
pub fn token(key: &[u8], binding: &str) -> String {
    hex::encode(mac(key, binding).finalize().into_bytes())
}

/// Whether `given` is the token bound to `binding` (constant time).
pub fn verify(key: &[u8], binding: &str, given: &str) -> bool {
    hex::decode(given).is_ok_and(|bytes| mac(key, binding).verify_slice(&bytes).is_ok())
}

/// Whether the request's origin is foreign (S22). Fetch Metadata decides first: a browser's
/// `Sec-Fetch-Site: same-origin` (or `none`, a typed address) cannot be set by a page, and it
/// is the only reliable signal on pages served with `Referrer-Policy: no-referrer`, whose forms
/// make browsers send `Origin: null`. Without it (older clients) or for `same-site` (a sibling
/// subdomain is not us), the `Origin` must be this server's (`null` counts as foreign).
fn is_cross_site(headers: &HeaderMap, state: &AppState) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    match text("sec-fetch-site").map(str::to_ascii_lowercase).as_deref() {
        Some("same-origin" | "none") => return false,
        Some("cross-site") => return true,
        _ => {}
    }
    let Some(origin) = text("origin") else { return false };
    let scheme = if state.web.secure { "https" } else { "http" };
    let own = text("host").map(|host| format!("{scheme}://{host}"));
    let matches = |o: &str| o.eq_ignore_ascii_case(origin);
    !(own.as_deref().is_some_and(matches) || state.web.public_origin.as_deref().is_some_and(matches))
}

/// Issues the token of every request and checks it on unsafe methods.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.web.secure;
    let mut new_pre = None;
    let binding = if let Some(current) = req.extensions().get::<CurrentSession>() {
        current.0.session.id.to_string()
    } else if let Some(pre) = cookies::get(req.headers(), Kind::PreSession, secure) {
        pre
    } else {
        let fresh = state.ports.tokens.new_token().expose().to_owned();
        new_pre = Some(fresh.clone());
        fresh
    };
    let key = state.web.csrf_key();
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(CsrfToken(token(key, &binding)));

    let req = if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Request::from_parts(parts, body)
    } else if parts.method != Method::POST {
        // HTML forms only ever POST: no panel route takes another unsafe method (S25).
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    } else {
        if is_cross_site(&parts.headers, &state) {
            return AppError::Csrf.into_response();
        }
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Expected a form (application/x-www-form-urlencoded).",
            )
                .into_response();
        }
        let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
        };
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let given = fields.iter().find(|(k, _)| k == FIELD).map(|(_, v)| v.as_str());
        if !given.is_some_and(|t| verify(key, &binding, t)) {
            return AppError::Csrf.into_response();
        }
        Request::from_parts(parts, Body::from(bytes))
    };
    let mut response = next.run(req).await;
    if let Some(value) =
        new_pre.and_then(|v| cookies::set(Kind::PreSession, &v, Some(cookies::PRE_SESSION_MAX_AGE), secure))
    {
        cookies::append(response.headers_mut(), value);
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CsrfToken>().cloned().ok_or(AppError::Csrf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_their_key_and_binding() {
        let t = token(b"key", "session-1");
        assert!(verify(b"key", "session-1", &t));
        assert!(!verify(b"key", "session-2", &t));
        assert!(!verify(b"other", "session-1", &t));
        assert!(!verify(b"key", "session-1", "zz"));
        assert!(!verify(b"key", "session-1", ""));
    }
}
