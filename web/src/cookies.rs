//! The panel's cookies (S17): `HttpOnly`, `SameSite=Strict`, `Path=/`, never a `Domain`, and
//! `Secure` with the `__Host-` prefix whenever Gatehouse is served over TLS.
//!
//! Two cookies exist: the session token, and before login a random pre-session value that CSRF
//! tokens are bound to (S22). Neither is ever logged.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Session,
    PreSession,
}

/// The pre-session cookie lives at most this long (seconds): long enough to fill a form.
pub const PRE_SESSION_MAX_AGE: i64 = 3600;

/// The cookie's name: `__Host-` prefixed when secure (S17).
pub fn name(kind: Kind, secure: bool) -> &'static str {
    match (kind, secure) {
        (Kind::Session, true) => "__Host-gatehouse_session",
        (Kind::Session, false) => "gatehouse_session",
        (Kind::PreSession, true) => "__Host-gatehouse_pre",
        (Kind::PreSession, false) => "gatehouse_pre",
    }
}

/// The value of the request cookie `kind`, if sent.
pub fn get(headers: &HeaderMap, kind: Kind, secure: bool) -> Option<String> {
    let wanted = name(kind, secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, v)| *n == wanted && !v.is_empty())
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// A `Set-Cookie` value; `max_age` `None` makes a browser-session cookie. Values are tokens
/// of URL-safe characters, so nothing needs quoting; anything else is refused.
pub fn set(kind: Kind, value: &str, max_age: Option<i64>, secure: bool) -> Option<HeaderValue> {
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)) {
        return None;
    }
    let mut text = format!("{}={value}; Path=/; HttpOnly; SameSite=Strict", name(kind, secure));
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str("; Max-Age=");
        text.push_str(&age.max(0).to_string());
    }
    HeaderValue::from_str(&text).ok()
}

/// A `Set-Cookie` that deletes the cookie.
pub fn clear(kind: Kind, secure: bool) -> HeaderValue {
    set(kind, "", Some(0), secure)
        .unwrap_or_else(|| HeaderValue::from_static("gatehouse_cleared=; Max-Age=0"))
}

/// Appends `value` as a `Set-Cookie` header.
pub fn append(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(SET_COOKIE, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_follow_s17() {
        let v = set(Kind::Session, "abc-_1", Some(60), true).expect("valid");
        assert_eq!(
            v.to_str().ok(),
            Some("__Host-gatehouse_session=abc-_1; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60")
        );
        let v = set(Kind::Session, "abc", None, false).expect("valid");
        assert_eq!(v.to_str().ok(), Some("gatehouse_session=abc; Path=/; HttpOnly; SameSite=Strict"));
        assert!(set(Kind::Session, "a;b", None, false).is_none());
        assert!(clear(Kind::PreSession, false).to_str().unwrap_or("").contains("Max-Age=0"));
    }

    #[test]
    fn reads_the_right_cookie() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("x=1; gatehouse_session=tok; gatehouse_pre=p"));
        assert_eq!(get(&h, Kind::Session, false).as_deref(), Some("tok"));
        assert_eq!(get(&h, Kind::PreSession, false).as_deref(), Some("p"));
        assert_eq!(get(&h, Kind::Session, true), None);
    }
}
