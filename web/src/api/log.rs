//! The API log: every API call (method, path, status, duration, key, tenant), kept to the
//! newest [`KEEP`] rows.
//!
//! A call is not held up by the log: [`middleware`] hands the entry to a background writer
//! through a bounded channel, and the writer stores entries in batches (at most every
//! [`FLUSH_EVERY`]). If the database falls that far behind, entries are dropped and counted in
//! the server log rather than slowing the API. The tenant of a call is the one its path names
//! (`/api/v1/tenants/{id or slug}/…`); slugs are resolved by the writer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_application::Ports;
use gatehouse_application::ports::ApiLogEntry;
use gatehouse_domain::{TenantId, TenantSlug};
use tokio::sync::mpsc;

use super::caller::Caller;
use crate::AppState;

/// The newest rows kept.
pub const KEEP: u64 = 100_000;
/// How long an entry may wait before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
const BATCH: usize = 500;
const QUEUE: usize = 10_000;

/// An entry on its way to the writer, its tenant still as the path named it.
#[derive(Debug)]
struct Pending {
    entry: ApiLogEntry,
    tenant: Option<String>,
}

/// The sending side of the writer (none outside a Tokio runtime: nothing is logged then).
#[derive(Debug, Clone, Default)]
pub struct ApiLogger {
    sender: Option<mpsc::Sender<Pending>>,
}

impl ApiLogger {
    /// Starts the writer on the current runtime.
    pub fn start(ports: Ports) -> Self {
        if tokio::runtime::Handle::try_current().is_err() {
            return ApiLogger { sender: None };
        }
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(prune_idempotency(ports.clone()));
        tokio::spawn(write(ports, receiver));
        ApiLogger { sender: Some(sender) }
    }

    fn send(&self, pending: Pending) {
        if let Some(sender) = &self.sender
            && sender.try_send(pending).is_err()
        {
            tracing::warn!("API log queue full: an entry was dropped");
        }
    }
}

/// The tenant segment of an API path, if it names one.
fn tenant_segment(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(super::BASE)?.strip_prefix("/tenants/")?;
    let segment = rest.split('/').next()?;
    (!segment.is_empty() && segment != "bulk").then_some(segment)
}

/// Logs every API call after it is answered.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let request_id =
        req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
    let at = state.ports.clock.now();
    let response = next.run(req).await;
    let key_id = response.extensions().get::<Caller>().map(|c| c.key_id);
    let tenant = tenant_segment(&path).map(str::to_owned);
    let entry = ApiLogEntry {
        at,
        key_id,
        tenant_id: None,
        method,
        path: path.chars().take(500).collect(),
        status: response.status().as_u16(),
        duration_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        request_id,
    };
    state.web.api_log.send(Pending { entry, tenant });
    response
}

/// The writer: batches entries, resolves their tenants, stores them.
async fn write(ports: Ports, mut receiver: mpsc::Receiver<Pending>) {
    let ports = Arc::new(ports);
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let Some(first) = receiver.recv().await else { return };
        batch.push(first);
        let deadline = tokio::time::sleep(FLUSH_EVERY);
        tokio::pin!(deadline);
        while batch.len() < BATCH {
            tokio::select! {
                () = &mut deadline => break,
                next = receiver.recv() => match next {
                    Some(p) => batch.push(p),
                    None => break,
                },
            }
        }
        let mut entries = Vec::with_capacity(batch.len());
        for Pending { mut entry, tenant } in batch.drain(..) {
            entry.tenant_id = match tenant {
                Some(t) => resolve(&ports, &t).await,
                None => None,
            };
            entries.push(entry);
        }
        if let Err(e) = ports.api_log.append(&entries, KEEP).await {
            tracing::error!(error = %e, dropped = entries.len(), "could not write the API log");
        }
    }
}

/// Forgets idempotency records past their keeping time, hourly.
async fn prune_idempotency(ports: Ports) {
    let mut every = tokio::time::interval(Duration::from_hours(1));
    loop {
        every.tick().await;
        let before = ports.clock.now() - super::idempotency::KEEP;
        if let Err(e) = ports.idempotency.prune_idempotency(before).await {
            tracing::warn!(error = %e, "could not prune idempotency records");
        }
    }
}

async fn resolve(ports: &Ports, segment: &str) -> Option<TenantId> {
    if let Ok(id) = segment.parse::<TenantId>() {
        return Some(id);
    }
    let slug = TenantSlug::parse(segment).ok()?;
    ports.tenants.get_by_slug(&slug).await.ok().flatten().map(|t| t.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenant_of_a_call_is_the_one_its_path_names() {
        assert_eq!(tenant_segment("/api/v1/tenants/acme/features"), Some("acme"));
        assert_eq!(tenant_segment("/api/v1/tenants/acme"), Some("acme"));
        assert_eq!(tenant_segment("/api/v1/tenants/bulk"), None);
        assert_eq!(tenant_segment("/api/v1/tenants"), None);
        assert_eq!(tenant_segment("/api/v1/audit"), None);
    }
}
