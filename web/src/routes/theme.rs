//! The theme switch (`POST /theme`): stores `light`, `dark` or `system` in the `theme` cookie
//! and goes back to the page it was sent from. A plain form, so it works without JavaScript;
//! CSRF-checked like every form (S22). The cookie holds no secret: it is only ever compared
//! with the three known values when a page is rendered.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use gatehouse_application::session_support::safe_return_path;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::layout::Theme;

/// The cookie's name.
pub const COOKIE: &str = "theme";
/// A year, in seconds.
const MAX_AGE: i64 = 365 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new().route("/theme", post(set))
}

/// The theme a request asks for (its `theme` cookie), `system` when none or unknown.
pub fn from_headers(headers: &HeaderMap) -> Theme {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| Theme::parse(value.trim()))
        .unwrap_or_default()
}

/// The `Set-Cookie` value for `theme`.
pub fn cookie(theme: Theme, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{COOKIE}={}; Path=/; Max-Age={MAX_AGE}; SameSite=Lax; HttpOnly{secure}", theme.as_str());
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("theme=system; Path=/"))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ThemeForm {
    theme: String,
    back: String,
}

async fn set(
    State(state): State<AppState>,
    _: Full,
    Form(form): Form<ThemeForm>,
) -> Result<Response, AppError> {
    let theme = Theme::parse(&form.theme).ok_or(AppError::NotFound)?;
    // Only a path of this site (no `//host`, no scheme) is followed back.
    let back = safe_return_path(&form.back).unwrap_or_else(|| "/".to_owned());
    let mut response = Redirect::to(&back).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie(theme, state.web.secure));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_known_themes_from_the_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(from_headers(&h), Theme::System);
        h.append(header::COOKIE, HeaderValue::from_static("a=b; theme=dark"));
        assert_eq!(from_headers(&h), Theme::Dark);
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("theme=\"><script>"));
        assert_eq!(from_headers(&h), Theme::System);
        let c = cookie(Theme::Light, true);
        assert_eq!(
            c.to_str().ok(),
            Some("theme=light; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure")
        );
    }
}
