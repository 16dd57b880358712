//! `SessionStore` and the session changes of a unit of work.

use gatehouse_adapters::Storage;
use gatehouse_application::ports::{Change, StoreError, Work};
use gatehouse_domain::session::{EndReason, Session, SessionEnd, SessionStage};
use gatehouse_domain::{Role, SuperAdmin};
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::{admin, now, session};
use time::Duration;

contract!(
    sessions_round_trip,
    touch_only_moves_forward_on_active_sessions,
    end_one_and_end_all_but_one,
    second_factor_failures_count_atomically,
);

async fn apply(s: &Storage, changes: Vec<Change>) -> Result<(), StoreError> {
    s.work.commit(Work { changes, audit: vec![] }).await
}

async fn with_admin(s: &Storage, name: &str) -> SuperAdmin {
    let a = admin(name, Role::Owner);
    apply(s, vec![Change::InsertAdmin(a.clone())]).await.expect("admin");
    a
}

async fn sessions_round_trip(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s, "alice").await;
    let mut partial = session(a.id, "one", 0);
    partial.stage = SessionStage::Partial;
    partial.remember = true;
    partial.return_to = Some("/tenants?page=2".into());
    let newer = session(a.id, "two", 5);
    apply(s, vec![Change::InsertSession(partial.clone()), Change::InsertSession(newer.clone())])
        .await
        .expect("insert");

    assert_eq!(s.sessions.get(partial.id).await.expect("get"), Some(partial.clone()));
    assert_eq!(
        s.sessions.by_token_hash(&newer.token_hash).await.expect("by hash"),
        Some((newer.clone(), a.clone())),
        "the session with its admin"
    );
    assert_eq!(s.sessions.by_token_hash(b"unknown").await.expect("unknown"), None);
    assert_eq!(s.sessions.get(uuid::Uuid::now_v7()).await.expect("missing"), None);
    assert_eq!(s.sessions.for_admin(a.id, false).await.expect("list"), vec![newer, partial], "newest first");
}

async fn touch_only_moves_forward_on_active_sessions(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s, "alice").await;
    let x = session(a.id, "x", 0);
    let ended = session(a.id, "ended", 0);
    apply(
        s,
        vec![
            Change::InsertSession(x.clone()),
            Change::InsertSession(ended.clone()),
            Change::EndSession { id: ended.id, at: now(), reason: EndReason::Logout },
        ],
    )
    .await
    .expect("insert");
    let last_seen = |s: Option<Session>| s.expect("session").last_seen_at;

    s.sessions.touch(x.id, now() + Duration::minutes(10)).await.expect("touch");
    assert_eq!(last_seen(s.sessions.get(x.id).await.expect("get")), now() + Duration::minutes(10));
    s.sessions.touch(x.id, now() + Duration::minutes(3)).await.expect("late request");
    assert_eq!(
        last_seen(s.sessions.get(x.id).await.expect("get")),
        now() + Duration::minutes(10),
        "not back"
    );
    s.sessions.touch(ended.id, now() + Duration::minutes(10)).await.expect("ended");
    assert_eq!(
        last_seen(s.sessions.get(ended.id).await.expect("get")),
        now(),
        "ended sessions stay as they are"
    );
}

async fn end_one_and_end_all_but_one(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s, "alice").await;
    let b = with_admin(s, "bob").await;
    let [a1, a2, a3, a4] = [0, 1, 2, 3].map(|i| session(a.id, &format!("a{i}"), i));
    let b1 = session(b.id, "b1", 0);
    let all = [&a1, &a2, &a3, &a4, &b1].map(|x| Change::InsertSession(x.clone()));
    apply(s, all.to_vec()).await.expect("insert");

    let at = now() + Duration::hours(1);
    apply(s, vec![Change::EndSession { id: a1.id, at, reason: EndReason::Logout }]).await.expect("end");
    let ended = SessionEnd { at, reason: EndReason::Logout };
    assert_eq!(s.sessions.get(a1.id).await.expect("get").and_then(|x| x.ended), Some(ended));
    // Ending it again (or an unknown session) changes nothing and is no error.
    let later = at + Duration::hours(1);
    apply(s, vec![Change::EndSession { id: a1.id, at: later, reason: EndReason::Revoked }])
        .await
        .expect("again");
    apply(s, vec![Change::EndSession { id: uuid::Uuid::now_v7(), at, reason: EndReason::Revoked }])
        .await
        .expect("unknown");
    assert_eq!(s.sessions.get(a1.id).await.expect("get").and_then(|x| x.ended), Some(ended));

    let reason = EndReason::PasswordChanged;
    apply(s, vec![Change::EndAdminSessions { admin: a.id, at: later, reason, except: Some(a3.id) }])
        .await
        .expect("end others");
    let active: Vec<_> =
        s.sessions.for_admin(a.id, false).await.expect("active").iter().map(|x| x.id).collect();
    assert_eq!(active, vec![a3.id]);
    let every = s.sessions.for_admin(a.id, true).await.expect("all");
    let ends: Vec<_> = every.iter().map(|x| (x.id, x.ended)).collect();
    let by_password = Some(SessionEnd { at: later, reason });
    assert_eq!(ends, vec![(a4.id, by_password), (a3.id, None), (a2.id, by_password), (a1.id, Some(ended))]);
    assert_eq!(s.sessions.for_admin(b.id, false).await.expect("bob").len(), 1, "other admins untouched");

    apply(s, vec![Change::EndAdminSessions { admin: a.id, at: later, reason, except: None }])
        .await
        .expect("all");
    assert!(s.sessions.for_admin(a.id, false).await.expect("none").is_empty());
}

async fn second_factor_failures_count_atomically(db: &TestDb) {
    let s = &db.storage;
    let a = with_admin(s, "alice").await;
    let x = session(a.id, "x", 0);
    apply(s, vec![Change::InsertSession(x.clone())]).await.expect("insert");
    assert_eq!(s.sessions.add_second_factor_failure(x.id).await.expect("1"), 1);
    assert_eq!(s.sessions.add_second_factor_failure(x.id).await.expect("2"), 2);

    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let sessions = s.sessions.clone();
            tokio::spawn(async move { sessions.add_second_factor_failure(x.id).await.expect("add") })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.expect("task"));
    }
    counts.sort_unstable();
    assert_eq!(counts, (3..=10).collect::<Vec<u32>>(), "each wrong code counted once");
    assert_eq!(s.sessions.get(x.id).await.expect("get").expect("some").second_factor_failures, 10);
    assert!(matches!(
        s.sessions.add_second_factor_failure(uuid::Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
}
