//! `Idempotency-Key` on the API's writes: a retried request with the same key and the same
//! body gets the first answer again (`Idempotent-Replayed: true`) instead of running twice.
//!
//! Keys belong to the API key that sent them. Only successful answers are kept: an error
//! changed nothing, so its retry may simply run again. A key reused for another request is
//! refused with 422; one whose first request is still running, with 409. A claim whose request
//! never finished (the process died) is taken over after [`ABANDONED_AFTER`]; records are kept
//! for [`KEEP`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_application::ports::{IdempotencyClaim, StoredResponse};
use sha2::{Digest, Sha256};

use super::caller::Caller;
use crate::AppState;
use crate::errors::{AppError, ErrorInfo};

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks an answer replayed from an earlier request with the same key.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// A claim older than this whose request never answered may be taken over.
pub const ABANDONED_AFTER: time::Duration = time::Duration::minutes(1);
/// How long answers are kept for retries.
pub const KEEP: time::Duration = time::Duration::hours(24);
const MAX_KEY_LEN: usize = 255;

fn rejected(status: StatusCode, message: &str) -> Response {
    AppError::Idempotency { status, message: message.to_owned() }.into_response()
}

/// Applies idempotency to writes that carry the header; everything else passes through.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let Some(value) = req.headers().get(HEADER).filter(|_| is_write) else {
        return next.run(req).await;
    };
    let key = match value.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return rejected(
                StatusCode::BAD_REQUEST,
                "Idempotency-Key must be 1–255 visible ASCII characters.",
            );
        }
    };
    let Some(caller) = req.extensions().get::<Caller>().cloned() else {
        return AppError::InvalidKey.into_response();
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::BODY_LIMIT).await else {
        return AppError::Rejected {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "The body is too large.".to_owned(),
        }
        .into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update([0]);
    hasher.update(parts.uri.to_string());
    hasher.update([0]);
    hasher.update(&bytes);
    let fingerprint = hasher.finalize();
    let now = state.ports.clock.now();
    let store = &state.ports.idempotency;
    let claim = store.claim(caller.key_id, &key, &fingerprint, now, now - ABANDONED_AFTER).await;
    match claim {
        Err(e) => AppError::from(gatehouse_application::Error::from(e)).into_response(),
        Ok(IdempotencyClaim::Replay(stored)) => replay(stored),
        Ok(IdempotencyClaim::InProgress) => rejected(
            StatusCode::CONFLICT,
            "A request with this Idempotency-Key is still running; retry when it has answered.",
        ),
        Ok(IdempotencyClaim::Mismatch) => rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This Idempotency-Key was already used for a different request.",
        ),
        Ok(IdempotencyClaim::Started) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            if !response.status().is_success() || response.extensions().get::<ErrorInfo>().is_some() {
                if let Err(e) = store.release(caller.key_id, &key).await {
                    tracing::error!(error = %e, "could not release an idempotency key");
                }
                return response;
            }
            remember(&state, &caller, &key, response).await
        }
    }
}

/// Keeps a successful answer for the key's retries and answers with it.
async fn remember(state: &AppState, caller: &Caller, key: &str, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return AppError::Internal("could not read an answer to keep it".to_owned()).into_response();
    };
    let text = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        content_type: text(header::CONTENT_TYPE),
        location: text(header::LOCATION),
        body: bytes.to_vec(),
    };
    if let Err(e) = state.ports.idempotency.complete(caller.key_id, key, &stored).await {
        // The write itself is done; a retry would then meet a claim that never completes and
        // answer 409 until it is abandoned — logged, not hidden.
        tracing::error!(error = %e, "could not keep an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [(header::CONTENT_TYPE, stored.content_type), (header::LOCATION, stored.location)] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, v);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
