//! The session behind each request (S11, S17–S21, S24).
//!
//! [`middleware`] reads the session cookie, asks `validate_session` about it, and decides
//! before any handler runs: deny by default. Anonymous requests reach only the public list
//! (login, set-up, health, static files); others are sent to `/login?next=…` (a page) or get a
//! 401 (JSON). A partial session — password done, second factor owed — reaches only the
//! second-factor pages and logout; anything else is sent to the step it owes. After the
//! handler, a permission denial is audited (`record_denial`, S26).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use gatehouse_application::validate_session::{self, Authenticated, Invalid};
use gatehouse_application::{Error, record_denial};
use gatehouse_domain::session::EndReason;

use crate::AppState;
use crate::client::ClientInfo;
use crate::cookies::{self, Kind};
use crate::errors::{AppError, ErrorInfo, wants_json};

/// The request's valid session (partial or full), in the request extensions.
#[derive(Debug, Clone)]
pub struct CurrentSession(pub Arc<Authenticated>);

/// Who may reach a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: login, set-up, health, static files.
    Public,
    /// A partial session too: the second-factor step, its set-up, logout (S11).
    SecondFactor,
    /// A full session only.
    Panel,
}

/// The access rule of `path`.
pub fn access(path: &str) -> Access {
    const PUBLIC: &[&str] = &["/login", "/setup", "/healthz", "/readyz", "/metrics"];
    const SECOND_FACTOR: &[&str] = &["/login/2fa", "/account/2fa/setup", "/logout"];
    if SECOND_FACTOR.contains(&path) {
        Access::SecondFactor
    } else if PUBLIC.contains(&path) || path.starts_with("/static/") {
        Access::Public
    } else {
        Access::Panel
    }
}

/// Where a partial session must go next.
pub fn pending_step(auth: &Authenticated) -> &'static str {
    if auth.admin.totp_enabled { "/login/2fa" } else { "/account/2fa/setup" }
}

/// `/login?next=<path>` for a page asked for anonymously (only same-site paths are kept).
fn login_redirect(req: &Request, notice: Option<&str>) -> String {
    let wanted = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let mut query = Vec::new();
    if req.method() == axum::http::Method::GET
        && let Some(next) = gatehouse_application::session_support::safe_return_path(&wanted)
        && next != "/"
    {
        query.push(("next", next));
    }
    if let Some(n) = notice {
        query.push(("notice", n.to_owned()));
    }
    match serde_urlencoded::to_string(&query) {
        Ok(q) if !q.is_empty() => format!("/login?{q}"),
        _ => "/login".to_owned(),
    }
}

/// The query a page that reloads itself uses (`Frame::refresh`): such a request is checked like
/// any other but does not count as activity, so an open dashboard still times out (S18).
pub const BACKGROUND_QUERY: &str = "refresh=auto";

fn activity(req: &Request) -> validate_session::Activity {
    let background = req.uri().query().is_some_and(|q| q.split('&').any(|pair| pair == BACKGROUND_QUERY));
    if background { validate_session::Activity::Background } else { validate_session::Activity::User }
}

/// Authenticates every routed request and applies the access rules.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secure = state.web.secure;
    let client = req.extensions().get::<ClientInfo>().map(|c| c.0.clone());
    let client = client.unwrap_or_else(|| gatehouse_application::session_support::Client::new("unknown", ""));
    let mut stale_cookie = false;
    let mut ended = None;
    let auth = match cookies::get(req.headers(), Kind::Session, secure) {
        None => None,
        Some(token) => match validate_session::run(&state.ports, &token, &client, activity(&req)).await {
            Ok(Ok(auth)) => Some(Arc::new(auth)),
            Ok(Err(invalid)) => {
                stale_cookie = true;
                if let Invalid::Ended(reason) = invalid {
                    ended = Some(reason);
                }
                None
            }
            Err(e) => return AppError::from(e).into_response(),
        },
    };

    let rule = access(req.uri().path());
    let json = wants_json(&req);
    let refusal = match (&auth, rule) {
        (_, Access::Public) => None,
        (None, _) if json => Some(AppError::Unauthenticated.into_response()),
        (None, _) => {
            let notice = ended.map(notice_for);
            Some(Redirect::to(&login_redirect(&req, notice)).into_response())
        }
        (Some(a), Access::Panel) if !a.is_full() => Some(if json {
            AppError::Unauthenticated.into_response()
        } else {
            Redirect::to(pending_step(a)).into_response()
        }),
        _ => None,
    };
    let mut response = if let Some(r) = refusal {
        r
    } else {
        let action = format!("{} {}", req.method(), req.uri().path());
        if let Some(a) = &auth {
            req.extensions_mut().insert(CurrentSession(Arc::clone(a)));
        }
        let response = next.run(req).await;
        if let (Some(a), Some(info)) = (&auth, response.extensions().get::<ErrorInfo>())
            && let Some(denied) = &info.denied
        {
            audit_denial(&state, a, denied, &action, &client).await;
        }
        response
    };
    if stale_cookie && !response.headers().contains_key(header::SET_COOKIE) {
        cookies::append(response.headers_mut(), cookies::clear(Kind::Session, secure));
    }
    if auth.is_some() {
        // Authenticated pages are never stored by browsers or proxies (S21).
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn audit_denial(
    state: &AppState,
    auth: &Authenticated,
    denied: &Error,
    action: &str,
    client: &gatehouse_application::session_support::Client,
) {
    if let Err(e) =
        record_denial::run(&state.ports, &auth.actor, denied, action, &client.ip, &client.user_agent).await
    {
        tracing::error!(error = %e, "could not audit a permission denial");
    }
}

/// A full session, for panel handlers (the middleware already sent everyone else away).
#[derive(Debug, Clone)]
pub struct Full(pub Arc<Authenticated>);

/// A partial or full session, for the second-factor pages.
#[derive(Debug, Clone)]
pub struct AnySession(pub Arc<Authenticated>);

/// The session if there is one, for public pages.
#[derive(Debug, Clone)]
pub struct MaybeSession(pub Option<Arc<Authenticated>>);

impl<S: Send + Sync> FromRequestParts<S> for Full {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentSession>() {
            Some(c) if c.0.is_full() => Ok(Full(Arc::clone(&c.0))),
            _ => Err(AppError::Unauthenticated),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AnySession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentSession>()
            .map(|c| AnySession(Arc::clone(&c.0)))
            .ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeSession(parts.extensions.get::<CurrentSession>().map(|c| Arc::clone(&c.0))))
    }
}

/// The end reasons that send people back to the login page with a notice.
pub fn notice_for(reason: EndReason) -> &'static str {
    if reason.is_suspected_hijack() { "ended" } else { "expired" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_rules_deny_by_default_s24() {
        assert_eq!(access("/login"), Access::Public);
        assert_eq!(access("/static/app.css"), Access::Public);
        assert_eq!(access("/login/2fa"), Access::SecondFactor);
        assert_eq!(access("/account/2fa/setup"), Access::SecondFactor);
        for p in ["/", "/admins", "/account/2fa", "/account/sessions", "/audit", "/unknown", "/login2"] {
            assert_eq!(access(p), Access::Panel, "{p}");
        }
    }
}
