//! The panel's routes, one module per area, each with its `router()`; [`router`] merges them.

pub mod account;
pub mod admins;
pub mod analytics;
pub mod api_keys;
pub mod api_log;
pub mod audit;
pub mod dashboard;
pub mod login;
pub mod notifications;
pub mod settings;
pub mod setup;
pub mod support;
pub mod system;
pub mod tenants;
pub mod theme;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use gatehouse_application::ports::SecretString;
use gatehouse_domain::session::Session;

use crate::AppState;
use crate::auth::MaybeSession;
use crate::cookies::{self, Kind};
use crate::csrf::CsrfToken;
use crate::errors::AppError;
use crate::views::{Ctx, Notice};

/// Every panel route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(setup::router())
        .merge(account::router())
        .merge(admins::router())
        .merge(api_keys::router())
        .merge(api_log::router())
        .merge(settings::router())
        .merge(audit::router())
        .merge(tenants::router())
        .merge(dashboard::router())
        .merge(analytics::router())
        .merge(system::router())
        .merge(support::router())
        .merge(notifications::router())
        .merge(theme::router())
}

/// Every GET page and JSON route that needs a full session, for tests that walk them (S11,
/// S24). `{id}` stands for any UUID.
pub const PANEL_GET_ROUTES: &[&str] = &[
    "/",
    "/account/2fa",
    "/account/sessions",
    "/account/password",
    "/account/session/status",
    "/admins",
    "/admins/{id}/sessions",
    "/api-keys",
    "/api-log",
    "/api-keys/{id}/revoke",
    "/tenants/{id}/keys/rotate",
    "/tenants/{id}/keys/revoke",
    "/tenants/{id}/support",
    "/settings",
    "/audit",
    "/audit/export",
    "/analytics",
    "/analytics/billing.csv",
    "/system",
    "/notifications",
];

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeSession(auth) =
            MaybeSession::from_request_parts(parts, state).await.unwrap_or(MaybeSession(None));
        let CsrfToken(csrf) = CsrfToken::from_request_parts(parts, state).await?;
        let notice = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "notice")
                .and_then(|(_, v)| Notice::parse(&v))
        });
        let theme = theme::from_headers(&parts.headers);
        Ok(Ctx { auth, csrf, notice, theme, path: parts.uri.path().to_owned() })
    }
}

/// A redirect (303) that also sets the session cookie for `token` and drops the pre-session
/// cookie, so the value CSRF tokens were bound to before login is dead (S16, S22).
pub async fn redirect_with_session(
    state: &AppState,
    to: &str,
    token: &SecretString,
    session: &Session,
) -> Result<Response, AppError> {
    let max_age = if session.remember {
        let settings = state.ports.settings.get().await.map_err(gatehouse_application::Error::from)?;
        let until = settings.session.remember_me_until(session.created_at);
        Some((until - state.ports.clock.now()).whole_seconds())
    } else {
        None
    };
    let secure = state.web.secure;
    let cookie = cookies::set(Kind::Session, token.expose(), max_age, secure)
        .ok_or_else(|| AppError::Internal("a session token is not cookie-safe".to_owned()))?;
    let mut response = Redirect::to(to).into_response();
    cookies::append(response.headers_mut(), cookie);
    cookies::append(response.headers_mut(), cookies::clear(Kind::PreSession, secure));
    Ok(response)
}

/// A redirect that deletes the session cookie.
pub fn redirect_clearing_session(state: &AppState, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    cookies::append(response.headers_mut(), cookies::clear(Kind::Session, state.web.secure));
    response
}

/// Marks a response as never to be sent as a referrer source.
pub fn no_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The form error of a use case's validation or conflict error, if it is one.
pub fn field_error(e: &gatehouse_application::Error) -> Option<crate::views::components::FieldError> {
    use gatehouse_application::Error;
    use gatehouse_domain::DomainError;
    if e.is_forbidden() {
        return None;
    }
    let field = e.field()?;
    let message = match e {
        Error::Domain(DomainError::Invalid(v)) => v.message.clone(),
        // Conflicts read "slug: … is taken"; shown next to the slug field, the prefix is noise.
        other => {
            let text = other.to_string();
            text.strip_prefix(&format!("{field}: ")).map_or_else(|| text.clone(), str::to_owned)
        }
    };
    Some(crate::views::components::FieldError::new(field, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_prefixes_are_dropped_next_to_their_field() {
        use gatehouse_application::Error;
        use gatehouse_application::ports::Conflict;
        for (e, want_field, want) in [
            (
                Error::Conflict(Conflict::DomainTaken("acme.example".into())),
                "domain",
                "acme.example already belongs to another tenant",
            ),
            (
                Error::Conflict(Conflict::UsernameTaken("alice".into())),
                "username",
                "\"alice\" is already taken",
            ),
        ] {
            let crate::views::components::FieldError(Some((field, message))) =
                field_error(&e).unwrap_or_default()
            else {
                panic!("a field error")
            };
            assert_eq!((field.as_str(), message.as_str()), (want_field, want));
        }
    }
}
