//! The kill switch against the stand-in upstream: a suspension reaches it; while it fails, the
//! reactivation and a plan change wait and are retried; once it is back the upstream holds
//! the tenant's *current* state. A push for a tenant the upstream never registered ends
//! without error (its registration will carry the state).

use gatehouse_application::change_plan;
use gatehouse_application::deliver_outbox::Policy;
use gatehouse_application::ports::{TenantRegistration, UpstreamTarget};
use gatehouse_domain::{MessageKind, MessageState, Plan, TenantStatus};
use gatehouse_tests::app::Backend;
use gatehouse_tests::stand_in::{Call, Fault, StandIn};
use time::Duration;

use super::{Peers, TOKEN, active_tenant, cli, clock, database, instance, messages, round, set_status};

both!(pushes_reach_the_upstream_and_survive_its_outage);

async fn pushes_reach_the_upstream_and_survive_its_outage(backend: Backend) {
    let Some(db) = database(backend).await else { return };
    let stand_in = StandIn::spawn(TOKEN).await;
    let clock = clock();
    let peers = Peers { smtp_port: None, upstream_url: Some(stand_in.url.clone()) };
    let ports = instance(&db, &peers, clock.clone()).await.ports;
    let policy = Policy::default();

    let acme = active_tenant(&ports, "acme").await;
    // Registering is the sync's job; here it is done by hand.
    let target = UpstreamTarget::tenant(acme.id);
    ports.upstream.register_tenant(&target, &TenantRegistration::of(&acme)).await.expect("registered");
    let acme = set_status(&ports, &acme, TenantStatus::Suspended).await;
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.sent), (1, 1), "only the push: e-mail is not configured ({r:?})");
    let upstream = stand_in.tenant(acme.id.as_uuid()).expect("known upstream");
    assert_eq!((upstream.status.as_str(), upstream.version), ("suspended", acme.version));

    // The upstream fails: the reactivation and the plan change wait, retried later.
    stand_in.set_fault(Fault::ServerErrors);
    let acme = set_status(&ports, &acme, TenantStatus::Active).await;
    let req = change_plan::Request { tenant: acme.id.into(), plan: Plan::Premium, expected_version: None };
    let acme = change_plan::run(&ports, &cli(), req).await.expect("plan").tenant;
    let features_calls = stand_in.calls(Call::Features);
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.retried), (2, 2), "{r:?}");
    assert!(stand_in.calls(Call::Features) > features_calls, "the pushes were attempted");
    assert_eq!(stand_in.tenant(acme.id.as_uuid()).expect("known").status, "suspended", "still the old state");
    assert_eq!(round(&ports, "w1", &policy).await.claimed, 0, "not due yet");

    // Back: both pushes land, and the upstream holds the current state.
    stand_in.set_fault(Fault::None);
    clock.advance(Duration::minutes(5));
    let r = round(&ports, "w1", &policy).await;
    assert_eq!((r.claimed, r.sent), (2, 2), "{r:?}");
    let upstream = stand_in.tenant(acme.id.as_uuid()).expect("known");
    assert_eq!(
        (upstream.status.as_str(), upstream.plan.as_str(), upstream.version),
        ("active", "premium", acme.version)
    );
    let pushes = messages(&ports, MessageKind::UpstreamPush).await;
    assert!(pushes.iter().all(|e| e.state == MessageState::Sent), "{pushes:#?}");
    assert_eq!(pushes.iter().map(|e| e.attempts).max(), Some(2));

    // A tenant the upstream has never seen: nothing to correct there.
    let beta = active_tenant(&ports, "beta").await;
    set_status(&ports, &beta, TenantStatus::Suspended).await;
    let r = round(&ports, "w1", &policy).await;
    assert_eq!(r.sent, 1, "{r:?}");
    let [latest, ..] = &messages(&ports, MessageKind::UpstreamPush).await[..] else { panic!("pushes") };
    assert_eq!(latest.message.tenant, Some(beta.id));
    assert!(
        latest.last_error.as_deref().is_some_and(|n| n.contains("does not know this tenant")),
        "{latest:?}"
    );
    assert!(stand_in.tenant(beta.id.as_uuid()).is_none());
}
