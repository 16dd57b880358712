//! Bringing the MFA upstream in line with Gatehouse, and Gatehouse's usage in line with the
//! upstream, tenant by tenant (permission `sync:run`).
//!
//! For each tenant the sync compares what the upstream last acknowledged (the tenant's
//! [`UpstreamLink`]) with the tenant as it is now, and
//! - registers it when the upstream never acknowledged it, or when its name, slug, contact or
//!   domains changed (a registration carries everything; registering again updates it);
//! - otherwise pushes its status, plan and features when those changed;
//! - reads its daily stats from the newest day it read before (or, the first time, from the
//!   start of the previous month or the tenant's creation, whichever is later) and records the
//!   days whose counters differ from the stored ones, with the month's quota notification.
//!
//! The tenant's link, usage days and notification are one `Work`, committed after its upstream
//! calls: a tenant is never half-written, and one failing tenant does not stop the others.
//! Tenants done at about the same time are committed together ([`Writer`]): one transaction
//! for many tenants, and should it fail, one for each, so a failure stays a tenant's own.
//! Nothing is written for a tenant that did not change, so a second run changes nothing. A dry
//! run makes no call that changes the upstream and writes nothing; it reads the stats to say
//! which days it would record.
//!
//! A run that makes changes is recorded ([`SyncRun`]) and audited once (`sync_run`) with its
//! counts; at most one runs at a time across every Gatehouse instance on the database (the run
//! record is the lock; a crashed run is taken over after [`SYNC_LEASE`](crate::ports::SYNC_LEASE)
//! of silence).

use std::collections::BTreeMap;

use futures_util::StreamExt;
use futures_util::future::{self, BoxFuture, Either};
use gatehouse_domain::{
    Actor, AuditEvent, AuditKind, DailyUsage, Month, Outcome, Permission, Tenant, TenantId, TenantStatus,
};
use serde::Serialize;
use time::{Date, Duration};
use uuid::Uuid;

use crate::ports::{
    Change, FeaturesPush, MAX_RECORDED_FAILURES, SecretString, StoreError, SyncCounts, SyncFailure, SyncRun,
    SyncTrigger, TenantRegistration, UpstreamError, UpstreamLink, UpstreamTarget, Work,
};
use crate::tenant_ref::{TenantRef, load};
use crate::{Error, Ports, Result, ingest_usage};

/// The most tenants synced at once.
pub const MAX_CONCURRENCY: usize = 64;
/// The concurrency of the scheduled run and of callers that do not choose.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// How often a running run records its progress.
const HEARTBEAT_EVERY: Duration = Duration::seconds(5);

/// What to sync, and how.
#[derive(Debug, Clone)]
pub struct Request {
    /// `None`: every tenant.
    pub tenant: Option<TenantRef>,
    pub dry_run: bool,
    /// Tenants handled at once, 1..=[`MAX_CONCURRENCY`].
    pub concurrency: usize,
    pub trigger: SyncTrigger,
}

/// How one tenant's sync ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TenantOutcome {
    /// Changes were made (or, in a dry run, would be).
    Synced,
    Unchanged,
    Failed {
        reason: String,
    },
}

/// One tenant's result: what changed (or would change), in words an operator reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantReport {
    pub tenant: TenantId,
    pub slug: String,
    #[serde(flatten)]
    pub outcome: TenantOutcome,
    pub changes: Vec<String>,
}

/// The run's state after each tenant, for a progress display.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub counts: SyncCounts,
    pub last: &'a TenantReport,
}

/// A run that has been checked and (unless dry) recorded, ready to go.
#[derive(Debug)]
pub struct Started {
    actor: Actor,
    dry_run: bool,
    concurrency: usize,
    tenants: Vec<TenantId>,
    /// The recorded run (`None` for a dry run).
    pub run: Option<SyncRun>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The recorded run (`None` for a dry run).
    pub run: Option<Uuid>,
    pub dry_run: bool,
    pub counts: SyncCounts,
    /// The first failures.
    pub failures: Vec<SyncFailure>,
    /// Why the run stopped before every tenant was handled.
    pub error: Option<String>,
}

impl Summary {
    /// Whether every tenant was handled without failure.
    pub fn succeeded(&self) -> bool {
        self.counts.failed == 0 && self.error.is_none()
    }
}

/// Checks the request and the upstream, and (unless dry) records the run, refusing with a
/// conflict while another run is going on.
pub async fn begin(ports: &Ports, actor: &Actor, req: Request) -> Result<Started> {
    if !(1..=MAX_CONCURRENCY).contains(&req.concurrency) {
        return Err(gatehouse_domain::ValidationError::new(
            "concurrency",
            format!("must be between 1 and {MAX_CONCURRENCY}, not {}", req.concurrency),
        )
        .into());
    }
    let only = match &req.tenant {
        Some(r) => Some(load(ports, r).await?.id),
        None => None,
    };
    actor.require(Permission::SyncRun, only)?;
    // Before every tenant id is read: the scheduler asks each interval, configured or not.
    if ports.upstream.status().state == crate::ports::ConnectionState::NotConfigured {
        return Err(UpstreamError::NotConfigured.into());
    }
    let tenants = match only {
        Some(id) => vec![id],
        None => all_tenant_ids(ports).await?,
    };
    let run = if req.dry_run {
        None
    } else {
        let now = ports.clock.now();
        let run = SyncRun {
            id: ports.ids.new_id(),
            trigger: req.trigger,
            actor: actor.kind.to_string(),
            tenant: only,
            started_at: now,
            heartbeat_at: now,
            finished_at: None,
            counts: SyncCounts { total: tenants.len() as u64, ..SyncCounts::default() },
            failures: Vec::new(),
            error: None,
        };
        ports.sync.begin_run(&run, now).await?;
        Some(run)
    };
    Ok(Started { actor: actor.clone(), dry_run: req.dry_run, concurrency: req.concurrency, tenants, run })
}

/// Every tenant id, in pages.
async fn all_tenant_ids(ports: &Ports) -> Result<Vec<TenantId>> {
    const PAGE: u32 = 2_000;
    let mut ids = Vec::new();
    loop {
        let page = ports.sync.tenant_ids(ids.last().copied(), PAGE).await?;
        let full = page.len() == PAGE as usize;
        ids.extend(page);
        if !full {
            return Ok(ids);
        }
    }
}

impl Started {
    pub fn total(&self) -> u64 {
        self.tenants.len() as u64
    }

    /// Syncs every tenant of the run, `concurrency` at a time, calling `progress` after each;
    /// records and audits the run at the end.
    pub async fn run(self, ports: &Ports, progress: &(dyn Fn(Progress<'_>) + Send + Sync)) -> Summary {
        let dry_run = self.dry_run;
        let mut counts = SyncCounts { total: self.total(), ..SyncCounts::default() };
        let mut failures = Vec::new();
        let mut error = None;
        let mut last_heartbeat = ports.clock.now();
        let writer = Writer::new(ports);
        let mut results = futures_util::stream::iter(self.tenants.iter().copied())
            .map(|id| sync_one(ports, &writer, id, dry_run))
            .buffer_unordered(self.concurrency);
        // The heartbeat being written, if one is. It is awaited together with the tenants in
        // flight, never alone: one of them may hold the database's write turn it waits for.
        let mut beat: Option<BoxFuture<'_, Result<(), StoreError>>> = None;
        loop {
            let report = match beat.as_mut() {
                None => results.next().await,
                Some(pending) => match future::select(results.next(), pending).await {
                    Either::Left((report, _)) => report,
                    Either::Right((written, _)) => {
                        beat = None;
                        if let Err(e) = written {
                            error = Some(heartbeat_error(e));
                            break;
                        }
                        continue;
                    }
                },
            };
            let Some(report) = report else { break };
            match &report.outcome {
                TenantOutcome::Synced => counts.synced += 1,
                TenantOutcome::Unchanged => counts.unchanged += 1,
                TenantOutcome::Failed { reason } => {
                    counts.failed += 1;
                    if failures.len() < MAX_RECORDED_FAILURES {
                        failures.push(SyncFailure {
                            tenant: report.tenant,
                            slug: report.slug.clone(),
                            reason: reason.clone(),
                        });
                    }
                }
            }
            progress(Progress { counts, last: &report });
            let now = ports.clock.now();
            if let Some(run) = &self.run
                && beat.is_none()
                && now - last_heartbeat >= HEARTBEAT_EVERY
            {
                last_heartbeat = now;
                beat = Some(ports.sync.heartbeat(run.id, counts, now));
            }
        }
        // A heartbeat still in flight when the last tenant is done is superseded by `finish`.
        drop(beat);
        drop(results);
        let summary = Summary { run: self.run.as_ref().map(|r| r.id), dry_run, counts, failures, error };
        if let Some(run) = self.run {
            finish(ports, &self.actor, run, &summary).await;
        }
        summary
    }
}

fn heartbeat_error(e: StoreError) -> String {
    match e {
        StoreError::NotFound => "the run was silent too long and another took over".to_owned(),
        e => format!("cannot record the run's progress: {e}"),
    }
}

/// Records the end of a run with its audit event. A failure here is logged by the caller's
/// summary only: the tenants' own changes are committed already.
async fn finish(ports: &Ports, actor: &Actor, mut run: SyncRun, summary: &Summary) {
    let now = ports.clock.now();
    run.finished_at = Some(now);
    run.heartbeat_at = now;
    run.counts = summary.counts;
    run.failures = summary.failures.clone();
    run.error = summary.error.clone();
    let c = summary.counts;
    let outcome = if summary.succeeded() { Outcome::Success } else { Outcome::Failure };
    let mut event =
        AuditEvent::new(ports.ids.new_id(), now, AuditKind::SyncRun, actor, outcome).reason(format!(
            "{} of {} tenants: {} synced, {} unchanged, {} failed{}",
            c.done(),
            c.total,
            c.synced,
            c.unchanged,
            c.failed,
            summary.error.as_deref().map(|e| format!("; stopped: {e}")).unwrap_or_default()
        ));
    if let Some(t) = run.tenant {
        event = event.tenant(t);
    }
    let _ = ports.work.commit(Work { changes: vec![Change::FinishSyncRun(run)], audit: vec![event] }).await;
}

/// Syncs one tenant; every failure becomes the report's reason.
async fn sync_one(ports: &Ports, writer: &Writer, id: TenantId, dry_run: bool) -> TenantReport {
    let tenant = match ports.tenants.get(id).await {
        Ok(Some(t)) => t,
        Ok(None) => return failed(id, String::new(), "the tenant no longer exists".into(), Vec::new()),
        Err(e) => return failed(id, String::new(), e.to_string(), Vec::new()),
    };
    let slug = tenant.slug.to_string();
    let mut work = TenantSync { ports, writer, tenant: &tenant, changes: Vec::new() };
    match work.run(dry_run).await {
        Ok(false) => {
            TenantReport { tenant: id, slug, outcome: TenantOutcome::Unchanged, changes: work.changes }
        }
        Ok(true) => TenantReport { tenant: id, slug, outcome: TenantOutcome::Synced, changes: work.changes },
        Err(reason) => failed(id, slug, reason, work.changes),
    }
}

fn failed(tenant: TenantId, slug: String, reason: String, changes: Vec<String>) -> TenantReport {
    TenantReport { tenant, slug, outcome: TenantOutcome::Failed { reason }, changes }
}

/// One tenant's sync in progress: `changes` describes what was (or would be) done.
struct TenantSync<'a> {
    ports: &'a Ports,
    writer: &'a Writer,
    tenant: &'a Tenant,
    changes: Vec<String>,
}

impl TenantSync<'_> {
    /// Whether anything changed; `Err` with the reason the tenant failed. What the upstream
    /// accepted before a failure is still recorded.
    async fn run(&mut self, dry_run: bool) -> Result<bool, String> {
        let ports = self.ports;
        let before = ports.sync.link(self.tenant.id).await.map_err(|e| e.to_string())?;
        let mut link = before.clone().unwrap_or_else(|| UpstreamLink::new(self.tenant.id));
        let target = target(ports, &link);
        let wanted = TenantRegistration::of(self.tenant);
        let step = Step::between(link.acknowledged.as_ref(), &wanted);
        if matches!(step, Step::Nothing) && link.acknowledged.is_none() {
            // A cancelled tenant the upstream never knew: nothing to tell it, nothing to read.
            return Ok(false);
        }
        self.changes.extend(step.describe(link.acknowledged.as_ref(), &wanted));
        if dry_run {
            if link.acknowledged.is_some() {
                let since = self.since(&link);
                let reading = self.new_days(&target, since).await?;
                self.describe_days(&reading.changed);
            } else {
                self.changes.push(format!("read usage from {} once registered", self.since(&link)));
            }
            return Ok(!self.changes.is_empty());
        }

        let outcome = self.apply(&step, &target, &wanted, &mut link).await;
        let (reading, failure) = match outcome {
            Ok(()) => {
                let target = self::target(ports, &link);
                match self.new_days(&target, self.since(&link)).await {
                    Ok(reading) => {
                        link.stats_through = reading.through.or(link.stats_through);
                        (reading, None)
                    }
                    Err(e) => (Reading::default(), Some(e)),
                }
            }
            Err(e) => (Reading::default(), Some(e)),
        };
        self.describe_days(&reading.changed);
        link.last_error.clone_from(&failure);
        if before.as_ref() != Some(&link) || !reading.changed.is_empty() {
            link.synced_at = Some(ports.clock.now());
            self.commit(link, &reading).await?;
        }
        match failure {
            Some(reason) => Err(reason),
            None => Ok(!self.changes.is_empty()),
        }
    }

    /// Registers or pushes as `step` says; on success `link` holds what the upstream now has.
    async fn apply(
        &mut self,
        step: &Step,
        target: &UpstreamTarget,
        wanted: &TenantRegistration,
        link: &mut UpstreamLink,
    ) -> Result<(), String> {
        let ports = self.ports;
        match step {
            Step::Nothing => Ok(()),
            Step::Register => self.register(target, wanted, link).await,
            Step::Push => match ports.upstream.push_features(target, &FeaturesPush::of(self.tenant)).await {
                Ok(_) => {
                    link.acknowledged = Some(wanted.clone());
                    Ok(())
                }
                Err(e) if e.is_unknown_tenant() => {
                    self.changes.push("the upstream did not know the tenant: registered it again".into());
                    self.register(target, wanted, link).await
                }
                Err(e) => Err(format!("pushing the features: {e}")),
            },
        }
    }

    async fn register(
        &mut self,
        target: &UpstreamTarget,
        wanted: &TenantRegistration,
        link: &mut UpstreamLink,
    ) -> Result<(), String> {
        let registered = self
            .ports
            .upstream
            .register_tenant(target, wanted)
            .await
            .map_err(|e| format!("registering: {e}"))?;
        link.acknowledged = Some(wanted.clone());
        if let Some(key) = registered.tenant_key {
            link.sealed_tenant_key = Some(self.ports.secrets.seal(key.expose().as_bytes()));
        }
        Ok(())
    }

    /// The first day to read: the newest day read before (it may have been read before it was
    /// over), or the later of the tenant's creation and the start of the previous month.
    fn since(&self, link: &UpstreamLink) -> Date {
        let today = self.ports.clock.now().date();
        link.stats_through.map_or_else(
            || {
                let previous_month = Month::of(Month::of(today).first_day() - Duration::days(1)).first_day();
                self.tenant.created_at.date().max(previous_month).min(today)
            },
            |d| d.min(today),
        )
    }

    /// The upstream's days from `since` to today, against the stored ones.
    async fn new_days(&self, target: &UpstreamTarget, since: Date) -> Result<Reading, String> {
        let ports = self.ports;
        let stats = ports
            .upstream
            .tenant_stats(target, Some(since))
            .await
            .map_err(|e| format!("reading usage: {e}"))?;
        let Some(daily) = stats.daily else {
            // The original's upstreams answer totals only; they are never spread over days.
            return Ok(Reading::default());
        };
        let today = ports.clock.now().date();
        // From the month's first day at the latest: the quota check needs the month to date.
        let stored: BTreeMap<Date, DailyUsage> = ports
            .usage
            .daily(self.tenant.id, since.min(Month::of(today).first_day()), today)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|d| (d.day, d))
            .collect();
        let mut days = BTreeMap::new();
        for day in daily.iter().filter(|d| d.date >= since && d.date <= today) {
            let usage = day
                .to_usage(self.tenant.id)
                .map_err(|e| format!("the upstream's usage of {} does not add up: {e}", day.date))?;
            days.insert(usage.day, usage);
        }
        let through = days.keys().next_back().copied();
        let changed = days.into_values().filter(|d| stored.get(&d.day) != Some(d)).collect();
        Ok(Reading { changed, through, stored })
    }

    fn describe_days(&mut self, days: &[DailyUsage]) {
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            let span = if first.day == last.day {
                first.day.to_string()
            } else {
                format!("{} … {}", first.day, last.day)
            };
            let n = days.len();
            self.changes.push(format!("record usage of {n} day{} ({span})", if n == 1 { "" } else { "s" }));
        }
    }

    /// The link, the changed days and the quota notification: written together (with other
    /// tenants').
    async fn commit(&self, link: UpstreamLink, reading: &Reading) -> Result<(), String> {
        let mut changes = vec![Change::SaveUpstreamLink(link)];
        if !reading.changed.is_empty() {
            let (usage, _) =
                ingest_usage::changes_over(self.ports, self.tenant, &reading.changed, &reading.stored)
                    .map_err(|e| e.to_string())?;
            changes.extend(usage);
        }
        self.writer.commit(self.ports, Work { changes, audit: Vec::new() }).await
    }
}

/// A tenant's usage as the upstream reported it, against what is stored.
#[derive(Default)]
struct Reading {
    /// The reported days whose counters differ from the stored ones.
    changed: Vec<DailyUsage>,
    /// The newest day reported.
    through: Option<Date>,
    /// The stored days from the earlier of the first day read and the month's first day, to
    /// today: read once for the comparison and the month's quota check.
    stored: BTreeMap<Date, DailyUsage>,
}

/// Commits the tenants' units of work in groups (group commit). A tenant queues its work, then
/// waits for a turn to write; whoever has a turn commits everything queued by then as one
/// transaction. On SQLite a commit costs about as much as a tenant's rows, and the system and
/// plan totals of a group's days are updated once: a first sync of 2,000 tenants took 6.5 s
/// one transaction a tenant. There are as many turns as groups the store writes well at once
/// ([`UnitOfWork::parallel_writes`]): one on SQLite, which has one writer; several on
/// PostgreSQL, where a group spent most of its transaction in round trips while the next
/// tenants waited (docs/performance.md). The turns are taken inside the tenants' own futures,
/// which the run keeps polling, so no write waits on a future that is not polled.
struct Writer {
    queue: std::sync::Mutex<Queue>,
    /// One lock a turn, held while that turn writes: waiting for a write to end is locking it.
    turns: Vec<futures_util::lock::Mutex<()>>,
}

#[derive(Default)]
struct Queue {
    next: u64,
    waiting: Vec<(u64, Work)>,
    /// Work being written, by the turn writing it.
    writing: BTreeMap<u64, usize>,
    /// When each turn began its write (the queue's count then), or `None` when free.
    busy: Vec<Option<u64>>,
    /// Outcomes of written work not yet picked up by its tenant.
    done: BTreeMap<u64, Result<(), String>>,
}

/// What a tenant whose work is queued does next.
enum Next {
    Return(Result<(), String>),
    /// Wait for this turn's write to end.
    Await(usize),
    /// Write the queue under this turn, now free.
    Write(usize),
}

impl Writer {
    fn new(ports: &Ports) -> Self {
        let turns = ports.work.parallel_writes().max(1);
        Writer {
            queue: std::sync::Mutex::new(Queue { busy: vec![None; turns], ..Queue::default() }),
            turns: (0..turns).map(|_| futures_util::lock::Mutex::new(())).collect(),
        }
    }

    /// Commits `work` alone or with others'; `Err` with the reason it could not be written.
    async fn commit(&self, ports: &Ports, work: Work) -> Result<(), String> {
        let ticket = {
            let mut queue = self.lock();
            queue.next += 1;
            let ticket = queue.next;
            queue.waiting.push((ticket, work));
            ticket
        };
        loop {
            match self.next(ticket) {
                Next::Return(outcome) => return outcome,
                Next::Await(turn) => drop(self.turns[turn].lock().await),
                Next::Write(turn) => {
                    let _free = Turn { writer: self, turn };
                    let _held = self.turns[turn].lock().await;
                    let group = {
                        let mut queue = self.lock();
                        let group = std::mem::take(&mut queue.waiting);
                        queue.writing.extend(group.iter().map(|(t, _)| (*t, turn)));
                        group
                    };
                    let outcomes = write_group(ports, group).await;
                    let mut queue = self.lock();
                    for (t, outcome) in outcomes {
                        queue.writing.remove(&t);
                        queue.done.insert(t, outcome);
                    }
                }
            }
        }
    }

    /// The next step for `ticket`: its outcome; the write it is in, or the oldest write when
    /// every turn is busy; or a free turn, taken.
    fn next(&self, ticket: u64) -> Next {
        let mut queue = self.lock();
        if let Some(outcome) = queue.done.remove(&ticket) {
            return Next::Return(outcome);
        }
        if let Some(&turn) = queue.writing.get(&ticket) {
            return Next::Await(turn);
        }
        if let Some(free) = queue.busy.iter().position(Option::is_none) {
            queue.busy[free] = Some(queue.next);
            return Next::Write(free);
        }
        let oldest = (0..queue.busy.len()).min_by_key(|&t| queue.busy[t]).unwrap_or(0);
        Next::Await(oldest)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A turn taken to write: freed when the write ends, also when the writing future is dropped
/// midway (the work it was writing then fails, rather than leave its tenants waiting).
struct Turn<'a> {
    writer: &'a Writer,
    turn: usize,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut queue = self.writer.lock();
        let abandoned: Vec<u64> =
            queue.writing.iter().filter(|&(_, &turn)| turn == self.turn).map(|(&ticket, _)| ticket).collect();
        for ticket in abandoned {
            queue.writing.remove(&ticket);
            queue.done.insert(ticket, Err("the transaction writing it was abandoned".to_owned()));
        }
        queue.busy[self.turn] = None;
    }
}

/// Writes a group in one transaction or, should that fail, each unit alone. A group of one is
/// written once, as it is.
async fn write_group(ports: &Ports, group: Vec<(u64, Work)>) -> Vec<(u64, Result<(), String>)> {
    if group.len() > 1 && ports.work.commit(merged(group.iter().map(|(_, work)| work))).await.is_ok() {
        return group.into_iter().map(|(ticket, _)| (ticket, Ok(()))).collect();
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for (ticket, work) in group {
        outcomes.push((ticket, ports.work.commit(work).await.map_err(|e| e.to_string())));
    }
    outcomes
}

/// One unit of work doing all of `works`, their usage days recorded in one change.
fn merged<'a>(works: impl Iterator<Item = &'a Work>) -> Work {
    let mut together = Work::default();
    let mut days = Vec::new();
    for work in works {
        for change in &work.changes {
            match change {
                Change::RecordUsage(d) => days.extend_from_slice(d),
                other => together.changes.push(other.clone()),
            }
        }
        together.audit.extend(work.audit.iter().cloned());
    }
    if !days.is_empty() {
        // First, as a tenant's own work has it (`ingest_usage`): the usage locks come before
        // any other row the group writes, so a group and an ingest never wait for each other
        // in opposite orders.
        together.changes.insert(0, Change::RecordUsage(days));
    }
    together
}

/// What the upstream needs to be told about a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Nothing,
    /// Never registered, or its name, slug, contact or domains changed.
    Register,
    /// Its status, plan or features changed.
    Push,
}

impl Step {
    fn between(acknowledged: Option<&TenantRegistration>, wanted: &TenantRegistration) -> Step {
        match acknowledged {
            None if wanted.status == TenantStatus::Cancelled => Step::Nothing,
            None => Step::Register,
            Some(a) if !same_identity(a, wanted) => Step::Register,
            Some(a)
                if a.status != wanted.status || a.plan != wanted.plan || a.features != wanted.features =>
            {
                Step::Push
            }
            Some(_) => Step::Nothing,
        }
    }

    /// The step in words, field by field.
    fn describe(self, acknowledged: Option<&TenantRegistration>, wanted: &TenantRegistration) -> Vec<String> {
        let Some(a) = acknowledged else {
            return match self {
                Step::Register => vec![format!("register ({} plan, {})", wanted.plan, wanted.status)],
                _ => Vec::new(),
            };
        };
        let mut lines = Vec::new();
        let mut field = |name: &str, from: String, to: String| {
            if from != to {
                lines.push(format!("{name}: {from} → {to}"));
            }
        };
        field("name", a.name.to_string(), wanted.name.to_string());
        field("slug", a.slug.to_string(), wanted.slug.to_string());
        field("contact", a.contact_email.to_string(), wanted.contact_email.to_string());
        field("domains", list(&a.domains), list(&wanted.domains));
        field("status", a.status.to_string(), wanted.status.to_string());
        field("plan", a.plan.to_string(), wanted.plan.to_string());
        field("methods", list(&a.features.methods), list(&wanted.features.methods));
        field("advanced features", list(&a.features.advanced), list(&wanted.features.advanced));
        field("quotas", format!("{:?}", a.features.quotas), format!("{:?}", wanted.features.quotas));
        let verb = match self {
            Step::Nothing => return Vec::new(),
            Step::Register => "register again",
            Step::Push => "push",
        };
        lines.into_iter().map(|l| format!("{verb}: {l}")).collect()
    }
}

fn same_identity(a: &TenantRegistration, b: &TenantRegistration) -> bool {
    a.name == b.name
        && a.slug == b.slug
        && a.contact_email == b.contact_email
        && a.domains == b.domains
        && a.primary_domain == b.primary_domain
}

fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if items.is_empty() { "none".into() } else { items.join(", ") }
}

/// Where a tenant's calls go, with the key the upstream issued it (when it issued one).
pub(crate) fn target(ports: &Ports, link: &UpstreamLink) -> UpstreamTarget {
    let tenant_key = link
        .sealed_tenant_key
        .as_deref()
        .and_then(|sealed| ports.secrets.open(sealed))
        .and_then(|key| String::from_utf8(key).ok())
        .map(SecretString::new);
    UpstreamTarget { tenant: link.tenant, tenant_key, endpoint: None }
}

/// The newest runs (a running one first), for the panel and the API.
pub async fn recent(ports: &Ports, actor: &Actor, limit: u32) -> Result<Vec<SyncRun>> {
    actor.require(Permission::SyncRun, None)?;
    Ok(ports.sync.recent_runs(limit.clamp(1, 100)).await?)
}

/// One run.
pub async fn show(ports: &Ports, actor: &Actor, id: Uuid) -> Result<SyncRun> {
    actor.require(Permission::SyncRun, None)?;
    ports.sync.run(id).await?.ok_or_else(|| Error::NotFound { what: "sync run", key: id.to_string() })
}

#[cfg(test)]
mod tests;
