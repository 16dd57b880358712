//! `api-keys …` and `tenants keys …` through the real binary: keys printed once, listed
//! without their text, refused input with its exit code, revocation after `--yes`.

use serde_json::Value;

use super::{TestDb, on_every_backend};

/// The key text printed after `marker` on a line of `out`.
fn printed_key(out: &str, marker: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(marker))
        .map_or_else(|| panic!("no {marker:?} line in {out}"), |k| k.trim().to_owned())
}

fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("items")
}

#[test]
fn api_keys_are_created_shown_once_listed_and_revoked() {
    on_every_backend(|db| {
        db.create_acme(&[]);
        let create = [
            "api-keys",
            "create",
            "--name",
            "CRM sync",
            "--scope",
            "tenants:view",
            "--scope",
            "usage:view",
            "--tenant",
            "acme-corp",
            "--expires-in",
            "90d",
            "--rate-per-minute",
            "120",
        ];
        let out = db.expect(0, &create);
        assert!(out.starts_with("created API key \"CRM sync\""), "{out}");
        let key = printed_key(&out, "key (shown only this once; store it now): ");
        assert!(key.starts_with("gh_") && key.len() == 3 + 32 + 1 + 43, "{key}");
        let created = db.json(&["api-keys", "create", "--name", "Billing", "--scope", "billing:export"]);
        let billing_id = created["api_key"]["id"].as_str().expect("id").to_owned();
        assert!(created["key"].as_str().is_some_and(|k| k.starts_with("gh_")), "{created}");
        assert_eq!(created["api_key"]["tenants"]["kind"], "all");

        let table = db.expect(0, &["api-keys", "list"]);
        let header = table.lines().next().unwrap_or_default();
        for column in ["ID", "NAME", "STATE", "SCOPES", "TENANTS", "EXPIRES", "RATE", "LAST USED"] {
            assert!(header.contains(column), "{table}");
        }
        assert!(table.contains("tenants:view,usage:view") && table.contains("120"), "{table}");
        assert!(!table.contains("gh_"), "keys are never shown again: {table}");
        let list = db.json(&["api-keys", "list"]);
        assert_eq!(items(&list).len(), 2);
        assert!(items(&list).iter().all(|k| k["state"] == "active"));

        // Refused input: exit code, one error line naming the field, nothing created.
        let base = ["api-keys", "create", "--name", "Bad"];
        for (extra, code, prefix) in [
            (&["--scope", "root"][..], 3, "error: permission:"),
            (&["--scope", "tenants:view", "--expires", "2020-01-01"], 3, "error: expires_at:"),
            (&["--scope", "tenants:view", "--expires", "soon"], 3, "error: expires:"),
            (&["--scope", "tenants:view", "--expires-in", "3x"], 3, "error: expires_in:"),
            (&["--scope", "tenants:view", "--tenant", "ghost"], 4, "error: tenant ghost not found"),
            (&["--scope", "tenants:view", "--rate-per-minute", "0"], 3, "error: rate_per_minute:"),
        ] {
            let err = db.fails(code, &[&base[..], extra].concat());
            assert!(err.starts_with(prefix), "{extra:?}: {err}");
        }
        db.fails(2, &base);
        assert_eq!(items(&db.json(&["api-keys", "list"])).len(), 2, "nothing created");

        // Revocation needs --yes without a terminal, then holds; again is refused.
        let err = db.fails(2, &["api-keys", "revoke", &billing_id]);
        assert!(err.contains("--yes"), "{err}");
        let out = db.expect(0, &["api-keys", "revoke", &billing_id, "--yes"]);
        assert!(out.contains("revoked API key \"Billing\""), "{out}");
        let err = db.fails(3, &["api-keys", "revoke", &billing_id, "--yes"]);
        assert!(err.starts_with("error: key:") && err.contains("already revoked"), "{err}");
        db.fails(4, &["api-keys", "revoke", &uuid::Uuid::now_v7().to_string(), "--yes"]);
        db.fails(3, &["api-keys", "revoke", "nonsense", "--yes"]);
        assert_eq!(items(&db.json(&["api-keys", "list"])).len(), 1);
        let all = db.json(&["api-keys", "list", "--all"]);
        assert!(items(&all).iter().any(|k| k["state"] == "revoked" && k["id"] == billing_id.as_str()));
        verified(&db);
    });
}

#[test]
fn tenant_keys_are_issued_with_the_tenant_rotated_and_revoked() {
    on_every_backend(|db| {
        let out = db.expect(
            0,
            &[
                "tenants",
                "create",
                "--name",
                "Acme Corp",
                "--domain",
                "acme.example",
                "--email",
                "o@acme.example",
            ],
        );
        let first = printed_key(&out, "tenant key (shown only this once; store it now): ");
        assert!(first.starts_with("ght_"), "{out}");
        let beta = db.json(&[
            "tenants",
            "create",
            "--name",
            "Beta",
            "--domain",
            "beta.example",
            "--email",
            "o@beta.example",
            "--activate",
        ]);
        assert_eq!(beta["slug"], "beta", "the tenant's fields as before");
        assert!(beta["key"].as_str().is_some_and(|k| k.starts_with("ght_")), "{beta}");
        assert_eq!(beta["tenant_key"]["prefix"].as_str(), beta["key"].as_str().map(|k| &k[..16]));

        let table = db.expect(0, &["tenants", "keys", "list", "acme-corp"]);
        assert!(table.contains(&format!("{}…", &first[..16])) && table.contains("active"), "{table}");
        assert!(!table.contains(&first), "{table}");
        let err = db.fails(3, &["tenants", "keys", "issue", "acme-corp"]);
        assert!(err.starts_with("error: key:") && err.contains("rotate"), "{err}");

        let out = db.expect(0, &["tenants", "keys", "rotate", "acme-corp", "--overlap", "48h"]);
        let second = printed_key(&out, "tenant key (shown only this once; store it now): ");
        assert!(second.starts_with("ght_") && second != first);
        assert!(out.contains("older keys end at"), "{out}");
        let keys = db.json(&["tenants", "keys", "list", "acme-corp"]);
        let ends: Vec<bool> = items(&keys).iter().map(|k| k["expires_at"].is_null()).collect();
        assert_eq!(ends, [true, false], "the new key has no end, the old one ends after the overlap");
        let err = db.fails(3, &["tenants", "keys", "rotate", "acme-corp", "--overlap", "31d"]);
        assert!(err.starts_with("error: overlap:"), "{err}");

        let err = db.fails(2, &["tenants", "keys", "revoke", "acme-corp", "--all"]);
        assert!(err.contains("--yes"), "{err}");
        db.fails(2, &["tenants", "keys", "revoke", "acme-corp", "--yes"]);
        let out = db.expect(0, &["tenants", "keys", "revoke", "acme-corp", "--all", "--yes"]);
        assert_eq!(out.lines().filter(|l| l.starts_with("revoked ght_")).count(), 2, "{out}");
        let id = items(&db.json(&["tenants", "keys", "list", "acme-corp"]))[0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let err = db.fails(3, &["tenants", "keys", "revoke", "acme-corp", "--key", &id, "--yes"]);
        assert!(err.starts_with("error: key:"), "{err}");
        db.expect(0, &["tenants", "keys", "issue", "acme-corp"]);

        // Suspending revokes the keys in the same transaction; a suspended tenant gets none.
        db.expect(0, &["tenants", "suspend", "beta", "--reason", "unpaid"]);
        let keys = db.json(&["tenants", "keys", "list", "beta"]);
        assert!(items(&keys).iter().all(|k| k["state"] == "revoked"), "{keys}");
        let err = db.fails(3, &["tenants", "keys", "issue", "beta"]);
        assert!(err.starts_with("error: status:"), "{err}");
        db.fails(4, &["tenants", "keys", "list", "nobody"]);
        verified(&db);
    });
}

fn verified(db: &TestDb) {
    let report = db.json(&["audit", "verify"]);
    assert!(report["broken"].is_null(), "{report}");
}
