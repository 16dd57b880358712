//! `sync-tenants` through the real binary against the stand-in upstream: a summary, a second
//! run that finds nothing to do, a dry run that prints its changes and makes none, a failing
//! tenant named with its reason and exit code 8 while the others sync, and a clear error
//! without an upstream.

use gatehouse_tests::stand_in::StandIn;

use super::{TestDb, on_every_backend};

const TOKEN: &str = "stand-in-token-for-cli-tests";

/// Runs `scenario` on every backend with a stand-in upstream configured.
fn with_upstream(scenario: impl Fn(&TestDb, &StandIn)) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    on_every_backend(|mut db| {
        let upstream = runtime.block_on(StandIn::spawn(TOKEN));
        db.env = vec![
            ("MFA_SYSTEM_API_URL".into(), upstream.url.clone()),
            ("MFA_SYSTEM_API_KEY".into(), TOKEN.into()),
        ];
        scenario(&db, &upstream);
    });
}

#[test]
fn sync_tenants_summarises_dry_runs_and_exits_8_when_a_tenant_fails() {
    with_upstream(|db, upstream| {
        db.create_acme(&["--plan", "basic"]);
        let out = db.expect(0, &["sync-tenants", "--dry-run"]);
        assert!(out.contains("acme-corp  would register (basic plan, pending)"), "{out}");
        assert!(out.ends_with("1 tenants: 1 would sync, 0 unchanged, 0 failed\n"), "{out}");
        assert_eq!(upstream.tenant_count(), 0, "a dry run registers nothing");

        let out = db.expect(0, &["sync-tenants", "--concurrency", "4"]);
        assert_eq!(out, "1 tenants: 1 synced, 0 unchanged, 0 failed\n");
        assert_eq!(upstream.tenant_count(), 1);
        let again = db.json(&["sync-tenants"]);
        assert_eq!(
            (again["counts"]["synced"].as_u64(), again["counts"]["unchanged"].as_u64()),
            (Some(0), Some(1))
        );

        // A tenant whose domain the upstream gives to another fails; the rest still sync.
        let mut args = vec!["tenants", "create", "--name", "Clash", "--domain", "clash.example"];
        args.extend(["--email", "ops@clash.example"]);
        db.expect(0, &args);
        let claimed = serde_json::json!({
            "tenant_id": "00000000-0000-0000-0000-00000000002a", "name": "Other", "slug": "other",
            "contact_email": "ops@other.example", "domains": ["clash.example"], "primary_domain": "clash.example",
            "plan": "free", "status": "active", "version": 1,
            "features": {"methods": ["totp"], "advanced": [], "quotas": {"monthly_authentications": 1000,
                "max_users": 100, "api_requests_per_minute": 60, "api_requests_per_hour": 1000}}
        });
        gatehouse_adapters::wiring::install_crypto_provider();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let status = runtime.block_on(async {
            reqwest::Client::new()
                .post(format!("{}tenant/register/", upstream.url))
                .bearer_auth(TOKEN)
                .header("X-Tenant-ID", "00000000-0000-0000-0000-00000000002a")
                .json(&claimed)
                .send()
                .await
                .expect("register")
                .status()
        });
        assert!(status.is_success(), "{status}");
        let out = db.run(&["sync-tenants"]);
        assert_eq!(out.status.code(), Some(8), "{}", super::text(&out.stderr));
        let stdout = super::text(&out.stdout);
        assert!(
            stdout.contains("clash  failed: registering: the MFA upstream refused the request (HTTP 409)"),
            "{stdout}"
        );
        assert!(stdout.ends_with("2 tenants: 0 synced, 1 unchanged, 1 failed\n"), "{stdout}");
        assert_eq!(super::text(&out.stderr), "error: sync: 1 of 2 tenants failed\n");

        let err = db.fails(3, &["sync-tenants", "--concurrency", "0"]);
        assert!(err.contains("concurrency"), "{err}");
        let err = db.fails(4, &["sync-tenants", "--tenant-id", "nobody"]);
        assert!(err.contains("nobody"), "{err}");
    });
}

#[test]
fn sync_tenants_without_an_upstream_says_so() {
    on_every_backend(|db| {
        let err = db.fails(1, &["sync-tenants"]);
        assert!(err.contains("MFA upstream is not configured"), "{err}");
    });
}
