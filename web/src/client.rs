//! Who is on the other end: the client's IP address and user agent, as the use cases need them
//! for throttling, session binding and the audit trail.
//!
//! The address is the socket peer's, unless that peer is a configured trusted proxy: then the
//! right-most `X-Forwarded-For` entry that is not itself a trusted proxy (S14). A header from
//! anyone else is ignored, so forging it neither dodges a limit nor spoofs the audit trail.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_application::session_support::Client;
use ipnet::IpNet;

use crate::AppState;

/// The request's client, put in the request extensions by [`middleware`].
#[derive(Debug, Clone)]
pub struct ClientInfo(pub Client);

/// Used when no socket address is known (in-process tests).
const UNKNOWN: &str = "unknown";

/// The client address of a request from `peer` with `headers`.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> String {
    let Some(peer) = peer else { return UNKNOWN.to_owned() };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return canonical(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut candidate = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        candidate = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    canonical(candidate)
}

/// IPv4-mapped IPv6 addresses written as IPv4, so one client has one key.
fn canonical(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4).to_string(),
        IpAddr::V4(_) => ip.to_string(),
    }
}

/// Establishes the client of every request.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = client_ip(peer, req.headers(), &state.web.trusted_proxies);
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    req.extensions_mut().insert(ClientInfo(Client::new(ip, user_agent)));
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientInfo>()
            .cloned()
            .unwrap_or_else(|| ClientInfo(Client::new(UNKNOWN, ""))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(xff).expect("header"));
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies_s14() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let stranger: IpAddr = "198.51.100.1".parse().expect("ip");
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let h = headers("203.0.113.9, 10.0.0.7");
        assert_eq!(client_ip(Some(proxy), &h, &trusted), "203.0.113.9");
        assert_eq!(client_ip(Some(stranger), &h, &trusted), "198.51.100.1");
        assert_eq!(client_ip(Some(proxy), &headers("1.2.3.4, 203.0.113.9"), &trusted), "203.0.113.9");
        assert_eq!(client_ip(Some(proxy), &headers("garbage"), &trusted), "10.0.0.1");
        assert_eq!(client_ip(None, &h, &trusted), "unknown");
    }
}
