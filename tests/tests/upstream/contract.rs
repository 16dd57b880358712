//! The contract test: docs/upstream.md's JSON examples are read by both sides — the port's
//! types (what the adapter sends and decodes) and the stand-in's own, separately written, wire
//! types — and what Gatehouse builds from real tenants parses as the stand-in's strict requests.

use std::collections::BTreeMap;

use gatehouse_application::ports::{
    AuthLogPage, FeaturesAck, FeaturesPush, Registered, SecretString, TenantRegistration, TenantStats,
    UpstreamHealth, UserPage,
};
use gatehouse_domain::{Plan, TenantStatus};
use gatehouse_tests::stand_in::wire;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::tenant;

/// The examples of docs/upstream.md by name: each is the ```json block after a line
/// `<!-- example: name -->`.
fn examples() -> BTreeMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/upstream.md");
    let doc = std::fs::read_to_string(path).expect("docs/upstream.md");
    let mut out = BTreeMap::new();
    let mut rest = doc.as_str();
    while let Some(at) = rest.find("\n<!-- example: ") {
        rest = &rest[at + "\n<!-- example: ".len()..];
        let name = rest[..rest.find(" -->").expect("closed marker")].to_owned();
        let start = rest.find("```json\n").expect("a json block follows") + "```json\n".len();
        let end = start + rest[start..].find("```").expect("closed block");
        assert!(out.insert(name.clone(), rest[start..end].to_owned()).is_none(), "duplicate example {name}");
        rest = &rest[end..];
    }
    out
}

fn parse<T: DeserializeOwned>(name: &str, json: &str) -> T {
    serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("example {name} does not parse as {}: {e}", std::any::type_name::<T>()))
}

#[test]
fn every_documented_example_is_read_by_both_sides() {
    let ex = examples();
    let names: Vec<&str> = ex.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "auth-logs-response",
            "auth-logs-response-original",
            "error-response",
            "features-request",
            "features-response",
            "health-response",
            "health-response-original",
            "register-request",
            "register-response",
            "stats-response",
            "stats-response-original",
            "users-response",
            "users-response-original",
        ]
    );
    let get = |n: &'static str| (n, ex[n].as_str());

    // Requests: the port's types serialise to exactly the documented JSON, and the stand-in
    // accepts it.
    let (n, json) = get("register-request");
    let port: TenantRegistration = parse(n, json);
    assert_eq!(serde_json::to_value(&port).expect("json"), parse::<Value>(n, json));
    let _: wire::RegisterRequest = parse(n, json);
    let (n, json) = get("features-request");
    let port: FeaturesPush = parse(n, json);
    assert_eq!(port.features.quotas.max_users, None);
    assert_eq!(serde_json::to_value(&port).expect("json"), parse::<Value>(n, json));
    let _: wire::FeaturesRequest = parse(n, json);

    // Answers in Gatehouse's full shape: both sides read them.
    let (n, json) = get("health-response");
    assert!(parse::<UpstreamHealth>(n, json).is_ok());
    let _: wire::Health = parse(n, json);
    let (n, json) = get("stats-response");
    let stats: TenantStats = parse(n, json);
    let _: wire::Stats = parse(n, json);
    let days = stats.daily.expect("a daily series");
    assert_eq!(days.len(), 2);
    let id = port.tenant_id;
    assert!(days.iter().all(|d| d.to_usage(id).is_ok()), "the documented days are consistent");
    let (n, json) = get("register-response");
    let registered: Registered = parse(n, json);
    assert!(registered.created);
    assert_eq!(registered.tenant_key, Some(SecretString::new("tk_5f0c2a9e41d7b3c8")));
    let _: wire::Registered = parse(n, json);
    let (n, json) = get("features-response");
    assert!(parse::<FeaturesAck>(n, json).applied);
    let _: wire::FeaturesApplied = parse(n, json);
    let (n, json) = get("users-response");
    assert_eq!(parse::<UserPage>(n, json).users[0].methods, ["totp", "backup_codes"]);
    let _: wire::Users = parse(n, json);
    let (n, json) = get("auth-logs-response");
    assert_eq!(parse::<AuthLogPage>(n, json).next_cursor.as_deref(), Some("o100"));
    let _: wire::Logs = parse(n, json);
    let (n, json) = get("error-response");
    assert_eq!(parse::<wire::ErrorBody>(n, json).error, "unknown_tenant");

    // The original's minimal answers: Gatehouse degrades to them.
    let (n, json) = get("health-response-original");
    assert!(parse::<UpstreamHealth>(n, json).is_ok(), "healthy counts as ok");
    let (n, json) = get("stats-response-original");
    assert_eq!(parse::<TenantStats>(n, json).daily, None);
    let (n, json) = get("users-response-original");
    let users: UserPage = parse(n, json);
    assert_eq!((users.users[0].id.as_str(), users.total), ("17", 1), "numeric ids read as text");
    let (n, json) = get("auth-logs-response-original");
    let logs: AuthLogPage = parse(n, json);
    assert_eq!(
        (logs.logs[0].user_id.as_deref(), logs.logs[0].id.as_ref(), logs.next_cursor.as_ref()),
        (Some("17"), None, None)
    );
}

#[test]
fn what_gatehouse_sends_for_any_tenant_is_a_strict_contract_request() {
    for plan in Plan::ALL {
        for status in TenantStatus::ALL {
            let mut t = tenant(&format!("t-{plan}-{status}"), plan);
            t.status = status;
            let sent = serde_json::to_string(&TenantRegistration::of(&t)).expect("json");
            let read: wire::RegisterRequest =
                serde_json::from_str(&sent).unwrap_or_else(|e| panic!("{plan}/{status}: {e}\n{sent}"));
            assert_eq!(read.tenant_id, t.id.as_uuid());
            assert_eq!((read.plan.as_str(), read.status.as_str()), (plan.as_str(), status.as_str()));
            assert_eq!(read.primary_domain.as_deref(), Some(format!("t-{plan}-{status}.example").as_str()));
            assert_eq!(read.features.unknown_name(), None);
            assert_eq!(read.features.methods.len(), t.features.methods.len());
            assert_eq!(read.features.quotas.max_users, t.features.quotas.max_users);
            let pushed = serde_json::to_string(&FeaturesPush::of(&t)).expect("json");
            let read: wire::FeaturesRequest =
                serde_json::from_str(&pushed).expect("a strict features request");
            assert_eq!((read.version, read.features.advanced.len()), (t.version, t.features.advanced.len()));
        }
    }
}

#[test]
fn what_the_stand_in_answers_is_what_the_port_reads() {
    let day = wire::Day {
        date: time::macros::date!(2026 - 11 - 21),
        attempts: 10,
        successes: 8,
        failures: 1,
        active_users: 4,
        api_calls: 30,
        sms_sent: 1,
        emails_sent: 2,
        avg_response_ms: 120,
    };
    let stats = wire::Stats {
        total_users: 9,
        active_users: 4,
        total_authentications: 100,
        monthly_authentications: 10,
        success_rate: 80.0,
        daily: Some(vec![day]),
    };
    let read: TenantStats =
        serde_json::from_value(serde_json::to_value(&stats).expect("json")).expect("port");
    let first = &read.daily.expect("days")[0];
    assert_eq!((first.date, first.attempts, first.emails_sent), (time::macros::date!(2026 - 11 - 21), 10, 2));
    let without = wire::Stats { daily: None, ..stats };
    let json = serde_json::to_value(&without).expect("json");
    assert!(json.get("daily").is_none(), "the stand-in leaves out what it was not asked for");
    assert_eq!(serde_json::from_value::<TenantStats>(json).expect("port").daily, None);
}
