//! Every call's happy path, the headers that reach the upstream, and the refusals that are
//! answers (unknown tenant, wrong tenant key) rather than connection failures.

use gatehouse_application::ports::{
    AuthLogQuery, ConnectionState, Endpoint, FeaturesPush, MfaUpstream, SecretString, TenantRegistration,
    UpstreamError, UpstreamTarget,
};
use gatehouse_domain::{Plan, TenantStatus};
use gatehouse_tests::stand_in::{Call, StandIn};
use time::Duration;
use time::macros::date;

use super::{START, TOKEN, adapter, config, register, setup, tenant};

#[tokio::test]
async fn health_answers_and_the_connection_is_up() {
    let (stand_in, upstream, _) = setup().await;
    assert_eq!(upstream.status().state, ConnectionState::Unknown, "nothing called yet");
    let health = upstream.health().await.expect("health");
    assert!(health.is_ok());
    assert_eq!(health.contract, Some(1));
    let status = upstream.status();
    assert_eq!(status.state, ConnectionState::Up);
    assert_eq!(status.base_url.as_deref(), Some(stand_in.url.as_str()));
    assert_eq!((status.last_check, status.last_success), (Some(START), Some(START)));
    assert!(status.last_latency_ms.is_some());
    assert_eq!(status.upstream_version.as_deref(), Some("stand-in 1.0"));
    assert_eq!(status.recent.len(), 1);
    assert_eq!((status.recent[0].attempts, status.recent[0].error.as_ref()), (1, None));
    let (no_slash, _) = adapter(config(stand_in.url.trim_end_matches('/')));
    no_slash.health().await.expect("the final / is added");
    let seen = stand_in.requests();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].bearer_ok);
    assert_eq!(seen[0].contract.as_deref(), Some("1"));
    assert_eq!(seen[0].tenant_id, None, "health is not a tenant call");
}

#[tokio::test]
async fn register_is_idempotent_and_features_pushes_respect_versions() {
    let (stand_in, upstream, _) = setup().await;
    let mut acme = tenant("acme", Plan::Basic);
    let target = UpstreamTarget::tenant(acme.id);
    let first = upstream.register_tenant(&target, &TenantRegistration::of(&acme)).await.expect("registered");
    assert!(first.created);
    let key = first.tenant_key.clone().expect("a tenant key");
    let held = stand_in.tenant(acme.id.as_uuid()).expect("held by the stand-in");
    assert_eq!(held.registration.name, "Tenant acme");
    assert_eq!(held.registration.domains, ["acme.example", "login.acme.example"]);
    assert_eq!((held.plan.as_str(), held.status.as_str()), ("basic", "pending"));
    assert_eq!(held.features.methods, ["totp", "email_otp", "backup_codes"]);

    let again = upstream.register_tenant(&target, &TenantRegistration::of(&acme)).await.expect("again");
    assert!(!again.created, "a second registration updates");
    assert_eq!(again.tenant_key, Some(key.clone()));
    assert_eq!(stand_in.tenant_count(), 1);

    acme.status = TenantStatus::Suspended;
    acme.version += 1;
    let target = UpstreamTarget { tenant_key: Some(key), ..target };
    assert!(upstream.push_features(&target, &FeaturesPush::of(&acme)).await.expect("pushed").applied);
    assert_eq!(stand_in.tenant(acme.id.as_uuid()).expect("held").status, "suspended");
    let mut stale = acme.clone();
    stale.status = TenantStatus::Active;
    stale.version -= 1;
    assert!(!upstream.push_features(&target, &FeaturesPush::of(&stale)).await.expect("answered").applied);
    assert_eq!(stand_in.tenant(acme.id.as_uuid()).expect("held").status, "suspended", "the newer push stays");

    let push = stand_in.requests().into_iter().rfind(|r| r.call == Call::Features).expect("a push");
    assert_eq!(push.tenant_id, Some(acme.id.to_string()));
    assert_eq!(push.tenant_key.as_deref(), target.tenant_key.as_ref().map(SecretString::expose));
    assert_eq!(push.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn stats_come_with_a_stable_daily_series_or_without_one() {
    let (stand_in, upstream, _) = setup().await;
    let today = date!(2026 - 11 - 21);
    stand_in.set_today(today);
    let acme = tenant("acme", Plan::Premium);
    let target = register(&upstream, &acme).await;
    let since = today - Duration::days(6);
    let stats = upstream.tenant_stats(&target, Some(since)).await.expect("stats");
    let daily = stats.daily.clone().expect("a daily series");
    assert_eq!(daily.len(), 7);
    assert_eq!((daily[0].date, daily[6].date), (since, today));
    for day in &daily {
        let expected = stand_in.day(acme.id.as_uuid(), day.date);
        assert_eq!(
            (day.attempts, day.successes, day.failures),
            (expected.attempts, expected.successes, expected.failures)
        );
        let usage = day.to_usage(acme.id).expect("consistent counters");
        assert_eq!(
            (usage.day, usage.sms_sent, usage.avg_response_ms),
            (day.date, day.sms_sent, day.avg_response_ms)
        );
    }
    let month: u64 =
        (1..=21).map(|d| stand_in.day(acme.id.as_uuid(), today.replace_day(d).expect("day")).attempts).sum();
    assert_eq!(stats.monthly_authentications, month);
    assert!((0.0..=100.0).contains(&stats.success_rate));
    assert_eq!(
        upstream.tenant_stats(&target, Some(since)).await.expect("again"),
        stats,
        "syncing twice agrees"
    );

    let totals = upstream.tenant_stats(&target, None).await.expect("totals only");
    assert_eq!(totals.daily, None);
    assert_eq!(totals.monthly_authentications, month);
    let asked = stand_in.requests().into_iter().filter(|r| r.call == Call::Stats).collect::<Vec<_>>();
    assert_eq!(asked[0].query.as_deref(), Some("since=2026-11-15"));
    assert_eq!(asked[2].query, None);
}

#[tokio::test]
async fn users_and_auth_logs_page_without_overlap() {
    let (stand_in, upstream, _) = setup().await;
    stand_in.set_today(date!(2026 - 11 - 21));
    let acme = tenant("acme", Plan::Basic);
    let target = register(&upstream, &acme).await;

    let first = upstream.users(&target, 3, 0).await.expect("users");
    let second = upstream.users(&target, 3, 3).await.expect("users");
    assert_eq!((first.users.len(), second.users.len()), (3, 3));
    assert!(first.total >= 5 && first.total == second.total);
    assert!(first.users.iter().all(|u| second.users.iter().all(|v| v.id != u.id)));
    assert!(first.users.iter().all(|u| u.email.as_deref().is_some_and(|e| e.ends_with("@acme.example"))));

    let query = AuthLogQuery { days: 2, limit: 40, cursor: None };
    let page = upstream.auth_logs(&target, &query).await.expect("logs");
    assert_eq!(page.logs.len(), 40);
    let cursor = page.next_cursor.clone().expect("more to read");
    let next =
        upstream.auth_logs(&target, &AuthLogQuery { cursor: Some(cursor), ..query }).await.expect("page 2");
    assert_eq!(next.total, page.total);
    assert!(page.logs.iter().all(|a| next.logs.iter().all(|b| a.id != b.id)));
    let times: Vec<_> = page.logs.iter().chain(&next.logs).map(|e| e.timestamp).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first across pages");
}

#[tokio::test]
async fn page_sizes_out_of_range_are_refused_before_sending() {
    let (stand_in, upstream, _) = setup().await;
    let target = register(&upstream, &tenant("acme", Plan::Free)).await;
    for limit in [0, 201] {
        let err = upstream.users(&target, limit, 0).await.expect_err("refused");
        assert!(matches!(err, UpstreamError::InvalidRequest(ref m) if m.contains("limit")), "{err}");
    }
    for (days, limit) in [(0, 10), (91, 10), (7, 0), (7, 501)] {
        let err = upstream.auth_logs(&target, &AuthLogQuery { days, limit, cursor: None }).await;
        assert!(matches!(err, Err(UpstreamError::InvalidRequest(_))));
    }
    assert_eq!((stand_in.calls(Call::Users), stand_in.calls(Call::AuthLogs)), (0, 0), "nothing was sent");
}

#[tokio::test]
async fn refusals_are_answers_not_connection_failures() {
    let (_stand_in, upstream, _) = setup().await;
    let ghost = tenant("ghost", Plan::Free);
    let err = upstream.tenant_stats(&UpstreamTarget::tenant(ghost.id), None).await.expect_err("unknown");
    assert!(err.is_unknown_tenant(), "{err}");
    assert!(err.to_string().contains("unknown_tenant"), "the upstream's detail is shown: {err}");
    let status = upstream.status();
    assert_eq!((status.state, status.consecutive_failures), (ConnectionState::Up, 0));

    let acme = tenant("acme", Plan::Free);
    let target = register(&upstream, &acme).await;
    let forged = UpstreamTarget { tenant_key: Some(SecretString::new("tk_forged")), ..target.clone() };
    let err = upstream.users(&forged, 10, 0).await.expect_err("wrong tenant key");
    assert!(matches!(err, UpstreamError::Unauthorized { status: 403, .. }), "{err}");

    let other = tenant("other", Plan::Free);
    let err = upstream.push_features(&target, &FeaturesPush::of(&other)).await.expect_err("mismatch");
    assert!(matches!(err, UpstreamError::InvalidRequest(_)), "{err}");
    let mut taken = tenant("copycat", Plan::Free);
    taken.domains.clone_from(&acme.domains);
    let err = upstream
        .register_tenant(&UpstreamTarget::tenant(taken.id), &TenantRegistration::of(&taken))
        .await
        .expect_err("the domains belong to acme");
    assert!(
        matches!(err, UpstreamError::Rejected { status: 409, ref detail } if detail.contains("domain_taken"))
    );
}

#[tokio::test]
async fn a_pinned_tenant_goes_to_its_own_upstream_with_its_own_status() {
    let (default, upstream, _) = setup().await;
    let regional = StandIn::spawn("regional-key").await;
    let endpoint = Endpoint { base_url: regional.url.clone(), api_key: SecretString::new("regional-key") };
    let acme = tenant("acme", Plan::Basic);
    let target = UpstreamTarget { endpoint: Some(endpoint.clone()), ..UpstreamTarget::tenant(acme.id) };
    upstream.register_tenant(&target, &TenantRegistration::of(&acme)).await.expect("registered");
    upstream.health_of(&endpoint).await.expect("regional health");
    assert_eq!((regional.calls(Call::Register), regional.calls(Call::Health)), (1, 1));
    assert_eq!(default.calls(Call::Register) + default.calls(Call::Health), 0);
    assert_eq!(upstream.status_of(&endpoint).state, ConnectionState::Up);
    assert_eq!(upstream.status().state, ConnectionState::Unknown, "the default upstream was not called");

    let bad = Endpoint { base_url: "ftp://nowhere".into(), api_key: SecretString::new("k") };
    let err = upstream.health_of(&bad).await.expect_err("unusable URL");
    assert!(matches!(err, UpstreamError::InvalidRequest(_)), "{err}");
    assert_eq!(upstream.status_of(&bad).state, ConnectionState::NotConfigured);

    // The default key is not the regional one: a tenant pinned there with the default key fails.
    let (plain, _) = adapter(config(&regional.url));
    let err = plain.health().await.expect_err("wrong key for this upstream");
    assert!(matches!(err, UpstreamError::Unauthorized { status: 401, .. }), "{err}");
    super::assert_no_secret(&err.to_string());
    assert_ne!(TOKEN, "regional-key");
}
