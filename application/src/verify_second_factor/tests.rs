use gatehouse_domain::lockout::FailureCounts;

use super::*;
use crate::ports::{Change, KeyState, SecondFactor};
use crate::testing::{MockPorts, authenticated};

fn factor(m: &mut MockPorts, recovery_left: usize) {
    m.second_factor.expect_get().returning(move |_| {
        Ok(crate::ports::SecondFactor {
            totp_secret: Some(b"sealed".to_vec()),
            unused_recovery_codes: recovery_left,
            ..SecondFactor::default()
        })
    });
    m.secrets.expect_open().returning(|s| (s == b"sealed").then(|| b"secret".to_vec()));
    m.totp.expect_matching_step().returning(|_, code, _| (code == "123456").then_some(58_000_000));
}

fn client() -> Client {
    Client::new("203.0.113.9", "Firefox")
}

#[tokio::test]
async fn a_right_code_rotates_to_a_full_session_s16() {
    let mut m = MockPorts::new();
    m.with_tokens();
    factor(&mut m, 10);
    // The code's step is claimed with the rotation, in one unit of work (S8).
    m.second_factor.expect_claim_step().never();
    m.expect_commit(|w| {
        assert!(matches!(w.changes[0], Change::ClaimTotpStep { step: 58_000_000, .. }));
        assert!(matches!(w.changes[1], Change::EndSession { reason: EndReason::Rotated, .. }));
        assert!(matches!(&w.changes[2], Change::InsertSession(s) if s.stage == SessionStage::Full));
        assert_eq!(w.audit[0].kind, AuditKind::Authn2faSuccess);
    });
    let auth = authenticated(SessionStage::Partial);
    let passed = run(&m.ports(), &auth, "123 456", &client()).await.expect("ran").expect("passed");
    assert_eq!(passed.method, Method::Totp);
    assert_ne!(passed.session.id, auth.session.id);
}

#[tokio::test]
async fn a_replayed_step_is_refused_and_audited_s8() {
    let mut m = MockPorts::new();
    m.with_tokens();
    factor(&mut m, 10);
    m.sessions.expect_add_second_factor_failure().returning(|_| Ok(1));
    // Storage refuses the rotation (the step was taken), then the replay is audited.
    let mut order = mockall::Sequence::new();
    m.work
        .expect_commit()
        .times(1)
        .in_sequence(&mut order)
        .withf(|w| matches!(w.changes.first(), Some(Change::ClaimTotpStep { .. })))
        .returning(|_| Err(StoreError::Conflict(Conflict::TotpStepUsed)));
    m.work.expect_commit().times(1).in_sequence(&mut order).returning(|w| {
        assert_eq!(w.audit[0].kind, AuditKind::Authn2faReplay);
        assert!(w.changes.is_empty(), "nothing of the refused rotation");
        Ok(())
    });
    let failed =
        run(&m.ports(), &authenticated(SessionStage::Partial), "123456", &client()).await.expect("ran");
    assert_eq!(failed.expect_err("replay"), Failed::Wrong { tries_left: 4 });
}

#[tokio::test]
async fn a_recovery_code_works_once_s10() {
    let mut m = MockPorts::new();
    m.with_tokens();
    factor(&mut m, 3);
    m.second_factor
        .expect_use_recovery_code()
        .withf(|_, hash, _| hash == "abcdefghjk".bytes().rev().collect::<Vec<u8>>())
        .returning(|_, _, _| Ok(true));
    m.expect_commit(|w| assert_eq!(w.audit[0].kind, AuditKind::AuthnRecoveryCodeUsed));
    let passed = run(&m.ports(), &authenticated(SessionStage::Partial), "ABCDE-FGHJK", &client())
        .await
        .expect("ran")
        .expect("ok");
    assert_eq!((passed.method, passed.recovery_codes_left), (Method::RecoveryCode, 2));
}

#[tokio::test]
async fn the_fifth_wrong_code_ends_the_session_and_counts_for_lockout_s12() {
    let mut m = MockPorts::new();
    m.with_tokens().with_default_settings();
    factor(&mut m, 10);
    m.sessions.expect_add_second_factor_failure().returning(|_| Ok(5));
    let commits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = commits.clone();
    m.work.expect_commit().times(2).returning(move |w| {
        sink.lock().expect("lock").push((w.changes.clone(), w.audit[0].kind));
        Ok(())
    });
    m.throttle.expect_begin_attempt().times(1).returning(|keys, _, _, _| {
        Ok(keys
            .iter()
            .map(|_| KeyState { counts: FailureCounts { in_window: 1, in_last_hour: 1 }, locked_until: None })
            .collect())
    });
    let failed =
        run(&m.ports(), &authenticated(SessionStage::Partial), "000000", &client()).await.expect("ran");
    assert_eq!(failed.expect_err("ended"), Failed::SessionEnded);
    let commits = commits.lock().expect("lock");
    assert_eq!(commits[0].1, AuditKind::Authn2faFail);
    assert!(matches!(
        commits[1].0[..],
        [Change::EndSession { reason: EndReason::TooManySecondFactorFailures, .. }]
    ));
}

#[tokio::test]
async fn a_full_session_has_nothing_to_verify() {
    let ports = MockPorts::new().ports();
    let err =
        run(&ports, &authenticated(SessionStage::Full), "123456", &client()).await.expect_err("not awaited");
    assert_eq!(err.field(), Some("code"));
}
