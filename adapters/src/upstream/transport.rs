//! One HTTP attempt: the contract's headers, the status code mapped to an [`UpstreamError`],
//! and the body read within a size limit. Retrying is the caller's business.

use std::error::Error as _;
use std::time::Duration;

use gatehouse_application::ports::UpstreamError;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;

/// The contract version Gatehouse speaks, sent on every call as `X-Gatehouse-Contract`.
pub const CONTRACT_VERSION: u32 = 1;
/// The largest answer read; anything bigger is not a contract answer.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// The longest upstream error detail passed on to operators.
const MAX_DETAIL: usize = 200;

/// What one attempt sends.
#[derive(Debug)]
pub(super) struct Attempt<'a> {
    pub method: Method,
    pub url: Url,
    pub query: &'a [(&'static str, String)],
    pub headers: HeaderMap,
    pub body: Option<&'a [u8]>,
}

/// Why one attempt failed, and how long the upstream asked us to wait before another.
#[derive(Debug)]
pub(super) struct Failure {
    pub error: UpstreamError,
    pub retry_after: Option<Duration>,
    /// Whether the request may have reached the upstream (anything but a failed connect).
    pub sent: bool,
}

impl From<UpstreamError> for Failure {
    fn from(error: UpstreamError) -> Self {
        Failure { error, retry_after: None, sent: true }
    }
}

/// A header value that never shows itself (`Authorization`, `X-Tenant-Key`; S27).
pub(super) fn secret_header(value: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(value).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The headers of every call: the bearer key, JSON, the contract version.
pub(super) fn base_headers(auth: HeaderValue, has_body: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, auth);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert("x-gatehouse-contract", HeaderValue::from(CONTRACT_VERSION));
    if has_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    headers
}

/// Sends one attempt and reads a success's body.
pub(super) async fn send(
    client: &reqwest::Client,
    attempt: Attempt<'_>,
    timeout: Duration,
) -> Result<Vec<u8>, Failure> {
    let mut request =
        client.request(attempt.method, attempt.url).headers(attempt.headers).query(attempt.query);
    if let Some(body) = attempt.body {
        request = request.body(body.to_vec());
    }
    let mut response = request.send().await.map_err(|e| transport_failure(&e, timeout))?;
    let status = response.status();
    if status.is_success() {
        return read_body(&mut response, MAX_BODY).await.map_err(|e| Failure::from(e.into_error(timeout)));
    }
    let retry_after = retry_after(response.headers());
    // The error body is a courtesy: a short read that fails leaves the detail empty.
    let detail = read_body(&mut response, 64 * 1024).await.map(|b| error_detail(&b)).unwrap_or_default();
    Err(Failure { error: status_error(status, detail), retry_after, sent: true })
}

/// The error a non-success status stands for.
fn status_error(status: StatusCode, detail: String) -> UpstreamError {
    let code = status.as_u16();
    match code {
        401 | 403 => UpstreamError::Unauthorized { status: code, detail },
        429 | 500..=599 => UpstreamError::Unavailable { status: code },
        300..=399 => UpstreamError::Rejected {
            status: code,
            detail: "the upstream answered with a redirect; set the URL to the address it redirects to \
                     (mind the final /)"
                .to_owned(),
        },
        _ => UpstreamError::Rejected { status: code, detail },
    }
}

/// A request that got no answer: no connection, no answer in time, or a dropped connection.
fn transport_failure(e: &reqwest::Error, timeout: Duration) -> Failure {
    if e.is_connect() {
        let reason = if e.is_timeout() { "the connection timed out".to_owned() } else { io_reason(e) };
        return Failure { error: UpstreamError::Connect { reason }, retry_after: None, sent: false };
    }
    if e.is_builder() {
        return Failure::from(UpstreamError::InvalidRequest("the request could not be built".to_owned()));
    }
    Failure::from(if e.is_timeout() { timed_out(timeout) } else { UpstreamError::Dropped })
}

fn timed_out(timeout: Duration) -> UpstreamError {
    UpstreamError::Timeout { after_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX) }
}

/// The operating system's words for a failed connection (`Connection refused`), which carry
/// no URL or secret; reqwest's own message would name the URL.
fn io_reason(e: &reqwest::Error) -> String {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io.to_string();
        }
        source = s.source();
    }
    "the connection failed".to_owned()
}

/// Why reading a body failed.
enum BodyError {
    TooLarge(usize),
    Transport(reqwest::Error),
}

impl BodyError {
    fn into_error(self, timeout: Duration) -> UpstreamError {
        match self {
            BodyError::TooLarge(limit) => {
                UpstreamError::Malformed(format!("the answer is larger than {} KiB", limit / 1024))
            }
            BodyError::Transport(e) if e.is_timeout() => timed_out(timeout),
            BodyError::Transport(_) => UpstreamError::Dropped,
        }
    }
}

async fn read_body(response: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `Retry-After` in seconds; an HTTP date is not honoured (the backoff applies instead).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The contract's error body `{"error": "...", "detail": "..."}` as one short line, control
/// characters removed; empty when the body is something else.
fn error_detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
        detail: Option<String>,
    }
    let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
        return "no detail given".to_owned();
    };
    let text = match (parsed.error, parsed.detail) {
        (Some(e), Some(d)) => format!("{e}: {d}"),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => "no detail given".to_owned(),
    };
    let clean: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if clean.chars().count() > MAX_DETAIL {
        clean.chars().take(MAX_DETAIL).chain(std::iter::once('…')).collect()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_become_one_short_clean_line() {
        assert_eq!(
            error_detail(br#"{"error":"unknown_tenant","detail":"no such tenant"}"#),
            "unknown_tenant: no such tenant"
        );
        assert_eq!(error_detail(br#"{"detail":"line\nbreak"}"#), "line break");
        assert_eq!(error_detail(b"<html>oops</html>"), "no detail given");
        let long = format!(r#"{{"error":"{}"}}"#, "x".repeat(500));
        assert_eq!(error_detail(long.as_bytes()).chars().count(), MAX_DETAIL + 1);
    }

    #[test]
    fn statuses_map_to_errors_the_retry_policy_understands() {
        let d = || "d".to_owned();
        assert_eq!(
            status_error(StatusCode::UNAUTHORIZED, d()),
            UpstreamError::Unauthorized { status: 401, detail: d() }
        );
        assert_eq!(
            status_error(StatusCode::FORBIDDEN, d()),
            UpstreamError::Unauthorized { status: 403, detail: d() }
        );
        assert_eq!(
            status_error(StatusCode::TOO_MANY_REQUESTS, d()),
            UpstreamError::Unavailable { status: 429 }
        );
        assert_eq!(status_error(StatusCode::BAD_GATEWAY, d()), UpstreamError::Unavailable { status: 502 });
        assert_eq!(
            status_error(StatusCode::NOT_FOUND, d()),
            UpstreamError::Rejected { status: 404, detail: d() }
        );
        assert!(matches!(
            status_error(StatusCode::MOVED_PERMANENTLY, d()),
            UpstreamError::Rejected { status: 301, .. }
        ));
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static(" 3 "));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn secret_headers_hide_themselves() {
        let h = secret_header("Bearer s3cret").expect("valid");
        assert!(h.is_sensitive());
        assert!(!format!("{h:?}").contains("s3cret"));
        assert!(secret_header("bad\nkey").is_none());
    }
}
