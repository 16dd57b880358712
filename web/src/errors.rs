//! One error type for every handler and one place that turns it into a page or JSON (S25).
//!
//! A handler returns [`AppError`]; its `IntoResponse` only records *what* went wrong in the
//! response's extensions. [`middleware`], which knows the request id and whether the client
//! wants JSON, renders the answer: a generic message and the request id, never SQL, paths or
//! panic text. Storage failures and panics are logged there, once. A permission denial also
//! carries the use case's error, so that the session middleware can audit it (S24, S26).

use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_application::Error;
use gatehouse_application::ports::UpstreamError;
use gatehouse_domain::DomainError;

use crate::views;

/// What a handler can fail with.
#[derive(Debug)]
pub enum AppError {
    /// A use case refused.
    App(Error),
    /// A missing or wrong CSRF token, or a cross-site request (S22).
    Csrf,
    NotFound,
    /// No (full) session, on a JSON route.
    Unauthenticated,
    /// Something failed that is not the client's doing; the text is for the log only.
    Internal(String),
    /// The API's refusals of a request before any use case ran: a body or query that does not
    /// parse (400/422), the wrong content type (415), too large a body (413), a wrong method (405).
    Rejected {
        status: StatusCode,
        message: String,
    },
    /// No valid API key (401 with `WWW-Authenticate: Bearer`); why is for the audit, not the client.
    InvalidKey,
    /// Over the key's rate limit: 429 with `Retry-After` seconds.
    RateLimited {
        retry_after: u64,
    },
    /// An `Idempotency-Key` reused for another request, or while its first request still runs.
    Idempotency {
        status: StatusCode,
        message: String,
    },
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::App(e)
    }
}

/// What went wrong, attached to the response for [`middleware`] to render.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    /// Safe to show: never internal detail.
    pub message: String,
    /// For the log only (storage failures, panics).
    pub log: Option<String>,
    /// The refused use case's error, for the `authz_fail` audit row.
    pub denied: Option<Arc<Error>>,
    /// The problem type of the API's `application/problem+json` (RFC 9457): a stable slug.
    pub problem: &'static str,
    /// The failing fields of a validation error: `(field, message)`.
    pub fields: Vec<(String, String)>,
    /// Seconds a rate-limited client should wait.
    pub retry_after: Option<u64>,
}

impl AppError {
    fn info(self) -> ErrorInfo {
        let plain = |status, problem, message: &str| ErrorInfo {
            status,
            message: message.to_owned(),
            problem,
            ..internal()
        };
        match self {
            AppError::App(e) if e.is_forbidden() => ErrorInfo {
                denied: Some(Arc::new(e)),
                ..plain(StatusCode::FORBIDDEN, "forbidden", "You do not have permission to do that.")
            },
            AppError::App(e) => {
                let fields = crate::routes::field_error(&e).and_then(|f| f.0).into_iter().collect();
                let info = match &e {
                    Error::Domain(DomainError::Invalid(v)) => {
                        plain(StatusCode::UNPROCESSABLE_ENTITY, "validation", &v.to_string())
                    }
                    Error::Domain(_) | Error::Bulk(_) | Error::Upstream(UpstreamError::InvalidRequest(_)) => {
                        plain(StatusCode::UNPROCESSABLE_ENTITY, "validation", &e.to_string())
                    }
                    Error::NotFound { .. } => plain(StatusCode::NOT_FOUND, "not-found", "Not found."),
                    Error::Conflict(_) => plain(StatusCode::CONFLICT, "conflict", &e.to_string()),
                    Error::VersionConflict(_) => {
                        plain(StatusCode::CONFLICT, "version-conflict", &e.to_string())
                    }
                    Error::Store(_) => ErrorInfo { log: Some(e.to_string()), ..internal() },
                    Error::Upstream(u) => {
                        let status = if matches!(u, UpstreamError::NotConfigured) {
                            StatusCode::SERVICE_UNAVAILABLE
                        } else {
                            StatusCode::BAD_GATEWAY
                        };
                        ErrorInfo { log: Some(e.to_string()), ..plain(status, "upstream", &e.to_string()) }
                    }
                };
                ErrorInfo { fields, ..info }
            }
            AppError::Csrf => plain(
                StatusCode::FORBIDDEN,
                "csrf",
                "This form has expired or was sent from another site. Go back, reload the page and try again.",
            ),
            AppError::NotFound => plain(StatusCode::NOT_FOUND, "not-found", "Not found."),
            AppError::Unauthenticated => plain(StatusCode::UNAUTHORIZED, "unauthenticated", "Log in first."),
            AppError::Internal(detail) => ErrorInfo { log: Some(detail), ..internal() },
            AppError::Rejected { status, message } => plain(status, rejection_problem(status), &message),
            AppError::InvalidKey => plain(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "A valid API key is required: send it as `Authorization: Bearer <key>`.",
            ),
            AppError::RateLimited { retry_after } => ErrorInfo {
                retry_after: Some(retry_after),
                ..plain(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests for this API key; wait and try again.",
                )
            },
            AppError::Idempotency { status, message } => plain(status, "idempotency", &message),
        }
    }
}

/// The problem type of a request refused before it reached a use case.
fn rejection_problem(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::UNPROCESSABLE_ENTITY => "validation",
        _ => "bad-request",
    }
}

fn internal() -> ErrorInfo {
    ErrorInfo {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: "Something went wrong on our side. It has been logged; please try again.".to_owned(),
        log: None,
        denied: None,
        problem: "internal",
        fields: Vec::new(),
        retry_after: None,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = self.info();
        let mut response = info.status.into_response();
        response.extensions_mut().insert(info);
        response
    }
}

/// The 404 of unknown paths.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// A panic becomes a 500 like any other failure (S25).
#[expect(clippy::needless_pass_by_value, reason = "the signature CatchPanicLayer::custom wants")]
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    AppError::Internal(format!("handler panicked: {text}")).into_response()
}

/// Whether the client of `req` is answered in JSON.
pub fn wants_json(req: &Request) -> bool {
    let path = req.uri().path();
    path.starts_with("/api/")
        || path.starts_with("/account/session/status")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// Renders every [`ErrorInfo`] response as a page or JSON with the request id, logging the
/// failures that are ours.
pub async fn middleware(req: Request, next: Next) -> Response {
    let json = wants_json(&req);
    let request_id =
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    if let Some(detail) = &info.log {
        tracing::error!(request_id = %request_id, path = %path, error = %detail, "request failed");
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut out = if path.starts_with(crate::api::PREFIX) {
        crate::api::problem::response(&info, &path, &request_id)
    } else if json {
        let body = serde_json::json!({
            "error": info.status.canonical_reason().unwrap_or("error").to_ascii_lowercase(),
            "message": info.message,
            "request_id": request_id,
        });
        (info.status, Json(body)).into_response()
    } else {
        (info.status, views::error::page(info.status, &info.message, &request_id)).into_response()
    };
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE {
            out.headers_mut().append(name, value.clone());
        }
    }
    if !out.headers().contains_key(header::CACHE_CONTROL) {
        out.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    out
}
