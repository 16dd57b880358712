use std::sync::{Arc, Mutex};

use gatehouse_domain::lockout::FailureCounts;

use super::*;
use crate::ports::StoreError;
use crate::testing::{MockPorts, NOW, owner};

fn req(username: &str, password: &str) -> Request {
    Request {
        username: username.into(),
        password: SecretString::new(password),
        client: Client::new("203.0.113.9", "Firefox"),
        remember: false,
        return_to: Some("/tenants".into()),
    }
}

/// Failures already counted per key before this attempt.
fn throttle(
    m: &mut MockPorts,
    account_failures: u32,
    client_failures: u32,
    locked_until: Option<time::OffsetDateTime>,
) {
    m.throttle.expect_begin_attempt().returning(move |keys, _, _, _| {
        Ok(keys
            .iter()
            .map(|k| {
                let n =
                    if matches!(k, ThrottleKey::ClientIp(_)) { client_failures } else { account_failures }
                        + 1;
                KeyState {
                    counts: FailureCounts { in_window: n, in_last_hour: n },
                    locked_until: locked_until.filter(|_| !matches!(k, ThrottleKey::ClientIp(_))),
                }
            })
            .collect())
    });
}

fn admin_with(m: &mut MockPorts, totp: bool, status: AdminStatus) {
    m.admins.expect_get_by_username().returning(move |name| {
        Ok((name.as_str() == "alice").then(|| SuperAdmin { totp_enabled: totp, status, ..owner() }))
    });
}

/// Every committed unit of work.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Work>>>);

impl Seen {
    /// Every committed audit kind with its reason.
    fn audit(&self) -> Vec<(AuditKind, Option<String>)> {
        let works = self.0.lock().expect("lock");
        works.iter().flat_map(|w| w.audit.iter().map(|a| (a.kind, a.reason.clone()))).collect()
    }

    /// Every committed change.
    fn changes(&self) -> Vec<Change> {
        self.0.lock().expect("lock").iter().flat_map(|w| w.changes.clone()).collect()
    }
}

fn record_commits(m: &mut MockPorts) -> Seen {
    let seen = Seen::default();
    let sink = seen.clone();
    m.work.expect_commit().returning(move |w: Work| {
        sink.0.lock().map_err(|_| StoreError::NotFound)?.push(w);
        Ok(())
    });
    seen
}

#[tokio::test]
async fn correct_password_with_totp_opens_a_partial_session() {
    let mut m = MockPorts::new();
    m.with_default_settings().with_tokens();
    admin_with(&mut m, true, AdminStatus::Active);
    throttle(&mut m, 0, 0, None);
    // The attempt is forgotten in the login's own unit of work, not by a call of its own.
    m.throttle.expect_succeed().never();
    m.passwords.expect_verify().returning(|p, _| p.expose() == "correct horse battery");
    m.passwords.expect_needs_rehash().returning(|_| false);
    let seen = record_commits(&mut m);
    let ok = run(&m.ports(), req("Alice", "correct horse battery")).await.expect("ran").expect("logged in");
    let [Change::SucceedLoginAttempt { reset, .. }, Change::InsertSession(_)] = &seen.changes()[..] else {
        panic!("{:?}", seen.changes())
    };
    assert!(reset.is_empty(), "no failure to forget besides the attempt itself: {reset:?}");
    assert_eq!(ok.next, Next::SecondFactor);
    assert_eq!(ok.session.stage, SessionStage::Partial);
    assert_eq!(
        ok.session.token_hash,
        ok.token.expose().bytes().rev().collect::<Vec<u8>>(),
        "only the hash is kept (S16)"
    );
    assert_eq!(ok.session.return_to.as_deref(), Some("/tenants"));
    assert_eq!(seen.audit()[0].0, AuditKind::AuthnLoginSuccess);
}

#[tokio::test]
async fn a_login_forgets_the_accounts_earlier_failures_and_lock() {
    let expired = NOW - Duration::minutes(1);
    for (failures, lock) in [(2, None), (0, Some(expired)), (3, Some(expired))] {
        let mut m = MockPorts::new();
        m.with_default_settings().with_tokens();
        admin_with(&mut m, true, AdminStatus::Active);
        throttle(&mut m, failures, 0, lock);
        m.passwords.expect_verify().returning(|p, _| p.expose() == "correct horse battery");
        m.passwords.expect_needs_rehash().returning(|_| false);
        let seen = record_commits(&mut m);
        let ok =
            run(&m.ports(), req("alice", "correct horse battery")).await.expect("ran").expect("logged in");
        let [Change::SucceedLoginAttempt { reset, .. }, Change::InsertSession(_)] = &seen.changes()[..]
        else {
            panic!("{:?}", seen.changes())
        };
        assert_eq!(reset[..], [ThrottleKey::Account(ok.admin.id)], "{failures} failures, lock {lock:?}");
    }
}

#[tokio::test]
async fn without_totp_and_with_2fa_required_the_admin_must_set_it_up_s11() {
    let mut m = MockPorts::new();
    m.with_default_settings().with_tokens();
    admin_with(&mut m, false, AdminStatus::Active);
    throttle(&mut m, 0, 0, None);
    m.passwords.expect_verify().returning(|_, _| true);
    m.passwords.expect_needs_rehash().returning(|_| true);
    m.passwords.expect_hash().times(1).returning(|_| Ok("$argon2id$new".into()));
    record_commits(&mut m);
    let ok = run(&m.ports(), req("alice", "x")).await.expect("ran").expect("in");
    assert_eq!((ok.next, ok.session.stage), (Next::SetupSecondFactor, SessionStage::Partial));
}

/// The four failure causes must be indistinguishable to the client (S15): same result, and a
/// real or dummy hash verification each time.
#[tokio::test]
async fn unknown_wrong_disabled_and_locked_look_the_same_s15() {
    let locked = Some(NOW + Duration::minutes(10));
    for (user, status, lock, cause) in [
        ("nobody", AdminStatus::Active, None, "unknown_user"),
        ("alice", AdminStatus::Active, None, "wrong_password"),
        ("alice", AdminStatus::Disabled, None, "account_disabled"),
        ("alice", AdminStatus::Active, locked, "locked"),
    ] {
        let mut m = MockPorts::new();
        m.with_default_settings();
        admin_with(&mut m, true, status);
        throttle(&mut m, 0, 0, lock);
        let hashed = Arc::new(Mutex::new(0));
        let (h1, h2) = (hashed.clone(), hashed.clone());
        m.passwords.expect_verify().returning(move |p, _| {
            *h1.lock().expect("lock") += 1;
            p.expose() == "right"
        });
        m.passwords.expect_verify_dummy().returning(move |_| *h2.lock().expect("lock") += 1);
        m.throttle.expect_succeed().returning(|_, _| Ok(()));
        let seen = record_commits(&mut m);
        let password = if cause == "account_disabled" { "right" } else { "wrong" };
        let refused = run(&m.ports(), req(user, password)).await.expect("ran").expect_err(cause);
        assert_eq!(refused.delay, Duration::ZERO, "{cause}");
        assert_eq!(*hashed.lock().expect("lock"), 1, "{cause}: exactly one hash computation");
        assert_eq!(
            seen.audit()[0],
            (AuditKind::AuthnLoginFail, Some(cause.to_owned())),
            "S26: the cause is audited"
        );
    }
}

#[tokio::test]
async fn the_fifth_failure_locks_the_account_s13() {
    let mut m = MockPorts::new();
    m.with_default_settings();
    admin_with(&mut m, true, AdminStatus::Active);
    throttle(&mut m, 4, 4, None);
    m.passwords.expect_verify().returning(|_, _| false);
    m.throttle
        .expect_lock()
        .withf(|k, until| matches!(k, ThrottleKey::Account(_)) && *until == NOW + Duration::minutes(15))
        .times(1)
        .returning(|_, _| Ok(()));
    let seen = record_commits(&mut m);
    let refused = run(&m.ports(), req("alice", "wrong")).await.expect("ran").expect_err("refused");
    assert_eq!(refused.delay, Duration::seconds(2), "growing delay");
    let kinds: Vec<_> = seen.audit().iter().map(|s| s.0).collect();
    assert_eq!(kinds, [AuditKind::AuthnLoginFail, AuditKind::AuthnLoginLocked]);
}

#[tokio::test]
async fn parallel_attempts_beyond_the_limit_are_not_even_checked_s13() {
    let mut m = MockPorts::new();
    m.with_default_settings();
    admin_with(&mut m, true, AdminStatus::Active);
    // Five failures already counted by parallel requests, no lock written yet.
    throttle(&mut m, 5, 5, None);
    m.passwords.expect_verify_dummy().times(1).returning(|_| ());
    m.throttle.expect_succeed().withf(|_, reset| reset.is_empty()).times(1).returning(|_, _| Ok(()));
    record_commits(&mut m);
    run(&m.ports(), req("alice", "right"))
        .await
        .expect("ran")
        .expect_err("over the limit even with the right password");
}

#[tokio::test]
async fn a_client_address_is_locked_after_many_failures_across_accounts() {
    let mut m = MockPorts::new();
    m.with_default_settings();
    admin_with(&mut m, true, AdminStatus::Active);
    // The 20th failure from one address (4 × the account limit) locks the address.
    throttle(&mut m, 0, 5 * CLIENT_FAILURE_FACTOR - 1, None);
    m.passwords.expect_verify().returning(|_, _| false);
    m.passwords.expect_verify_dummy().returning(|_| ());
    m.throttle.expect_succeed().returning(|_, _| Ok(()));
    m.throttle
        .expect_lock()
        .withf(|k, _| matches!(k, ThrottleKey::ClientIp(_)))
        .times(1)
        .returning(|_, _| Ok(()));
    record_commits(&mut m);
    run(&m.ports(), req("alice", "wrong")).await.expect("ran").expect_err("refused");
}
