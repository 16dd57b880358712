//! Errors of the JSON API as `application/problem+json` documents (RFC 9457).
//!
//! Handlers fail with the same [`AppError`](crate::errors::AppError) as the panel; the error
//! middleware renders it here for paths under `/api/`, so the status a use case's error maps to
//! is decided in one place for both.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors::ErrorInfo;

/// The media type of problem documents.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// Where problem types live: `urn:gatehouse:problem:<slug>`, stable across releases.
pub const TYPE_PREFIX: &str = "urn:gatehouse:problem:";

/// An error answer of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem, e.g. `urn:gatehouse:problem:validation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind (the HTTP reason phrase).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, for a human.
    pub detail: String,
    /// The request path.
    pub instance: String,
    /// The request id, also in the `x-request-id` header; quote it when asking for help.
    pub request_id: String,
    /// For validation errors: the failing fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One failing field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The problem document of `info`, with `Retry-After` when there is one.
pub fn response(info: &ErrorInfo, path: &str, request_id: &str) -> Response {
    let problem = Problem {
        kind: format!("{TYPE_PREFIX}{}", info.problem),
        title: info.status.canonical_reason().unwrap_or("Error").to_owned(),
        status: info.status.as_u16(),
        detail: info.message.clone(),
        instance: path.to_owned(),
        request_id: request_id.to_owned(),
        errors: info
            .fields
            .iter()
            .map(|(field, message)| FieldProblem { field: field.clone(), message: message.clone() })
            .collect(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = (info.status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Some(seconds) = info.retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if info.status == axum::http::StatusCode::UNAUTHORIZED {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"gatehouse\""));
    }
    response
}
