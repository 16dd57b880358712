use std::sync::{Arc, Mutex};

use gatehouse_domain::{MfaMethod, Plan};

use super::*;
use crate::ports::{ConnectionStatus, Registered, StatsDay, TenantStats};
use crate::testing::{MockPorts, NOW, cli, forbidden_actor, tenant};

fn registration(status: TenantStatus) -> TenantRegistration {
    TenantRegistration::of(&tenant(status))
}

#[test]
fn the_step_follows_what_changed_since_the_upstream_acknowledged() {
    let now = registration(TenantStatus::Active);
    assert_eq!(Step::between(None, &now), Step::Register);
    assert_eq!(Step::between(Some(&now), &now), Step::Nothing);
    let newer = TenantRegistration { version: now.version + 5, ..now.clone() };
    assert_eq!(Step::between(Some(&now), &newer), Step::Nothing, "the version alone is no change");

    let suspended = TenantRegistration { status: TenantStatus::Suspended, ..now.clone() };
    assert_eq!(Step::between(Some(&now), &suspended), Step::Push);
    assert_eq!(Step::describe(Step::Push, Some(&now), &suspended), ["push: status: active → suspended"]);

    let mut fewer = now.clone();
    fewer.features.methods.remove(&MfaMethod::EmailOtp);
    assert_eq!(Step::between(Some(&now), &fewer), Step::Push);

    let renamed = TenantRegistration {
        name: gatehouse_domain::TenantName::parse("Other Corp").expect("name"),
        ..now.clone()
    };
    assert_eq!(Step::between(Some(&now), &renamed), Step::Register);
    assert_eq!(
        Step::describe(Step::Register, Some(&now), &renamed)[0],
        "register again: name: Acme → Other Corp"
    );

    let cancelled = registration(TenantStatus::Cancelled);
    assert_eq!(Step::between(None, &cancelled), Step::Nothing, "a cancelled tenant is not registered");
}

fn stats_day(date: Date, attempts: u64) -> StatsDay {
    StatsDay {
        date,
        attempts,
        successes: attempts,
        failures: 0,
        active_users: 1,
        api_calls: 2,
        sms_sent: 0,
        emails_sent: 0,
        avg_response_ms: 100,
    }
}

fn stats(days: Vec<StatsDay>) -> TenantStats {
    TenantStats {
        total_users: 1,
        active_users: 1,
        total_authentications: 1,
        monthly_authentications: 1,
        success_rate: 100.0,
        daily: Some(days),
    }
}

/// An active tenant on an upstream that answers; `link` is what the sync knew before.
fn ports(link: Option<UpstreamLink>) -> MockPorts {
    let mut m = MockPorts::new();
    let mut t = tenant(TenantStatus::Active);
    t.created_at = time::macros::datetime!(2026-01-01 0:00 UTC);
    let id = t.id;
    m.tenants.expect_get().returning(move |_| Ok(Some(t.clone())));
    m.sync.expect_tenant_ids().returning(move |after, _| Ok(if after.is_none() { vec![id] } else { vec![] }));
    m.sync.expect_link().returning(move |_| Ok(link.clone()));
    m.upstream.expect_status().return_const(ConnectionStatus::unknown(Some("http://mfa/".into())));
    m.secrets.expect_seal().returning(|p| [b"sealed:".as_slice(), p].concat());
    m.secrets.expect_open().returning(|s| s.strip_prefix(b"sealed:".as_slice()).map(<[u8]>::to_vec));
    m
}

fn request(dry_run: bool) -> Request {
    Request { tenant: None, dry_run, concurrency: 4, trigger: SyncTrigger::Cli }
}

async fn sync(m: MockPorts, dry_run: bool) -> (Summary, Vec<TenantReport>) {
    let ports = m.ports();
    let started = begin(&ports, &cli(), request(dry_run)).await.expect("begun");
    let seen = Mutex::new(Vec::new());
    let summary =
        started.run(&ports, &|p: Progress<'_>| seen.lock().expect("lock").push(p.last.clone())).await;
    (summary, seen.into_inner().expect("lock"))
}

#[tokio::test]
async fn a_new_tenant_is_registered_its_key_kept_and_its_days_recorded_in_one_work() {
    let mut m = ports(None);
    m.sync.expect_begin_run().times(1).returning(|run, _| {
        assert_eq!((run.trigger, run.counts.total, run.finished_at), (SyncTrigger::Cli, 1, None));
        Ok(())
    });
    m.upstream.expect_register_tenant().times(1).returning(|target, r| {
        assert_eq!((target.tenant, target.tenant_key.clone()), (r.tenant_id, None));
        Ok(Registered { created: true, tenant_key: Some(SecretString::new("tk_1")) })
    });
    m.upstream.expect_tenant_stats().times(1).returning(|target, since| {
        assert_eq!(
            target.tenant_key.as_ref().map(SecretString::expose),
            Some("tk_1"),
            "the new key is used at once"
        );
        // The tenant was created on 2026-01-01: the first sync reads from the previous month.
        assert_eq!(since, Some(time::macros::date!(2026 - 10 - 01)));
        Ok(stats(vec![stats_day(NOW.date() - Duration::days(1), 10), stats_day(NOW.date(), 5)]))
    });
    m.usage.expect_daily().returning(|_, _, _| Ok(Vec::new()));
    let works = Arc::new(Mutex::new(Vec::new()));
    let kept = works.clone();
    m.work.expect_commit().returning(move |w| {
        kept.lock().expect("lock").push(w);
        Ok(())
    });
    let (summary, reports) = sync(m, false).await;
    assert_eq!(summary.counts, SyncCounts { total: 1, synced: 1, unchanged: 0, failed: 0 });
    assert_eq!(
        reports[0].changes,
        ["register (basic plan, active)", "record usage of 2 days (2026-11-20 … 2026-11-21)"]
    );
    let works = works.lock().expect("lock");
    let [tenant_work, finish] = &works[..] else { panic!("{works:?}") };
    let [Change::SaveUpstreamLink(link), Change::RecordUsage(days)] = &tenant_work.changes[..] else {
        panic!("{:?}", tenant_work.changes)
    };
    assert_eq!(link.sealed_tenant_key.as_deref(), Some(b"sealed:tk_1".as_slice()));
    assert_eq!((link.stats_through, link.last_error.as_deref()), (Some(NOW.date()), None));
    assert_eq!(days.len(), 2);
    assert!(tenant_work.audit.is_empty(), "usage and links are data; the run is audited once");
    let [Change::FinishSyncRun(run)] = &finish.changes[..] else { panic!("{finish:?}") };
    assert_eq!((run.counts.synced, run.finished_at), (1, Some(NOW)));
    assert_eq!(finish.audit[0].kind, AuditKind::SyncRun);
    assert_eq!(finish.audit[0].reason.as_deref(), Some("1 of 1 tenants: 1 synced, 0 unchanged, 0 failed"));
}

fn synced_link() -> UpstreamLink {
    UpstreamLink {
        acknowledged: Some(registration(TenantStatus::Active)),
        stats_through: Some(NOW.date()),
        synced_at: Some(NOW),
        ..UpstreamLink::new(tenant(TenantStatus::Active).id)
    }
}

#[tokio::test]
async fn a_tenant_that_did_not_change_writes_nothing() {
    let mut m = ports(Some(synced_link()));
    m.sync.expect_begin_run().returning(|_, _| Ok(()));
    let id = tenant(TenantStatus::Active).id;
    let today = stats_day(NOW.date(), 5);
    let stored = today.to_usage(id).expect("valid");
    m.upstream.expect_tenant_stats().returning(move |_, _| Ok(stats(vec![today.clone()])));
    m.usage.expect_daily().returning(move |_, _, _| Ok(vec![stored.clone()]));
    m.work.expect_commit().times(1).returning(|w| {
        assert!(matches!(w.changes[..], [Change::FinishSyncRun(_)]), "only the run's end: {w:?}");
        Ok(())
    });
    let (summary, reports) = sync(m, false).await;
    assert_eq!((summary.counts.unchanged, reports[0].changes.len()), (1, 0));
}

#[tokio::test]
async fn a_failing_upstream_fails_the_tenant_with_the_reason_and_records_it() {
    let mut link = synced_link();
    link.acknowledged.as_mut().expect("acknowledged").plan = Plan::Free;
    let mut m = ports(Some(link));
    m.sync.expect_begin_run().returning(|_, _| Ok(()));
    m.upstream.expect_push_features().returning(|_, _| Err(UpstreamError::Unavailable { status: 503 }));
    let works = Arc::new(Mutex::new(Vec::new()));
    let kept = works.clone();
    m.work.expect_commit().returning(move |w| {
        kept.lock().expect("lock").push(w);
        Ok(())
    });
    let (summary, _) = sync(m, false).await;
    assert_eq!(summary.counts.failed, 1);
    assert_eq!(
        summary.failures[0].reason,
        "pushing the features: the MFA upstream is unavailable (HTTP 503)"
    );
    let works = works.lock().expect("lock");
    let Change::SaveUpstreamLink(saved) = &works[0].changes[0] else { panic!("{works:?}") };
    assert_eq!(saved.acknowledged.as_ref().map(|a| a.plan), Some(Plan::Free), "not acknowledged");
    assert_eq!(saved.last_error.as_deref(), Some(summary.failures[0].reason.as_str()));
    assert_eq!(works[1].audit[0].outcome, Outcome::Failure);
}

#[tokio::test]
async fn a_dry_run_says_what_it_would_do_and_changes_nothing() {
    let mut link = synced_link();
    link.acknowledged.as_mut().expect("acknowledged").status = TenantStatus::Suspended;
    let mut m = ports(Some(link));
    m.upstream.expect_tenant_stats().returning(|_, _| Ok(stats(vec![stats_day(NOW.date(), 7)])));
    m.usage.expect_daily().returning(|_, _, _| Ok(Vec::new()));
    // No begin_run, push, register or commit is expected: any of them fails the test.
    let (summary, reports) = sync(m, true).await;
    assert_eq!((summary.run, summary.counts.synced), (None, 1));
    assert_eq!(
        reports[0].changes,
        ["push: status: suspended → active", "record usage of 1 day (2026-11-21)"]
    );
}

#[tokio::test]
async fn refusals_before_anything_runs() {
    let m = ports(None);
    let ports = m.ports();
    let err = begin(&ports, &forbidden_actor(), request(false)).await.expect_err("forbidden");
    assert!(err.is_forbidden());
    let err = begin(&ports, &cli(), Request { concurrency: 0, ..request(false) }).await.expect_err("0");
    assert_eq!(err.field(), Some("concurrency"));

    // Without an upstream nothing is read (no tenant ids are expected: a call would fail).
    let mut m = MockPorts::new();
    m.upstream.expect_status().return_const(ConnectionStatus::not_configured());
    let err = begin(&m.ports(), &cli(), request(false)).await.expect_err("not configured");
    assert!(matches!(err, Error::Upstream(UpstreamError::NotConfigured)), "{err}");

    let mut m = ports_running();
    m.upstream.expect_status().return_const(ConnectionStatus::unknown(Some("http://mfa/".into())));
    let err = begin(&m.ports(), &cli(), request(false)).await.expect_err("running");
    assert!(err.to_string().contains("already running: CLI operator root since"), "{err}");
}

fn ports_running() -> MockPorts {
    let mut m = MockPorts::new();
    m.sync.expect_tenant_ids().returning(|_, _| Ok(Vec::new()));
    m.sync.expect_begin_run().returning(|_, _| {
        Err(crate::ports::Conflict::SyncRunning("CLI operator root since 2026-11-21 11:59 UTC".into()).into())
    });
    m
}

fn link_work(n: u8) -> Work {
    let mut link = UpstreamLink::new(TenantId::from_uuid(Uuid::from_bytes([n; 16])));
    link.last_error = Some(format!("tenant {n}"));
    let day = DailyUsage {
        tenant_id: link.tenant,
        ..stats_day(NOW.date(), u64::from(n)).to_usage(link.tenant).expect("day")
    };
    Work { changes: vec![Change::SaveUpstreamLink(link), Change::RecordUsage(vec![day])], audit: Vec::new() }
}

#[test]
fn a_group_is_one_work_with_its_days_together() {
    let together = merged([link_work(1), link_work(2)].iter());
    // The days first, as a tenant's own work has them (the usage locks before other rows).
    let [Change::RecordUsage(days), Change::SaveUpstreamLink(a), Change::SaveUpstreamLink(b)] =
        &together.changes[..]
    else {
        panic!("{:?}", together.changes)
    };
    assert_eq!((a.last_error.as_deref(), b.last_error.as_deref()), (Some("tenant 1"), Some("tenant 2")));
    assert_eq!(days.len(), 2);
}

#[tokio::test]
async fn a_group_that_cannot_be_written_is_written_tenant_by_tenant() {
    let mut m = MockPorts::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    m.work.expect_commit().times(3).returning(move |w| {
        let links = w.changes.iter().filter(|c| matches!(c, Change::SaveUpstreamLink(_))).count();
        log.lock().expect("lock").push(links);
        // The group (two links) fails, and so does tenant 2 alone.
        let tenant_2 = w
            .changes
            .iter()
            .any(|c| matches!(c, Change::SaveUpstreamLink(l) if l.last_error.as_deref() == Some("tenant 2")));
        if links > 1 || tenant_2 {
            Err(StoreError::backend(std::io::Error::other("disk full")))
        } else {
            Ok(())
        }
    });
    let ports = m.ports();
    let outcomes = write_group(&ports, vec![(1, link_work(1)), (2, link_work(2))]).await;
    assert_eq!(*seen.lock().expect("lock"), [2, 1, 1]);
    assert_eq!(outcomes[0], (1, Ok(())));
    assert!(matches!(&outcomes[1], (2, Err(e)) if e.contains("disk full")), "{outcomes:?}");
}

#[tokio::test]
async fn a_group_of_one_is_written_once() {
    let mut m = MockPorts::new();
    m.work.expect_commit().times(1).returning(|w| {
        assert_eq!(w.changes, link_work(1).changes, "the unit as it is");
        Err(StoreError::backend(std::io::Error::other("disk full")))
    });
    let ports = m.ports();
    let outcomes = write_group(&ports, vec![(7, link_work(1))]).await;
    assert!(matches!(&outcomes[..], [(7, Err(e))] if e.contains("disk full")), "{outcomes:?}");
}
