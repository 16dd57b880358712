//! The tenant sync against the stand-in MFA upstream over real HTTP, on SQLite and (when
//! `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL: registration, feature pushes and usage
//! ingestion; a second run changes nothing; a dry run changes nothing at all; one failing
//! tenant does not stop the others and leaves nothing half-written; one run at a time; and the
//! panel's "Sync now" and the API's `/sync`.

use gatehouse_application::ports::{
    AuditQuery, OutboxQuery, StoreError, SyncTrigger, TenantRegistration, UpstreamTarget,
};
use gatehouse_application::sync_tenants::{self, Request, Summary, TenantReport};
use gatehouse_application::{Error, change_plan, change_tenant_status, register_tenant};
use gatehouse_domain::{
    Actor, AuditKind, NotificationKind, Permission, Plan, Tenant, TenantId, TenantStatus,
};
use gatehouse_tests::app::{Backend, Options, START, TestApp, get_json, spawn_app_with};
use gatehouse_tests::stand_in::{Call, Fault, StandIn};
use std::fmt::Write as _;

use time::Duration;

#[macro_use]
extern crate gatehouse_tests;

both!(
    a_sync_registers_pushes_and_records_usage_and_a_second_run_changes_nothing,
    a_dry_run_says_what_it_would_do_and_changes_nothing,
    a_failing_tenant_does_not_stop_the_others_and_is_not_half_written,
    one_run_at_a_time_and_a_silent_run_is_taken_over,
    heartbeats_due_while_tenants_are_in_flight_do_not_stall_the_run,
    the_panel_starts_a_sync_and_shows_its_runs_and_the_upstream,
    the_api_starts_a_sync_and_shows_its_runs,
);

const TOKEN: &str = "stand-in-token-for-sync-tests";

/// An app on a stand-in whose "today" is the app's.
async fn app_with_upstream(backend: Backend) -> Option<(TestApp, StandIn)> {
    let upstream = StandIn::spawn(TOKEN).await;
    let options = Options { upstream: Some((upstream.url.clone(), TOKEN.to_owned())), ..Options::default() };
    let app = spawn_app_with(backend, options).await?;
    upstream.set_today(app.clock_now().date());
    Some((app, upstream))
}

/// Moves the app and the stand-in `days` days on.
fn advance_days(app: &TestApp, upstream: &StandIn, days: i64) {
    app.clock.advance(Duration::days(days));
    upstream.set_today(app.clock_now().date());
}

async fn register(app: &TestApp, slug: &str, plan: Plan, domain: &str) -> Tenant {
    let request = register_tenant::Request {
        name: format!("Tenant {slug}"),
        slug: Some(slug.into()),
        contact_email: format!("ops@{domain}"),
        plan: Some(plan),
        domains: vec![domain.into()],
        activate: true,
        ..register_tenant::Request::default()
    };
    register_tenant::run(&app.ports, &Actor::cli("test"), request).await.expect("registered").tenant
}

async fn sync(app: &TestApp, dry_run: bool) -> (Summary, Vec<TenantReport>) {
    let request = Request { tenant: None, dry_run, concurrency: 4, trigger: SyncTrigger::Cli };
    let started = sync_tenants::begin(&app.ports, &Actor::cli("test"), request).await.expect("begun");
    let reports = std::sync::Mutex::new(Vec::new());
    let summary = started.run(&app.ports, &|p| reports.lock().expect("lock").push(p.last.clone())).await;
    let mut reports = reports.into_inner().expect("lock");
    reports.sort_by(|a, b| a.slug.cmp(&b.slug));
    (summary, reports)
}

/// Everything the sync may write, read back through the ports: tenants, their links and
/// usage days, the system-wide days, the outbox, the audit log and the runs.
async fn snapshot(app: &TestApp, tenants: &[TenantId]) -> String {
    let p = &app.ports;
    let today = app.clock_now().date();
    let from = today - Duration::days(90);
    let mut out = String::new();
    for &t in tenants {
        let tenant = p.tenants.get(t).await.expect("tenant");
        let link = p.sync.link(t).await.expect("link");
        let days = p.usage.daily(t, from, today).await.expect("days");
        let _ = writeln!(out, "{tenant:?}\n{link:?}\n{days:?}");
    }
    let _ = writeln!(out, "{:?}", p.usage.system_daily(from, today).await.expect("system days"));
    let outbox = p.outbox.list(&OutboxQuery { limit: 1000, ..OutboxQuery::default() }).await.expect("outbox");
    let _ = writeln!(out, "{outbox:?}");
    let audit = p.audit.list(&AuditQuery { limit: 1000, ..AuditQuery::default() }).await.expect("audit");
    let _ = writeln!(out, "{audit:?}");
    let _ = writeln!(out, "{:?}", p.sync.recent_runs(100).await.expect("runs"));
    out
}

async fn a_sync_registers_pushes_and_records_usage_and_a_second_run_changes_nothing(backend: Backend) {
    let Some((app, upstream)) = app_with_upstream(backend).await else { return };
    let free = register(&app, "free-co", Plan::Free, "free.example").await;
    let basic = register(&app, "basic-co", Plan::Basic, "basic.example").await;
    let ids = [free.id, basic.id];
    advance_days(&app, &upstream, 2);

    let (summary, reports) = sync(&app, false).await;
    assert_eq!(
        (summary.counts.total, summary.counts.synced, summary.counts.failed),
        (2, 2, 0),
        "{reports:?}"
    );
    assert_eq!(reports[0].changes[0], "register (basic plan, active)");
    assert_eq!(reports[0].changes[1], "record usage of 3 days (2026-11-21 … 2026-11-23)");
    let known = upstream.tenant(free.id.as_uuid()).expect("registered upstream");
    assert_eq!((known.plan.as_str(), known.status.as_str()), ("free", "active"));
    assert_eq!(known.registration.domains, ["free.example"]);
    for &t in &ids {
        let link = app.ports.sync.link(t).await.expect("link").expect("linked");
        assert!(link.sealed_tenant_key.is_some(), "the issued tenant key is kept, sealed");
        assert_eq!(link.stats_through, Some(app.clock_now().date()));
        let stored = app.ports.usage.daily(t, START.date(), app.clock_now().date()).await.expect("days");
        assert_eq!(stored.len(), 3);
        for day in stored {
            let upstream_day = upstream.day(t.as_uuid(), day.day);
            assert_eq!(
                (day.auth_attempts, day.auth_successes, day.auth_failures, day.api_calls),
                (
                    upstream_day.attempts,
                    upstream_day.successes,
                    upstream_day.failures,
                    upstream_day.api_calls
                ),
                "the upstream's counters, as they are"
            );
        }
    }
    // Quota warnings follow the stored month to date, once per cause.
    let mut expected = 0;
    for t in [&free, &basic] {
        let used: u64 =
            (0..3).map(|d| upstream.day(t.id.as_uuid(), START.date() + Duration::days(d)).attempts).sum();
        if used * 100 >= t.features.quotas.monthly_authentications * 80 {
            expected += 1;
        }
    }
    assert_eq!(quota_mails(&app.ports).await, expected);

    // Nothing changed: nothing is written, nothing is registered or pushed.
    let before = snapshot(&app, &ids).await;
    let registrations = upstream.calls(Call::Register);
    let (summary, _) = sync(&app, false).await;
    assert_eq!((summary.counts.synced, summary.counts.unchanged), (0, 2));
    assert_eq!(upstream.calls(Call::Register), registrations);
    assert_eq!(upstream.calls(Call::Features), 0);
    let after = snapshot(&app, &ids).await;
    let data = |s: &str| s.lines().take(ids.len() * 3 + 2).collect::<Vec<_>>().join("\n");
    assert_eq!(data(&after), data(&before), "tenants, links, usage and the outbox are untouched");
    assert_eq!(quota_mails(&app.ports).await, expected, "a month's warning is sent once");

    // A plan change and a suspension are pushed; the next day's usage is read.
    set_plan(&app, basic.id, Plan::Premium).await;
    change_tenant_status::run(
        &app.ports,
        &Actor::cli("test"),
        change_tenant_status::Request {
            tenant: gatehouse_application::TenantRef::Id(free.id),
            to: TenantStatus::Suspended,
            reason: Some("unpaid".into()),
            expected_version: None,
        },
    )
    .await
    .expect("suspended");
    advance_days(&app, &upstream, 1);
    let (summary, reports) = sync(&app, false).await;
    assert_eq!(summary.counts.synced, 2, "{reports:?}");
    assert!(reports[0].changes.iter().any(|c| c == "push: plan: basic → premium"), "{reports:?}");
    assert!(reports[1].changes.iter().any(|c| c == "push: status: active → suspended"), "{reports:?}");
    assert!(reports[1].changes.iter().any(|c| c == "record usage of 1 day (2026-11-24)"), "{reports:?}");
    assert_eq!(upstream.tenant(basic.id.as_uuid()).expect("known").plan, "premium");
    assert_eq!(upstream.tenant(free.id.as_uuid()).expect("known").status, "suspended");
    let runs = app.ports.sync.recent_runs(10).await.expect("runs");
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r.finished_at.is_some()), "{runs:?}");
    let audited = app.audit(AuditKind::SyncRun).await;
    assert_eq!(audited.len(), 3, "one audit event per run");
    assert_eq!(
        audited.last().and_then(|r| r.event.reason.clone()).as_deref(),
        Some("2 of 2 tenants: 2 synced, 0 unchanged, 0 failed")
    );
}

async fn a_dry_run_says_what_it_would_do_and_changes_nothing(backend: Backend) {
    let Some((app, upstream)) = app_with_upstream(backend).await else { return };
    let acme = register(&app, "acme", Plan::Basic, "acme.example").await;
    advance_days(&app, &upstream, 2);
    let before = snapshot(&app, &[acme.id]).await;
    let (summary, reports) = sync(&app, true).await;
    assert_eq!((summary.run, summary.counts.synced), (None, 1));
    assert_eq!(
        reports[0].changes,
        ["register (basic plan, active)", "read usage from 2026-11-21 once registered"]
    );
    assert_eq!(snapshot(&app, &[acme.id]).await, before, "the whole state, audit and runs included");
    assert_eq!(upstream.tenant_count(), 0, "nothing registered upstream");

    sync(&app, false).await;
    set_plan(&app, acme.id, Plan::Enterprise).await;
    advance_days(&app, &upstream, 1);
    let before = snapshot(&app, &[acme.id]).await;
    let (summary, reports) = sync(&app, true).await;
    assert_eq!(summary.counts.synced, 1);
    assert!(reports[0].changes.contains(&"push: plan: basic → enterprise".to_owned()), "{reports:?}");
    assert!(reports[0].changes.iter().any(|c| c == "record usage of 1 day (2026-11-24)"), "{reports:?}");
    assert_eq!(snapshot(&app, &[acme.id]).await, before);
    assert_eq!(upstream.tenant(acme.id.as_uuid()).expect("known").plan, "basic", "nothing pushed");
}

async fn a_failing_tenant_does_not_stop_the_others_and_is_not_half_written(backend: Backend) {
    let Some((app, upstream)) = app_with_upstream(backend).await else { return };
    let ok = register(&app, "fine", Plan::Basic, "fine.example").await;
    let clash = register(&app, "clash", Plan::Basic, "taken.example").await;
    // Another tenant of the upstream (not Gatehouse's) already holds taken.example.
    let mut other = TenantRegistration::of(&clash);
    other.tenant_id = TenantId::from_uuid(uuid::Uuid::from_u128(42));
    app.ports
        .upstream
        .register_tenant(&UpstreamTarget::tenant(other.tenant_id), &other)
        .await
        .expect("other");

    let (summary, reports) = sync(&app, false).await;
    assert_eq!((summary.counts.synced, summary.counts.failed), (1, 1), "{reports:?}");
    let failure = &summary.failures[0];
    assert_eq!(failure.slug, "clash");
    assert!(
        failure.reason.starts_with("registering: the MFA upstream refused the request (HTTP 409)"),
        "{failure:?}"
    );
    assert!(failure.reason.contains("domain_taken"), "{failure:?}");
    let link = app.ports.sync.link(clash.id).await.expect("link").expect("the failure is recorded");
    assert_eq!((link.acknowledged, link.last_error.as_deref()), (None, Some(failure.reason.as_str())));
    let days = app.ports.usage.daily(clash.id, START.date(), app.clock_now().date()).await.expect("days");
    assert!(days.is_empty(), "no usage for a tenant the upstream refused");
    assert!(app.ports.sync.link(ok.id).await.expect("link").is_some_and(|l| l.acknowledged.is_some()));
    let runs = app.ports.sync.recent_runs(1).await.expect("runs");
    assert_eq!((runs[0].counts.failed, runs[0].failures.len()), (1, 1));
    assert_eq!(app.audit(AuditKind::SyncRun).await[0].event.outcome, gatehouse_domain::Outcome::Failure);

    // An upstream that fails every call fails every tenant, and writes none of them.
    upstream.set_fault(Fault::ServerErrors);
    let before = app.ports.usage.daily(ok.id, START.date(), app.clock_now().date()).await.expect("days");
    let (summary, _) = sync(&app, false).await;
    assert_eq!(summary.counts.failed, 2);
    assert_eq!(
        app.ports.usage.daily(ok.id, START.date(), app.clock_now().date()).await.expect("days"),
        before
    );
    upstream.set_fault(Fault::None);
}

async fn one_run_at_a_time_and_a_silent_run_is_taken_over(backend: Backend) {
    let Some((app, _upstream)) = app_with_upstream(backend).await else { return };
    register(&app, "acme", Plan::Basic, "acme.example").await;
    let request = || Request { tenant: None, dry_run: false, concurrency: 2, trigger: SyncTrigger::Schedule };
    let first = sync_tenants::begin(&app.ports, &Actor::system(), request()).await.expect("first");
    let refused =
        sync_tenants::begin(&app.ports, &Actor::cli("ops"), request()).await.expect_err("one at a time");
    assert!(matches!(refused, Error::Conflict(_)), "{refused}");
    assert!(refused.to_string().contains("a tenant sync is already running: system since"), "{refused}");
    // A dry run changes nothing, so it may run meanwhile.
    sync(&app, true).await;

    // The first run's process "died": after two silent minutes another may take over.
    app.clock.advance(Duration::minutes(3));
    let second = sync_tenants::begin(&app.ports, &Actor::cli("ops"), request()).await.expect("taken over");
    let summary = first.run(&app.ports, &|_| {}).await;
    assert_eq!(summary.counts.synced, 1, "its tenants are still committed whole");
    let runs = app.ports.sync.recent_runs(10).await.expect("runs");
    let abandoned = runs.iter().find(|r| Some(r.id) == summary.run).expect("first run");
    assert!(abandoned.error.as_deref().is_some_and(|e| e.starts_with("abandoned")), "{abandoned:?}");
    let summary = second.run(&app.ports, &|_| {}).await;
    assert!(summary.succeeded());
    assert_eq!(summary.counts.unchanged, 1);
    let err =
        app.ports.sync.heartbeat(abandoned.id, abandoned.counts, app.clock_now()).await.expect_err("gone");
    assert!(matches!(err, StoreError::NotFound));
}

/// A heartbeat falls due after every tenant while fifteen others are being written: it must
/// not wait for a write turn one of them holds while they wait for it to be polled (a run of
/// 1,000 tenants once hung that way on SQLite).
async fn heartbeats_due_while_tenants_are_in_flight_do_not_stall_the_run(backend: Backend) {
    let Some((app, _upstream)) = app_with_upstream(backend).await else { return };
    for i in 0..48 {
        register(&app, &format!("t{i:02}"), Plan::Basic, &format!("t{i:02}.example")).await;
    }
    let request = Request { tenant: None, dry_run: false, concurrency: 16, trigger: SyncTrigger::Cli };
    let started = sync_tenants::begin(&app.ports, &Actor::cli("test"), request).await.expect("begun");
    let advance = |_: sync_tenants::Progress<'_>| app.clock.advance(Duration::seconds(6));
    let run = started.run(&app.ports, &advance);
    let summary = tokio::time::timeout(std::time::Duration::from_mins(1), run)
        .await
        .expect("the run finished instead of stalling on its heartbeat");
    assert!(summary.succeeded(), "{summary:?}");
    assert_eq!((summary.counts.synced, summary.counts.failed), (48, 0));
    let runs = app.ports.sync.recent_runs(1).await.expect("runs");
    assert_eq!(runs[0].counts, summary.counts, "the finished run is recorded");
    assert!(runs[0].finished_at.is_some());
}

async fn the_panel_starts_a_sync_and_shows_its_runs_and_the_upstream(backend: Backend) {
    let Some((app, upstream)) = app_with_upstream(backend).await else { return };
    register(&app, "acme", Plan::Basic, "acme.example").await;
    let (browser, _) = app.login_as_owner().await;
    let page = browser.get("/system").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tenant sync") && page.body.contains("No sync has run yet."), "{}", page.body);
    assert!(
        page.body.contains("MFA upstream connection") && page.body.contains(&upstream.url),
        "{}",
        page.body
    );
    let started = browser.submit("/system", "/system/sync", &[]).await;
    assert_eq!((started.status, started.location()), (303, Some("/system?notice=sync_started")));
    let newest = app.ports.sync.recent_runs(1).await.expect("runs")[0].id;
    let run = finished_run(&app, newest).await;
    assert_eq!((run.trigger, run.counts.synced), (SyncTrigger::Panel, 1));
    let page = browser.get("/system?notice=sync_started").await;
    assert!(page.body.contains("The tenant sync has started") && page.body.contains("done"), "{}", page.body);
    let (auditor, _) = app.admin_logged_in("ada", gatehouse_domain::Role::Auditor).await;
    assert_eq!(auditor.submit("/", "/system/sync", &[]).await.status, 403, "sync:run is needed");
}

async fn the_api_starts_a_sync_and_shows_its_runs(backend: Backend) {
    let Some((app, _upstream)) = app_with_upstream(backend).await else { return };
    register(&app, "acme", Plan::Basic, "acme.example").await;
    sync(&app, false).await;
    let create = |scopes: Vec<Permission>| {
        let ports = app.ports.clone();
        async move {
            let request = gatehouse_application::manage_api_keys::CreateApiKey {
                name: "sync bot".into(),
                scopes: scopes.into_iter().collect(),
                ..Default::default()
            };
            gatehouse_application::manage_api_keys::create(&ports, &Actor::cli("test"), request)
                .await
                .expect("key")
                .1
        }
    };
    let key = create(vec![Permission::SyncRun]).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1{p}", app.base);
    let dry = http
        .post(url("/sync"))
        .bearer_auth(key.expose())
        .json(&serde_json::json!({"dry_run": true}))
        .send()
        .await
        .expect("post");
    assert_eq!(dry.status(), 200);
    let dry: serde_json::Value = dry.json().await.expect("json");
    assert_eq!((dry["total"].as_u64(), dry["unchanged"].as_u64()), (Some(1), Some(1)), "{dry}");
    let started = http
        .post(url("/sync"))
        .bearer_auth(key.expose())
        .json(&serde_json::json!({"tenant": "acme"}))
        .send()
        .await
        .expect("post");
    assert_eq!(started.status(), 202);
    let location = started.headers()["location"].to_str().expect("location").to_owned();
    let body: serde_json::Value = started.json().await.expect("json");
    assert_eq!(location, format!("/api/v1/sync/runs/{}", body["id"].as_str().expect("id")));
    assert_eq!(body["trigger"], "api");
    let run = finished_run(&app, body["id"].as_str().and_then(|id| id.parse().ok()).expect("uuid")).await;
    let shown = get_json(&format!("{}{location}", app.base), key.expose()).await;
    assert_eq!(
        (shown["id"].as_str(), shown["unchanged"].as_u64()),
        (Some(run.id.to_string().as_str()), Some(1)),
        "{shown}"
    );
    let listed = get_json(&url("/sync/runs?limit=5"), key.expose()).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let bad = http
        .post(url("/sync"))
        .bearer_auth(key.expose())
        .json(&serde_json::json!({"concurrency": 0}))
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 422);
    let reader = create(vec![Permission::TenantsView]).await;
    let denied = http
        .post(url("/sync"))
        .bearer_auth(reader.expose())
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(denied.status(), 403);
}

async fn set_plan(app: &TestApp, tenant: TenantId, plan: Plan) {
    let request = change_plan::Request {
        tenant: gatehouse_application::TenantRef::Id(tenant),
        plan,
        expected_version: None,
    };
    change_plan::run(&app.ports, &Actor::cli("test"), request).await.expect("plan changed");
}

/// The quota warnings in the outbox.
async fn quota_mails(ports: &gatehouse_application::Ports) -> usize {
    let all =
        ports.outbox.list(&OutboxQuery { limit: 1000, ..OutboxQuery::default() }).await.expect("outbox");
    all.iter()
        .filter(|m| {
            matches!(m.message.notification, Some(NotificationKind::Quota80 | NotificationKind::Quota100))
        })
        .count()
}

/// Waits (up to 20 s) for run `id` to finish, and returns it.
async fn finished_run(app: &TestApp, id: uuid::Uuid) -> gatehouse_application::ports::SyncRun {
    for _ in 0..400 {
        if let Some(run) = app.ports.sync.run(id).await.expect("run")
            && run.finished_at.is_some()
        {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the run did not finish");
}
