//! The real `gatehouse-ctl` binary against a fresh SQLite database per test, and against a
//! fresh PostgreSQL database per test when `GATEHOUSE_TEST_DATABASE_URL` is set (for example
//! `postgres://postgres@127.0.0.1:5432/test`; the user must be allowed to create databases).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

// `api-keys …` and `tenants keys …`.
#[path = "cli/keys.rs"]
mod keys;
// `sync-tenants` against the stand-in upstream.
#[path = "cli/sync.rs"]
mod sync;

/// A database for one test: a SQLite file in a temporary directory, or a PostgreSQL database
/// created for the test and dropped afterwards.
struct TestDb {
    dir: tempfile::TempDir,
    url: String,
    /// `(server URL, database name)` to drop at the end.
    postgres: Option<(String, String)>,
    /// More environment for every run (the upstream's address and key).
    env: Vec<(String, String)>,
}

impl TestDb {
    fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/gatehouse.db", dir.path().display());
        TestDb { dir, url, postgres: None, env: Vec::new() }
    }

    fn postgres(server: &str) -> TestDb {
        let name = format!("gh_cli_{}", uuid::Uuid::new_v4().simple());
        pg_execute(server, &format!("CREATE DATABASE {name}"));
        let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
        let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
        let url = match query {
            Some(q) => format!("{base}/{name}?{q}"),
            None => format!("{base}/{name}"),
        };
        TestDb {
            dir: tempfile::tempdir().expect("tempdir"),
            url,
            postgres: Some((server.to_owned(), name)),
            env: Vec::new(),
        }
    }

    /// Runs `gatehouse-ctl args…` with `stdin`, in an empty directory and environment.
    fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse-ctl"))
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("USER", "tester")
            .env("DATABASE_URL", &self.url)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gatehouse-ctl");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("run")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, "")
    }

    /// Runs and expects exit code `code`; returns stdout.
    fn expect(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs expecting failure `code`; returns stderr, checked to be one `error:` line.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}\nstderr: {}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.starts_with("error: "), "{err}");
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
        err
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.expect(0, &all)).expect("JSON output")
    }

    fn migrated(self) -> TestDb {
        self.expect(0, &["migrate"]);
        self
    }

    fn create_acme(&self, extra: &[&str]) {
        let mut args = vec!["tenants", "create", "--name", "Acme Corp", "--domain", "acme.example"];
        args.extend(["--domain", "www.acme.example", "--email", "ops@acme.example"]);
        args.extend(extra);
        let out = self.expect(0, &args);
        assert!(out.contains("created acme-corp"), "{out}");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres {
            pg_execute(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn pg_execute(server: &str, sql: &str) {
    use sqlx::Connection as _;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let mut conn =
            sqlx::PgConnection::connect(server).await.expect("connect to GATEHOUSE_TEST_DATABASE_URL");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect(sql);
        let _ = conn.close().await;
    });
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `scenario` on SQLite, then on PostgreSQL if configured.
fn on_every_backend(scenario: impl Fn(TestDb)) {
    scenario(TestDb::sqlite().migrated());
    match std::env::var("GATEHOUSE_TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => scenario(TestDb::postgres(&server).migrated()),
        _ => eprintln!("SKIPPED the PostgreSQL run: set GATEHOUSE_TEST_DATABASE_URL=postgres://… to run it"),
    }
}

#[test]
fn create_then_list_and_show_in_tables_and_json() {
    on_every_backend(|db| {
        db.create_acme(&["--plan", "basic"]);
        let table = db.expect(0, &["tenants", "list"]);
        let mut lines = table.lines();
        assert!(
            lines.next().is_some_and(|h| h.starts_with("SLUG") && h.contains("PRIMARY DOMAIN")),
            "{table}"
        );
        assert!(
            lines.next().is_some_and(|r| r.starts_with("acme-corp") && r.contains("acme.example")),
            "{table}"
        );
        let page = db.json(&["tenants", "list", "--search", "ACME"]);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["slug"], "acme-corp");
        assert_eq!(page["items"][0]["status"], "pending");
        assert_eq!(db.json(&["tenants", "list", "--plan", "premium"])["total"], 0);

        let shown = db.expect(0, &["tenants", "show", "acme-corp"]);
        assert!(shown.contains("acme.example (primary), www.acme.example"), "{shown}");
        let details = db.json(&["tenants", "show", "acme-corp"]);
        assert_eq!(details["tenant"]["plan"], "basic");
        let id = details["tenant"]["id"].as_str().expect("id").to_owned();
        assert_eq!(db.json(&["tenants", "show", &id])["tenant"]["slug"], "acme-corp");
        db.fails(4, &["tenants", "show", "no-such-tenant"]);
    });
}

#[test]
fn invalid_input_exits_3_names_the_field_and_creates_nothing() {
    on_every_backend(|db| {
        let base = ["tenants", "create", "--name", "Acme Corp", "--email", "ops@acme.example"];
        let err = db.fails(3, &[&base[..], &["--domain", "not a host"]].concat());
        assert!(err.starts_with("error: domain:"), "{err}");
        let err = db.fails(
            3,
            &["tenants", "create", "--name", "Acme", "--domain", "acme.example", "--email", "nope"],
        );
        assert!(err.starts_with("error: email:"), "{err}");
        let err = db.fails(3, &[&base[..], &["--domain", "acme.example", "--plan", "gold"]].concat());
        assert!(err.starts_with("error: plan:"), "{err}");
        assert_eq!(db.json(&["tenants", "list"])["total"], 0);
        db.fails(2, &["tenants", "create", "--name", "Acme"]);
        db.fails(2, &["tenants", "frobnicate"]);
    });
}

#[test]
fn a_taken_domain_or_slug_exits_5() {
    on_every_backend(|db| {
        db.create_acme(&[]);
        let err = db.fails(
            5,
            &[
                "tenants",
                "create",
                "--name",
                "Other",
                "--domain",
                "www.acme.example",
                "--email",
                "a@other.example",
            ],
        );
        assert!(err.starts_with("error: domain:"), "{err}");
        let err = db.fails(
            5,
            &[
                "tenants",
                "create",
                "--name",
                "Acme Corp",
                "--domain",
                "new.example",
                "--email",
                "a@new.example",
            ],
        );
        assert!(err.starts_with("error: slug:"), "{err}");
        assert_eq!(db.json(&["tenants", "list"])["total"], 1);
    });
}

#[test]
fn status_changes_need_reasons_and_cancel_needs_yes() {
    on_every_backend(|db| {
        db.create_acme(&["--activate"]);
        let err = db.fails(3, &["tenants", "suspend", "acme-corp"]);
        assert!(err.starts_with("error: reason:"), "{err}");
        db.expect(0, &["tenants", "suspend", "acme-corp", "--reason", "payment overdue"]);
        assert_eq!(db.json(&["tenants", "show", "acme-corp"])["tenant"]["status"], "suspended");
        db.expect(0, &["tenants", "activate", "acme-corp"]);
        let err = db.fails(2, &["tenants", "cancel", "acme-corp", "--reason", "closed"]);
        assert!(err.contains("--yes"), "{err}");
        db.expect(0, &["tenants", "cancel", "acme-corp", "--reason", "closed", "--yes"]);
        let err = db.fails(3, &["tenants", "activate", "acme-corp"]);
        assert!(err.starts_with("error: status:"), "{err}");
    });
}

#[test]
fn set_plan_reports_what_was_switched_off_and_features_follow_the_plan() {
    on_every_backend(|db| {
        db.create_acme(&["--plan", "premium"]);
        let out = db.expect(0, &["tenants", "set-plan", "acme-corp", "free"]);
        assert!(out.contains("MFA method sms switched off"), "{out}");
        assert!(out.contains("monthly_authentications lowered from 100000 to 1000"), "{out}");
        let err = db.fails(3, &["features", "set", "acme-corp", "--enable", "sms"]);
        assert!(err.starts_with("error: features:") && err.contains("free plan"), "{err}");

        db.expect(0, &["tenants", "set-plan", "acme-corp", "basic"]);
        let out = db.json(&[
            "features",
            "set",
            "acme-corp",
            "--disable",
            "email_otp",
            "--quota",
            "monthly_authentications=5000",
        ]);
        assert_eq!(out["features"]["quotas"]["monthly_authentications"], 5000);
        assert!(!out["features"]["methods"].as_array().expect("methods").contains(&Value::from("email_otp")));
        let err =
            db.fails(3, &["features", "set", "acme-corp", "--quota", "monthly_authentications=99999999"]);
        assert!(err.starts_with("error: features:"), "{err}");
        let err = db.fails(3, &["features", "set", "acme-corp", "--quota", "colour=blue"]);
        assert!(err.starts_with("error: quota:"), "{err}");
        let shown = db.expect(0, &["features", "show", "acme-corp"]);
        assert!(shown.contains("monthly_authentications=5000"), "{shown}");
    });
}

#[test]
fn domains_can_be_added_made_primary_and_removed() {
    on_every_backend(|db| {
        db.create_acme(&[]);
        db.expect(0, &["domains", "add", "acme-corp", "login.acme.example"]);
        db.expect(0, &["domains", "set-primary", "acme-corp", "login.acme.example"]);
        let err = db.fails(3, &["domains", "remove", "acme-corp", "login.acme.example"]);
        assert!(err.starts_with("error: domain:") && err.contains("primary"), "{err}");
        let t = db.json(&["domains", "remove", "acme-corp", "acme.example"]);
        let hosts: Vec<&str> =
            t["domains"].as_array().expect("domains").iter().filter_map(|d| d["hostname"].as_str()).collect();
        assert_eq!(hosts, ["login.acme.example", "www.acme.example"]);
    });
}

#[test]
fn admins_are_created_with_a_password_from_stdin_and_listed() {
    on_every_backend(|db| {
        let args = [
            "admin",
            "create",
            "--username",
            "alice",
            "--email",
            "alice@example.com",
            "--role",
            "owner",
            "--password-stdin",
        ];
        let out = db.run_with_stdin(&args, "too short\n");
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(text(&out.stderr).starts_with("error: password:"));
        let out = db.run_with_stdin(&args, "correct horse battery staple\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let out = db.run_with_stdin(&args, "correct horse battery staple\n");
        assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
        let err = db.fails(2, &args[..args.len() - 1]);
        assert!(err.contains("--password-stdin"), "{err}");
        let list = db.json(&["admin", "list"]);
        assert_eq!(list["items"][0]["username"], "alice");
        assert_eq!(list["items"][0]["role"], "owner");
        assert!(!list.to_string().contains("argon2"), "no hash in the output");
        assert!(db.expect(0, &["admin", "list"]).contains("alice"));
    });
}

#[test]
fn bulk_actions_are_all_or_nothing() {
    on_every_backend(|db| {
        db.create_acme(&["--activate"]);
        db.expect(
            0,
            &[
                "tenants",
                "create",
                "--name",
                "Beta",
                "--domain",
                "beta.example",
                "--email",
                "it@beta.example",
                "--activate",
            ],
        );
        let err = db.fails(
            2,
            &["tenants", "bulk", "suspend", "--reason", "audit", "--tenant", "acme-corp", "--tenant", "beta"],
        );
        assert!(err.contains("--yes"), "{err}");
        let err = db.fails(
            3,
            &[
                "tenants",
                "bulk",
                "suspend",
                "--reason",
                "audit",
                "--tenant",
                "acme-corp",
                "--tenant",
                "nobody",
                "--yes",
            ],
        );
        assert!(err.contains("nobody"), "{err}");
        assert_eq!(db.json(&["tenants", "list", "--status", "active"])["total"], 2, "nothing changed");
        let out = db.json(&[
            "tenants",
            "bulk",
            "suspend",
            "--reason",
            "audit",
            "--tenant",
            "acme-corp",
            "--tenant",
            "beta",
            "--yes",
        ]);
        assert_eq!(out["changed"].as_array().map(Vec::len), Some(2));
        db.expect(0, &["tenants", "bulk", "set-plan", "premium", "--tenant", "beta", "--yes"]);
        db.expect(0, &["tenants", "bulk", "enable-method", "sms", "--tenant", "beta", "--yes"]);
    });
}

#[test]
fn demo_seed_and_audit_verify() {
    on_every_backend(|db| {
        db.create_acme(&[]);
        let out = db.expect(0, &["demo", "seed", "--tenants", "120", "--days", "5", "--seed", "7"]);
        assert!(out.starts_with("seeded 120 tenants") && out.contains("(seed 7)"), "{out}");
        assert_eq!(db.json(&["tenants", "list"])["total"], 121);
        db.fails(3, &["demo", "seed", "--tenants", "0"]);
        // The tenant's creation and its first key; each demo tenant's creation, then the demo
        // seed (one chunk).
        let out = db.expect(0, &["audit", "verify"]);
        assert!(out.contains("audit log intact: 123 records verified"), "{out}");
        let report = db.json(&["audit", "verify"]);
        assert_eq!(report["verified"], 123);
        assert!(report["broken"].is_null());
    });
}

/// Creates an admin with a password from stdin; returns the exit code and stderr.
fn create_admin(db: &TestDb, username: &str, role: &str, password: &str) -> (Option<i32>, String) {
    let email = format!("{username}@example.com");
    let args =
        ["admin", "create", "--username", username, "--email", &email, "--role", role, "--password-stdin"];
    let out = db.run_with_stdin(&args, &format!("{password}\n"));
    (out.status.code(), text(&out.stderr))
}

fn admin<'a>(list: &'a Value, username: &str) -> &'a Value {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["username"] == username))
        .unwrap_or_else(|| panic!("{username} in {list}"))
}

#[test]
fn common_passwords_are_refused_s3() {
    on_every_backend(|db| {
        let (code, err) = create_admin(&db, "alice", "owner", "password1234");
        assert_eq!(code, Some(3), "{err}");
        assert!(err.starts_with("error: password:"), "{err}");
        assert!(!err.contains("password1234"), "the password is never echoed: {err}");
        assert_eq!(db.json(&["admin", "list"])["items"].as_array().map(Vec::len), Some(0));
    });
}

#[test]
fn admins_are_disabled_enabled_promoted_unlocked_and_reset_with_reasons() {
    on_every_backend(|db| {
        for (name, role) in [("alice", "owner"), ("bob", "owner")] {
            let (code, err) = create_admin(&db, name, role, "correct horse battery staple");
            assert_eq!(code, Some(0), "{err}");
        }
        let table = db.expect(0, &["admin", "list"]);
        let header = table.lines().next().unwrap_or_default();
        for column in ["USERNAME", "EMAIL", "ROLE", "STATUS", "2FA", "CREATED"] {
            assert!(header.contains(column), "{table}");
        }
        assert!(table.lines().any(|l| l.starts_with("bob") && l.contains("active") && l.contains("off")));

        // A reason is required and not blank; nothing changes without one.
        let err = db.fails(3, &["admin", "disable", "bob", "--yes"]);
        assert!(err.starts_with("error: reason:"), "{err}");
        let err = db.fails(3, &["admin", "disable", "bob", "--reason", "  ", "--yes"]);
        assert!(err.starts_with("error: reason:"), "{err}");
        // Destructive: --yes is needed without a terminal.
        let err = db.fails(2, &["admin", "disable", "bob", "--reason", "left"]);
        assert!(err.contains("--yes"), "{err}");
        assert_eq!(admin(&db.json(&["admin", "list"]), "bob")["status"], "active");

        db.expect(0, &["admin", "disable", "bob", "--reason", "left the company", "--yes"]);
        assert_eq!(admin(&db.json(&["admin", "list"]), "bob")["status"], "disabled");
        let err = db.fails(3, &["admin", "disable", "alice", "--reason", "oops", "--yes"]);
        assert!(err.starts_with("error: admin:") && err.contains("last active owner"), "{err}");
        let err = db.fails(3, &["admin", "set-role", "alice", "auditor", "--reason", "oops"]);
        assert!(err.starts_with("error: admin:"), "{err}");
        db.fails(4, &["admin", "enable", "nobody", "--reason", "typo"]);

        let out = db.json(&["admin", "enable", "bob", "--reason", "came back"]);
        assert_eq!(out["status"], "active");
        let out = db.expect(0, &["admin", "set-role", "bob", "operator", "--reason", "fewer rights"]);
        assert!(out.contains("bob (operator, active)"), "{out}");
        let err = db.fails(3, &["admin", "set-role", "bob", "king", "--reason", "x"]);
        assert!(err.starts_with("error: role:"), "{err}");
        db.expect(0, &["admin", "unlock", "bob", "--reason", "verified by phone"]);

        let err = db.fails(2, &["admin", "reset-2fa", "bob", "--reason", "lost phone"]);
        assert!(err.contains("--yes"), "{err}");
        db.fails(3, &["admin", "reset-2fa", "bob", "--yes"]);
        db.fails(4, &["admin", "reset-2fa", "nobody", "--reason", "lost phone", "--yes"]);
        let out = db.json(&["admin", "reset-2fa", "bob", "--reason", "lost phone", "--yes"]);
        assert_eq!(out["totp_enabled"], false);
        assert!(!out.to_string().contains("argon2"), "no hash in the output");

        let verified = db.json(&["audit", "verify"]);
        assert!(verified["broken"].is_null(), "{verified}");
        assert!(verified["verified"].as_i64().unwrap_or(0) >= 7, "{verified}");
    });
}
