//! The tenant-list version without a round trip: PostgreSQL announces every bump (migration
//! 0012 `NOTIFY`s `gatehouse_tenant_list` with the new version, in the bumping transaction, so
//! the announcement arrives only once the bump is visible), and a server listens.
//!
//! Every tenant list — every `GET /api/v1/tenants`, every panel list — first reads the
//! version, to know whether its kept pages are still exact (see [`ReadCache`]). At thousands of
//! calls a second that read was one of the API's two round trips. With [`watch`] running, a
//! list reads the version from the database once and then follows the announcements:
//!
//! - **this process's own writes** show at once: a write committed through this process (the
//!   cache's write count) makes the next list read the version again (read-your-writes);
//! - **other processes' writes** (`gatehouse-ctl`, other instances) show when their
//!   announcement arrives, milliseconds after their commit;
//! - **while no listener is subscribed** (not started, or its connection lost), every list
//!   reads the version as before, and a version read under an earlier subscription is never
//!   trusted, since announcements may have been missed between the two. A listener that has
//!   heard nothing for [`PROBE_AFTER`] probes its connection, so one dropped silently on the way
//!   is given up within [`PROBE_AFTER`] + [`PROBE_WITHIN`].
//!
//! Only long-running servers start [`watch`]; `gatehouse-ctl` reads the version every time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::pool::CloseEvent;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};

use crate::storage::cache::ReadCache;

/// The channel of migration 0012's announcements.
pub const CHANNEL: &str = "gatehouse_tenant_list";
/// How long to wait before subscribing again after the listener's connection failed.
const RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long the listener may stay quiet before its connection is probed, and how long the
/// probe may take: a connection dropped silently is noticed within their sum.
const PROBE_AFTER: Duration = Duration::from_secs(10);
const PROBE_WITHIN: Duration = Duration::from_secs(5);

/// What the announcements have told of the tenant-list version (see the module documentation).
#[derive(Debug, Default)]
pub struct ListVersion(Mutex<Known>);

#[derive(Debug, Default)]
struct Known {
    /// Whether a listener is subscribed now.
    subscribed: bool,
    /// Counts subscriptions and losses: a read begun under another one may have missed a bump.
    subscription: u64,
    /// The newest version announced during this subscription.
    announced: Option<i64>,
    /// A version read from the database during this subscription, with this process's write
    /// count taken before the read.
    read: Option<(i64, u64)>,
}

/// A read of the version about to be made: under which subscription and write count.
#[derive(Debug, Clone, Copy)]
pub struct ReadTicket {
    subscription: u64,
    writes: u64,
}

impl ListVersion {
    /// The current version, when the announcements vouch for it: a listener is subscribed, and
    /// the version was read under this subscription with no write of this process since.
    pub fn current(&self, cache: &ReadCache) -> Option<i64> {
        let known = self.lock();
        let (version, writes) = known.read.filter(|_| known.subscribed)?;
        (writes == cache.write_count()).then(|| known.announced.map_or(version, |a| a.max(version)))
    }

    /// Notes the subscription and write count before the version is read from the database.
    pub fn before_read(&self, cache: &ReadCache) -> ReadTicket {
        let writes = cache.write_count();
        ReadTicket { subscription: self.lock().subscription, writes }
    }

    /// Keeps `version`, read from the database after `ticket` was taken, if the subscription
    /// it was read under still stands.
    pub fn read(&self, ticket: ReadTicket, version: i64) {
        let mut known = self.lock();
        if !known.subscribed || known.subscription != ticket.subscription {
            return;
        }
        let newer = known.read.is_none_or(|(v, w)| (ticket.writes, version) > (w, v));
        if newer {
            known.read = Some((version, ticket.writes));
        }
    }

    /// A listener has subscribed (again): whatever was known before may have missed bumps.
    fn subscribed(&self) {
        self.restart(true);
    }

    /// The listener's connection is lost: the lists read the version until it is back.
    fn lost(&self) {
        self.restart(false);
    }

    fn restart(&self, subscribed: bool) {
        let mut known = self.lock();
        *known = Known { subscribed, subscription: known.subscription + 1, announced: None, read: None };
    }

    /// `version` was announced.
    fn announced(&self, version: i64) {
        let mut known = self.lock();
        known.announced = Some(known.announced.map_or(version, |a| a.max(version)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Known> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Listens to the announcements on a connection of its own (made with `options`, not one of
/// the pool's, which serve requests) until `closed` fires (the pool is closed), subscribing
/// again after a lost connection.
pub async fn watch(options: PgConnectOptions, closed: CloseEvent, known: Arc<ListVersion>) {
    let own = PgPoolOptions::new().max_connections(1).connect_lazy_with(options);
    let listen = async {
        loop {
            let ended = follow(&own, &known).await;
            known.lost();
            if let Err(e) = ended {
                tracing::warn!(error = %e, "tenant-list announcements lost; lists read the version meanwhile");
            }
            tokio::time::sleep(RETRY_AFTER).await;
        }
    };
    tokio::select! {
        () = closed => {}
        () = listen => {}
    }
    known.lost();
    own.close().await;
}

/// Subscribes on `own` and applies announcements until the connection fails or is lost, or
/// stays silent through a probe: an idle connection dropped on the way (a firewall, a host
/// gone) would otherwise never say so, and the lists would trust a version nobody updates.
async fn follow(own: &PgPool, known: &ListVersion) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(own).await?;
    // A lost connection ends this subscription rather than being mended inside `try_recv`,
    // where the lists would go on trusting the old version until it was back.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    known.subscribed();
    loop {
        let Ok(received) = tokio::time::timeout(PROBE_AFTER, listener.try_recv()).await else {
            // Quiet for a while: make sure the connection still answers.
            tokio::time::timeout(PROBE_WITHIN, sqlx::query("SELECT 1").execute(&mut listener))
                .await
                .map_err(|_| {
                    sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the listener's connection did not answer a probe",
                    ))
                })??;
            continue;
        };
        let Some(notification) = received? else {
            return Ok(());
        };
        if let Ok(version) = notification.payload().parse::<i64>() {
            known.announced(version);
        } else {
            // Not one of migration 0012's: trust nothing read so far.
            tracing::warn!(payload = notification.payload(), "a tenant-list announcement without a version");
            known.subscribed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::cache::Reach;

    fn watched() -> (ListVersion, ReadCache) {
        let known = ListVersion::default();
        known.subscribed();
        (known, ReadCache::default())
    }

    #[test]
    fn a_version_read_is_followed_by_the_announcements() {
        let (known, cache) = watched();
        assert_eq!(known.current(&cache), None, "nothing read yet");
        let ticket = known.before_read(&cache);
        known.read(ticket, 7);
        assert_eq!(known.current(&cache), Some(7));
        known.announced(9);
        assert_eq!(known.current(&cache), Some(9));
        known.announced(8);
        assert_eq!(known.current(&cache), Some(9), "an older announcement changes nothing");
    }

    #[test]
    fn an_announcement_during_the_read_is_not_lost() {
        let (known, cache) = watched();
        let ticket = known.before_read(&cache);
        // Another process bumps after the database answered 7, before the answer is kept.
        known.announced(8);
        known.read(ticket, 7);
        assert_eq!(known.current(&cache), Some(8));
    }

    #[test]
    fn a_write_of_this_process_makes_the_next_list_read_again() {
        let (known, cache) = watched();
        known.read(known.before_read(&cache), 7);
        cache.written(Reach::ALL);
        assert_eq!(known.current(&cache), None, "read-your-writes: ask the database");
        known.read(known.before_read(&cache), 8);
        assert_eq!(known.current(&cache), Some(8));
    }

    #[test]
    fn a_read_begun_before_a_write_is_not_trusted_after_it() {
        let (known, cache) = watched();
        let ticket = known.before_read(&cache);
        cache.written(Reach::ALL);
        known.read(ticket, 7);
        assert_eq!(known.current(&cache), None);
    }

    #[test]
    fn nothing_is_trusted_without_a_subscription_or_across_two() {
        let known = ListVersion::default();
        let cache = ReadCache::default();
        known.read(known.before_read(&cache), 7);
        assert_eq!(known.current(&cache), None, "no listener yet");

        known.subscribed();
        let ticket = known.before_read(&cache);
        known.lost();
        known.subscribed();
        known.read(ticket, 7);
        assert_eq!(known.current(&cache), None, "read under a subscription that was lost");

        known.read(known.before_read(&cache), 8);
        assert_eq!(known.current(&cache), Some(8));
        known.lost();
        assert_eq!(known.current(&cache), None, "the connection is lost");
    }
}
