//! What the storage adapter keeps in memory between requests, and what makes it let go.
//!
//! Three kinds of answers are kept, each with its own rule, so that no page ever shows data
//! older than that rule allows (docs/performance.md, "Caches"):
//!
//! - **Rollups of the dashboard** (tenant counts, the system's days, the month's busiest and
//!   fullest tenants) and **its security events**: kept for at most [`ROLLUP_TTL`] and dropped
//!   by any write committed through this process that may change them ([`Reach`]): a write of
//!   tenants or usage drops the rollups, one that appends audit events (other than looks at a
//!   tenant) drops the events. A session's activity, a login's throttle or a look at a tenant
//!   drops neither. A write by another process (a second instance, `gatehouse-ctl`) shows
//!   after at most [`ROLLUP_TTL`].
//! - **System settings**, read by every request's session check: kept for at most
//!   [`SETTINGS_TTL`] and dropped when this process saves settings.
//! - **Tenant lists**: for a search, the sorted ids of every match and the rows of the pages
//!   shown; for any other list, the pages shown with their totals. Kept while the database's
//!   tenant-list version (bumped in the same transaction as every write of tenants, by
//!   triggers, whichever process writes) is the one they were read at — exact, never stale.
//!
//! Every write transaction counts itself in [`ReadCache::written`] after it commits; a reader
//! notes the count before it reads, and keeps its answer only under that count, so an answer
//! read while a write was committing is never mistaken for a fresh one.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gatehouse_application::ports::{
    Page, StoreError, TenantCount, TenantMonthUsage, TenantPage, TenantQuery, TenantSummary,
};
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{AuditKind, AuditRecord, Month, UsageTotals};
use time::Date;
use uuid::Uuid;

/// How long a dashboard rollup may be served without being read again.
pub const ROLLUP_TTL: Duration = Duration::from_secs(5);
/// How long the system settings may be served without being read again.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// Searched lists with more matches than this are not kept (their ids would take too much
/// memory for what a repeat saves); they are paged and counted in SQL every time.
pub const SEARCH_KEEP_MAX: usize = 10_000;
/// How many different searches are kept (the least recently used goes first).
const SEARCHES_KEPT: usize = 32;
/// How many pages of lists whose matches are not kept are kept (the least recently used goes
/// first): at most 500 rows each, so a few megabytes at worst.
const LIST_PAGES_KEPT: usize = 32;

/// What a committed write may have changed among the answers kept for a few seconds. Every
/// write counts for the tenant lists' read-your-writes, whatever it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// Tenants or usage: what the dashboard's rollups are made of.
    pub rollups: bool,
    /// Audit events other than looks at a tenant: what the dashboard's security events are.
    pub events: bool,
}

impl Reach {
    /// What a write is taken to reach unless it says otherwise.
    pub const ALL: Reach = Reach { rollups: true, events: true };
    /// A write of sessions, throttles, second factors, API logs, key use or sync progress.
    pub const NEITHER: Reach = Reach { rollups: false, events: false };
}

/// The in-memory answers of one storage handle.
#[derive(Debug, Default)]
pub struct ReadCache {
    /// Write transactions committed through this process.
    writes: AtomicU64,
    /// Those of them that may have changed a rollup.
    rollup_writes: AtomicU64,
    /// Those of them that may have appended a security event.
    event_writes: AtomicU64,
    /// Settings saved through this process.
    settings_saves: AtomicU64,
    pub settings: Slot<(), SystemSettings>,
    pub tenant_counts: Slot<(), Vec<TenantCount>>,
    pub system_days: Slot<(Date, Date), Vec<(Date, UsageTotals)>>,
    pub top_tenants: Slot<(Month, u32), Vec<TenantMonthUsage>>,
    pub near_quota: Slot<(Month, u32), Vec<TenantMonthUsage>>,
    pub recent_events: Slot<(Vec<AuditKind>, u32), Vec<AuditRecord>>,
    pub searches: Searches,
    pub list_pages: ListPages,
}

impl ReadCache {
    /// A write transaction that may have changed what `reach` says has committed (or ended)
    /// through this process.
    pub fn written(&self, reach: Reach) {
        // The narrower counts first: a reader that sees the new total sees them too.
        if reach.rollups {
            self.rollup_writes.fetch_add(1, Ordering::AcqRel);
        }
        if reach.events {
            self.event_writes.fetch_add(1, Ordering::AcqRel);
        }
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    /// How many write transactions have committed through this process.
    pub fn write_count(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// This process has saved the system settings.
    pub fn settings_saved(&self) {
        self.settings_saves.fetch_add(1, Ordering::AcqRel);
    }

    /// A dashboard rollup: `slot`'s answer for `key`, or `load`'s, kept under [`ROLLUP_TTL`]
    /// and this process's writes of tenants and usage.
    pub async fn rollup<K, V, F>(&self, slot: &Slot<K, V>, key: K, load: F) -> Result<V, StoreError>
    where
        K: PartialEq,
        V: Clone,
        F: Future<Output = Result<V, StoreError>>,
    {
        through(slot, &self.rollup_writes, ROLLUP_TTL, key, load).await
    }

    /// The dashboard's newest audit events of some kinds: [`Self::recent_events`]'s answer, or
    /// `load`'s, kept under [`ROLLUP_TTL`] and this process's appends of events.
    pub async fn events<F>(&self, key: (Vec<AuditKind>, u32), load: F) -> Result<Vec<AuditRecord>, StoreError>
    where
        F: Future<Output = Result<Vec<AuditRecord>, StoreError>>,
    {
        through(&self.recent_events, &self.event_writes, ROLLUP_TTL, key, load).await
    }

    /// The system settings, kept under [`SETTINGS_TTL`] and this process's saves.
    pub async fn settings<F>(&self, load: F) -> Result<SystemSettings, StoreError>
    where
        F: Future<Output = Result<SystemSettings, StoreError>>,
    {
        through(&self.settings, &self.settings_saves, SETTINGS_TTL, (), load).await
    }
}

/// `slot`'s answer if it was read under the current `counter` within `ttl`; otherwise `load`'s,
/// kept under the count noted before loading.
async fn through<K, V, F>(
    slot: &Slot<K, V>,
    counter: &AtomicU64,
    ttl: Duration,
    key: K,
    load: F,
) -> Result<V, StoreError>
where
    K: PartialEq,
    V: Clone,
    F: Future<Output = Result<V, StoreError>>,
{
    let stamp = counter.load(Ordering::Acquire);
    if let Some(value) = slot.get(&key, stamp, ttl) {
        return Ok(value);
    }
    let value = load.await?;
    slot.put(key, stamp, value.clone());
    Ok(value)
}

/// One kept answer: for which key, under which count, since when.
#[derive(Debug)]
struct Entry<K, V> {
    key: K,
    stamp: u64,
    at: Instant,
    value: V,
}

/// A single kept answer (the dashboard asks each rollup with one key at a time).
#[derive(Debug)]
pub struct Slot<K, V>(Mutex<Option<Entry<K, V>>>);

impl<K, V> Default for Slot<K, V> {
    fn default() -> Self {
        Slot(Mutex::new(None))
    }
}

impl<K: PartialEq, V: Clone> Slot<K, V> {
    fn get(&self, key: &K, stamp: u64, ttl: Duration) -> Option<V> {
        let entry = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        entry
            .as_ref()
            .filter(|e| e.key == *key && e.stamp == stamp && e.at.elapsed() < ttl)
            .map(|e| e.value.clone())
    }

    fn put(&self, key: K, stamp: u64, value: V) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Entry { key, stamp, at: Instant::now(), value });
    }
}

/// What a search matched, read at one tenant-list version.
#[derive(Debug, Clone)]
pub enum Matches {
    /// The ids of every match, in the list's order.
    Ids(Arc<Vec<Uuid>>),
    /// More than [`SEARCH_KEEP_MAX`]: paged and counted in SQL instead.
    TooMany,
}

/// A kept search, as [`Searches::get`] finds it for one window.
#[derive(Debug, Clone)]
pub struct Kept {
    pub matches: Matches,
    /// The rows of the asked window, if it was shown before at this version.
    pub page: Option<Arc<Vec<TenantSummary>>>,
}

/// One kept search and the pages of it already shown.
#[derive(Debug)]
struct Search {
    query: TenantQuery,
    version: i64,
    matches: Matches,
    pages: Vec<(Page, Arc<Vec<TenantSummary>>)>,
}

/// How many pages of one search are kept.
const PAGES_KEPT: usize = 8;

/// The most recent searched lists, keyed by their filters and order (not their window), each
/// valid at one tenant-list version only, with the rows of the pages already shown (the rows
/// change only with the version too: a tenant's name, status, plan or domains are all writes of
/// `tenants`).
#[derive(Debug, Default)]
pub struct Searches(Mutex<Vec<Search>>);

impl Searches {
    /// What `query` matched at `version`, and its window's rows, if kept.
    pub fn get(&self, query: &TenantQuery, version: i64) -> Option<Kept> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let at = kept.iter().position(|s| s.version == version && same_search(&s.query, query))?;
        // Most recently used last.
        let search = kept.remove(at);
        let page = search.pages.iter().find(|(p, _)| *p == query.page).map(|(_, rows)| Arc::clone(rows));
        let found = Kept { matches: search.matches.clone(), page };
        kept.push(search);
        Some(found)
    }

    /// Keeps what `query` matched at `version` (dropping what was kept of older versions).
    pub fn put(&self, query: &TenantQuery, version: i64, matches: Matches) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|s| s.version == version && !same_search(&s.query, query));
        if kept.len() >= SEARCHES_KEPT {
            kept.remove(0);
        }
        kept.push(Search { query: query.clone(), version, matches, pages: Vec::new() });
    }

    /// Keeps the rows of `query`'s window, shown at `version`, with its search.
    pub fn put_page(&self, query: &TenantQuery, version: i64, rows: Arc<Vec<TenantSummary>>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(search) = kept.iter_mut().find(|s| s.version == version && same_search(&s.query, query))
        else {
            return;
        };
        search.pages.retain(|(p, _)| *p != query.page);
        if search.pages.len() >= PAGES_KEPT {
            search.pages.remove(0);
        }
        search.pages.push((query.page, rows));
    }
}

/// The pages of tenant lists whose matches are not kept — lists without a search, searches of
/// more than [`SEARCH_KEEP_MAX`] — with their totals, each valid at one tenant-list version
/// only. An API client or an open panel asking for the same filtered page again costs a version
/// read instead of the page's query (docs/performance.md).
#[derive(Debug, Default)]
pub struct ListPages(Mutex<Vec<(TenantQuery, i64, Arc<TenantPage>)>>);

impl ListPages {
    /// The page `query` asks for, shown at `version`, if kept.
    pub fn get(&self, query: &TenantQuery, version: i64) -> Option<Arc<TenantPage>> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let at = kept.iter().position(|(q, v, _)| *v == version && q == query)?;
        // Most recently used last.
        let entry = kept.remove(at);
        let page = Arc::clone(&entry.2);
        kept.push(entry);
        Some(page)
    }

    /// Keeps the page `query` asked for, read at `version` (dropping pages of older versions).
    pub fn put(&self, query: &TenantQuery, version: i64, page: Arc<TenantPage>) {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|(q, v, _)| *v == version && q != query);
        if kept.len() >= LIST_PAGES_KEPT {
            kept.remove(0);
        }
        kept.push((query.clone(), version, page));
    }
}

/// Whether two queries list the same tenants in the same order (their windows may differ).
fn same_search(a: &TenantQuery, b: &TenantQuery) -> bool {
    a.plan == b.plan
        && a.status == b.status
        && a.search == b.search
        && a.only == b.only
        && a.sort == b.sort
        && a.direction == b.direction
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_application::ports::Page;

    fn ok(n: u32) -> impl Future<Output = Result<u32, StoreError>> {
        std::future::ready(Ok(n))
    }

    #[test]
    fn list_pages_are_kept_per_version_and_window() {
        let pages = ListPages::default();
        let q = TenantQuery::default();
        let page = |total| Arc::new(TenantPage { items: Vec::new(), total });
        pages.put(&q, 7, page(3));
        assert_eq!(pages.get(&q, 7).map(|p| p.total), Some(3));
        assert!(pages.get(&q, 8).is_none(), "another version");
        let next = TenantQuery { page: Page { limit: 50, offset: 50 }, ..q.clone() };
        assert!(pages.get(&next, 7).is_none(), "another window");
        pages.put(&q, 8, page(4));
        assert!(pages.get(&q, 7).is_none(), "older versions are dropped");
        assert_eq!(pages.get(&q, 8).map(|p| p.total), Some(4));
        let numbered = |n: u64| TenantQuery { page: Page { limit: 50, offset: n * 50 }, ..q.clone() };
        for n in 1..=u64::try_from(LIST_PAGES_KEPT).expect("small") {
            pages.put(&numbered(n), 8, page(n));
        }
        assert!(pages.get(&q, 8).is_none(), "the least recently used went first");
        assert_eq!(pages.get(&numbered(1), 8).map(|p| p.total), Some(1));
    }

    #[tokio::test]
    async fn a_rollup_is_kept_until_a_write_or_another_key() {
        let cache = ReadCache::default();
        let slot: Slot<u8, u32> = Slot::default();
        assert_eq!(cache.rollup(&slot, 1, ok(10)).await.expect("read"), 10);
        assert_eq!(cache.rollup(&slot, 1, ok(11)).await.expect("kept"), 10);
        assert_eq!(cache.rollup(&slot, 2, ok(20)).await.expect("other key"), 20);
        cache.written(Reach::NEITHER);
        cache.written(Reach { rollups: false, events: true });
        assert_eq!(cache.rollup(&slot, 2, ok(21)).await.expect("kept"), 20, "no write of tenants or usage");
        cache.written(Reach { rollups: true, events: false });
        assert_eq!(cache.rollup(&slot, 2, ok(21)).await.expect("after a write"), 21);
        let failed = cache.rollup(&slot, 3, std::future::ready(Err(StoreError::NotFound))).await;
        assert!(failed.is_err(), "errors are passed on, not kept");
        assert_eq!(cache.rollup(&slot, 2, ok(22)).await.expect("kept"), 21);
    }

    #[tokio::test]
    async fn an_answer_read_while_a_write_commits_is_not_kept_as_fresh() {
        let cache = ReadCache::default();
        let slot: Slot<(), u32> = Slot::default();
        let read = cache.rollup(&slot, (), async {
            // The write commits after the reader noted the count, before its answer is kept.
            cache.written(Reach::ALL);
            Ok(1)
        });
        assert_eq!(read.await.expect("read"), 1);
        assert_eq!(cache.rollup(&slot, (), ok(2)).await.expect("read again"), 2);
    }

    #[tokio::test]
    async fn events_are_dropped_by_appends_of_events_only() {
        let cache = ReadCache::default();
        let key = || (vec![AuditKind::AuthnLoginFail], 10);
        let read = |n: usize| std::future::ready(Ok(vec![record(); n]));
        assert_eq!(cache.events(key(), read(1)).await.expect("read").len(), 1);
        cache.written(Reach { rollups: true, events: false });
        assert_eq!(cache.events(key(), read(2)).await.expect("kept").len(), 1, "a write of tenants");
        cache.written(Reach { rollups: false, events: true });
        assert_eq!(cache.events(key(), read(2)).await.expect("read again").len(), 2);
        let other = (vec![AuditKind::AuthzFail], 10);
        assert_eq!(cache.events(other, read(3)).await.expect("other kinds").len(), 3);
        assert_eq!(cache.write_count(), 2, "every write counts for the lists");
    }

    fn record() -> AuditRecord {
        let event = gatehouse_domain::AuditEvent::new(
            Uuid::from_u128(1),
            time::OffsetDateTime::UNIX_EPOCH,
            AuditKind::AuthnLoginFail,
            &gatehouse_domain::Actor::cli("ops"),
            gatehouse_domain::Outcome::Failure,
        );
        AuditRecord::chain(None, event)
    }

    #[test]
    fn a_slot_forgets_after_its_time() {
        let slot: Slot<(), u32> = Slot::default();
        slot.put((), 0, 1);
        assert_eq!(slot.get(&(), 0, Duration::from_mins(1)), Some(1));
        assert_eq!(slot.get(&(), 0, Duration::ZERO), None);
    }

    #[tokio::test]
    async fn settings_are_dropped_by_a_save_only() {
        let cache = ReadCache::default();
        let changed = SystemSettings {
            maintenance_banner: Some("maintenance at noon".into()),
            ..SystemSettings::default()
        };
        let first = cache.settings(std::future::ready(Ok(SystemSettings::default()))).await.expect("read");
        cache.written(Reach::ALL);
        let kept = cache.settings(std::future::ready(Ok(changed.clone()))).await.expect("kept");
        assert_eq!(kept, first, "other writes leave the settings alone");
        cache.settings_saved();
        assert_eq!(cache.settings(std::future::ready(Ok(changed.clone()))).await.expect("re-read"), changed);
    }

    #[test]
    fn searches_are_kept_per_version_with_their_pages() {
        let searches = Searches::default();
        let q = TenantQuery { search: Some("acme".into()), ..TenantQuery::default() };
        let ids = Arc::new(vec![Uuid::from_u128(1)]);
        searches.put(&q, 7, Matches::Ids(Arc::clone(&ids)));
        let page_two = TenantQuery { page: Page { limit: 50, offset: 50 }, ..q.clone() };
        let kept = searches.get(&page_two, 7).expect("kept whatever the window");
        assert!(matches!(kept.matches, Matches::Ids(ref k) if *k == ids));
        assert!(kept.page.is_none(), "no rows of that window yet");
        searches.put_page(&page_two, 7, Arc::new(Vec::new()));
        assert!(searches.get(&page_two, 7).expect("kept").page.is_some());
        assert!(searches.get(&q, 7).expect("kept").page.is_none(), "another window");
        assert!(searches.get(&q, 8).is_none(), "another version");
        let other = TenantQuery { search: Some("beta".into()), ..TenantQuery::default() };
        assert!(searches.get(&other, 7).is_none());
        searches.put_page(&other, 7, Arc::new(Vec::new()));
        assert!(searches.get(&other, 7).is_none(), "rows without their search are not kept");

        let numbered = |n: u32| TenantQuery { search: Some(format!("s{n}")), ..TenantQuery::default() };
        for n in 0..40 {
            searches.put(&numbered(n), 7, Matches::TooMany);
        }
        assert!(searches.get(&q, 7).is_none(), "the least recently used went first");
        assert!(matches!(searches.get(&numbered(39), 7).map(|k| k.matches), Some(Matches::TooMany)));
        searches.put(&q, 9, Matches::TooMany);
        assert!(searches.get(&numbered(39), 7).is_none(), "older versions are dropped");
    }
}
