//! `SecondFactorStore` and the TOTP and recovery-code changes of a unit of work.

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{Change, Conflict, SecondFactor, StoreError, Work};
use gatehouse_domain::{AdminId, AdminStatus, Email, Role, SuperAdmin};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{admin, now, session};
use time::Duration;

contract!(
    steps_are_claimed_once,
    concurrent_claims_of_a_step_one_wins,
    a_step_claimed_in_a_unit_of_work_opens_one_session,
    recovery_codes_are_used_once,
    enable_replace_and_disable_totp,
    update_admin_leaves_totp_enabled_alone,
);

async fn apply(s: &Storage, change: Change) -> Result<(), StoreError> {
    s.work.commit(Work { changes: vec![change], audit: vec![] }).await
}

async fn with_admin(s: &Storage) -> SuperAdmin {
    let a = admin("alice", Role::Owner);
    apply(s, Change::InsertAdmin(a.clone())).await.expect("admin");
    a
}

fn codes(names: &[&str]) -> Vec<Vec<u8>> {
    names.iter().map(|n| format!("hash-of-{n}").into_bytes()).collect()
}

async fn enable(s: &Storage, admin: AdminId, last_step: u64, hashes: Vec<Vec<u8>>) {
    let change = Change::EnableTotp {
        admin,
        sealed_secret: b"sealed-secret".to_vec(),
        last_step,
        recovery_code_hashes: hashes,
    };
    apply(s, change).await.expect("enable");
}

async fn steps_are_claimed_once(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    let f = &s.second_factor;
    assert!(f.claim_step(a.id, 100).await.expect("first"), "no step accepted yet");
    assert!(!f.claim_step(a.id, 100).await.expect("same"), "replay of the same step");
    assert!(!f.claim_step(a.id, 99).await.expect("older"), "an older step after a newer one");
    assert!(f.claim_step(a.id, 101).await.expect("newer"));
    assert_eq!(f.get(a.id).await.expect("get").last_step, Some(101));
    assert!(!f.claim_step(AdminId::from_uuid(uuid::Uuid::now_v7()), 5).await.expect("unknown admin"));
    assert!(matches!(f.get(AdminId::from_uuid(uuid::Uuid::now_v7())).await, Err(StoreError::NotFound)));
}

async fn concurrent_claims_of_a_step_one_wins(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    for step in [200, 300, 400] {
        let claims: Vec<_> = (0..2)
            .map(|_| {
                let f = s.second_factor.clone();
                tokio::spawn(async move { f.claim_step(a.id, step).await.expect("claim") })
            })
            .collect();
        let mut won = 0;
        for c in claims {
            won += usize::from(c.await.expect("task"));
        }
        assert_eq!(won, 1, "step {step}: exactly one of two identical codes passes");
    }
}

/// `Change::ClaimTotpStep`: the code's step and the session it opens are one transaction; a
/// step taken before refuses the whole unit of work (S8), concurrently too.
async fn a_step_claimed_in_a_unit_of_work_opens_one_session(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    let opening = |step: u64, token: &str| Work {
        changes: vec![
            Change::ClaimTotpStep { admin: a.id, step },
            Change::InsertSession(session(a.id, token, 0)),
        ],
        audit: vec![],
    };
    s.work.commit(opening(100, "first")).await.expect("a fresh step");
    for (step, token) in [(100, "same"), (99, "older")] {
        let refused = s.work.commit(opening(step, token)).await;
        assert!(matches!(refused, Err(StoreError::Conflict(Conflict::TotpStepUsed))), "{token}: {refused:?}");
        let stored = s.sessions.by_token_hash(format!("hash-of-{token}").as_bytes()).await.expect("read");
        assert!(stored.is_none(), "{token}: nothing of a refused unit of work is written");
    }
    assert!(s.sessions.by_token_hash(b"hash-of-first").await.expect("read").is_some());
    assert_eq!(s.second_factor.get(a.id).await.expect("get").last_step, Some(100));

    let commits: Vec<_> = ["racer-1", "racer-2"]
        .into_iter()
        .map(|token| {
            let (work, committed) = (s.work.clone(), opening(200, token));
            tokio::spawn(async move { work.commit(committed).await.is_ok() })
        })
        .collect();
    let mut won = 0;
    for c in commits {
        won += usize::from(c.await.expect("task"));
    }
    assert_eq!(won, 1, "of two identical codes at once, one opens a session");
}

async fn recovery_codes_are_used_once(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    enable(s, a.id, 10, codes(&["one", "two", "three"])).await;
    let f = &s.second_factor;
    let [one, two, three] = [b"hash-of-one", b"hash-of-two", b"hash-of-three".as_slice()];
    assert!(f.use_recovery_code(a.id, one, now()).await.expect("use"));
    assert!(!f.use_recovery_code(a.id, one, now()).await.expect("again"), "single use");
    assert!(!f.use_recovery_code(a.id, b"hash-of-nothing", now()).await.expect("unknown"));
    let other = AdminId::from_uuid(uuid::Uuid::now_v7());
    assert!(!f.use_recovery_code(other, two, now()).await.expect("someone else's"));

    let uses: Vec<_> = (0..2)
        .map(|_| {
            let f = s.second_factor.clone();
            tokio::spawn(async move { f.use_recovery_code(a.id, b"hash-of-two", now()).await.expect("use") })
        })
        .collect();
    let mut won = 0;
    for u in uses {
        won += usize::from(u.await.expect("task"));
    }
    assert_eq!(won, 1, "exactly one of two concurrent uses");
    assert_eq!(f.get(a.id).await.expect("get").unused_recovery_codes, 1);
    assert!(f.use_recovery_code(a.id, three, now() + Duration::minutes(1)).await.expect("last"));
    assert_eq!(f.get(a.id).await.expect("get").unused_recovery_codes, 0);
}

async fn enable_replace_and_disable_totp(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    let f = &s.second_factor;
    assert_eq!(f.get(a.id).await.expect("none yet"), SecondFactor::default());

    let pending = Change::SetPendingTotp { admin: a.id, sealed_secret: Some(b"pending".to_vec()) };
    apply(s, pending).await.expect("pending");
    assert_eq!(f.get(a.id).await.expect("get").pending_secret, Some(b"pending".to_vec()));
    apply(s, Change::SetPendingTotp { admin: a.id, sealed_secret: None }).await.expect("drop pending");
    assert_eq!(f.get(a.id).await.expect("get"), SecondFactor::default());

    apply(s, Change::SetPendingTotp { admin: a.id, sealed_secret: Some(b"pending".to_vec()) })
        .await
        .expect("pending again");
    enable(s, a.id, 55, codes(&["a", "b"])).await;
    let expected = SecondFactor {
        totp_secret: Some(b"sealed-secret".to_vec()),
        pending_secret: None,
        last_step: Some(55),
        unused_recovery_codes: 2,
    };
    assert_eq!(f.get(a.id).await.expect("enabled"), expected);
    assert!(s.admins.get(a.id).await.expect("admin").expect("some").totp_enabled);

    apply(s, Change::ReplaceRecoveryCodes { admin: a.id, hashes: codes(&["c", "d", "e"]) })
        .await
        .expect("replace");
    assert_eq!(f.get(a.id).await.expect("replaced").unused_recovery_codes, 3);
    assert!(!f.use_recovery_code(a.id, b"hash-of-a", now()).await.expect("old set"), "old codes are void");
    assert!(f.use_recovery_code(a.id, b"hash-of-c", now()).await.expect("new set"));

    // Enabling again (a reset) voids the codes of the previous set too.
    enable(s, a.id, 60, codes(&["f"])).await;
    assert!(!f.use_recovery_code(a.id, b"hash-of-d", now()).await.expect("previous set"));
    assert_eq!(f.get(a.id).await.expect("re-enabled").unused_recovery_codes, 1);

    apply(s, Change::DisableTotp { admin: a.id }).await.expect("disable");
    assert_eq!(f.get(a.id).await.expect("disabled"), SecondFactor::default());
    assert!(!s.admins.get(a.id).await.expect("admin").expect("some").totp_enabled);
    assert!(f.claim_step(a.id, 1).await.expect("steps start over"));

    let missing = AdminId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(apply(s, Change::DisableTotp { admin: missing }).await, Err(StoreError::NotFound)));
}

async fn update_admin_leaves_totp_enabled_alone(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s).await;
    enable(s, a.id, 1, codes(&["x"])).await;

    let mut changed = a.clone();
    changed.email = Email::parse("alice@elsewhere.example").expect("email");
    changed.role = Role::Auditor;
    changed.status = AdminStatus::Disabled;
    changed.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3".into();
    changed.updated_at = now() + Duration::hours(1);
    changed.totp_enabled = false; // a stale copy: must not switch TOTP off
    apply(s, Change::UpdateAdmin(changed.clone())).await.expect("update");

    let stored = s.admins.get(a.id).await.expect("get").expect("some");
    assert_eq!(stored, SuperAdmin { totp_enabled: true, ..changed.clone() });
    assert_eq!(s.second_factor.get(a.id).await.expect("kept").totp_secret, Some(b"sealed-secret".to_vec()));

    let mut ghost = admin("ghost", Role::Owner);
    ghost.email = changed.email;
    assert!(matches!(apply(s, Change::UpdateAdmin(ghost)).await, Err(StoreError::NotFound)));
}
