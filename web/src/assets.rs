//! The panel's one stylesheet, embedded in the binary and served under a name that contains
//! its hash (`/static/app.<hash>.css`), so browsers may cache it forever and a new build is
//! fetched at once. No inline style or script exists anywhere, so the CSP can forbid them.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::errors::AppError;

const CSS: &str = include_str!("assets/app.css");

/// The stylesheet's file name, with the first 16 hex digits of its SHA-256.
static CSS_NAME: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(CSS.as_bytes());
    format!("app.{}.css", &hex::encode(digest)[..16])
});

/// The URL pages link to.
pub fn stylesheet_url() -> String {
    format!("/static/{}", *CSS_NAME)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(asset))
}

async fn asset(Path(file): Path<String>) -> Result<Response, AppError> {
    if file != *CSS_NAME {
        return Err(AppError::NotFound);
    }
    let mut response = CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    Ok(response)
}
