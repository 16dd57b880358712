//! `LoginThrottle`: failure counts per key, locks, and counting under concurrency.

use gatehouse_application::ports::{Change, KeyState, ThrottleKey, Work};
use gatehouse_domain::AdminId;
use gatehouse_domain::lockout::FailureCounts;
use gatehouse_tests::TestDb;
use gatehouse_tests::fixtures::now;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

contract!(
    counts_in_window_and_last_hour,
    lock_keeps_the_later_time,
    success_forgets_the_attempt_and_resets_keys,
    a_login_forgets_its_attempt_in_its_own_unit_of_work,
    clear_lifts_lock_and_failures,
    concurrent_attempts_are_each_counted,
);

const WINDOW: Duration = Duration::minutes(15);

fn account() -> ThrottleKey {
    ThrottleKey::Account(AdminId::from_uuid(Uuid::from_u128(7)))
}

fn ip() -> ThrottleKey {
    ThrottleKey::ClientIp("192.0.2.10".into())
}

fn state(in_window: u32, in_last_hour: u32, locked_until: Option<OffsetDateTime>) -> KeyState {
    KeyState { counts: FailureCounts { in_window, in_last_hour }, locked_until }
}

async fn counts_in_window_and_last_hour(db: &TestDb) {
    let t = &db.storage.throttle;
    let minutes = |m: i64| now() + Duration::minutes(m);
    // Older than a day (pruned), older than an hour, within the hour, within the window.
    for at in [minutes(-25 * 60), minutes(-70), minutes(-50), minutes(-20), minutes(-10)] {
        t.begin_attempt(&[account()], Uuid::now_v7(), at, WINDOW).await.expect("earlier");
    }
    t.begin_attempt(&[ip()], Uuid::now_v7(), minutes(-5), WINDOW).await.expect("other key");
    let states = t.begin_attempt(&[account(), ip()], Uuid::now_v7(), now(), WINDOW).await.expect("now");
    assert_eq!(states, vec![state(2, 4, None), state(2, 2, None)], "in key order, including this attempt");
}

async fn lock_keeps_the_later_time(db: &TestDb) {
    let t = &db.storage.throttle;
    let later = now() + Duration::minutes(15);
    assert_eq!(t.locked_until(&account()).await.expect("none"), None);
    t.lock(&account(), later).await.expect("lock");
    t.lock(&account(), now() + Duration::minutes(5)).await.expect("shorter");
    assert_eq!(t.locked_until(&account()).await.expect("kept"), Some(later));
    t.lock(&account(), later + Duration::hours(1)).await.expect("longer");
    assert_eq!(t.locked_until(&account()).await.expect("extended"), Some(later + Duration::hours(1)));
    assert_eq!(t.locked_until(&ip()).await.expect("other key"), None);
    let states = t.begin_attempt(&[account()], Uuid::now_v7(), now(), WINDOW).await.expect("attempt");
    assert_eq!(states, vec![state(1, 1, Some(later + Duration::hours(1)))]);
}

/// A failed attempt on the account and the IP, a lock of the account, then a good attempt: its id.
async fn failure_lock_then_good_attempt(db: &TestDb) -> Uuid {
    let t = &db.storage.throttle;
    t.begin_attempt(&[account(), ip()], Uuid::now_v7(), now(), WINDOW).await.expect("failed one");
    t.lock(&account(), now() + WINDOW).await.expect("lock");
    let good = Uuid::now_v7();
    t.begin_attempt(&[account(), ip()], good, now(), WINDOW).await.expect("good one");
    good
}

/// After [`failure_lock_then_good_attempt`] and its success with the account reset.
async fn only_the_ip_keeps_its_earlier_failure(db: &TestDb) {
    let t = &db.storage.throttle;
    assert_eq!(t.locked_until(&account()).await.expect("unlocked"), None);
    let states = t.begin_attempt(&[account(), ip()], Uuid::now_v7(), now(), WINDOW).await.expect("next");
    assert_eq!(states, vec![state(1, 1, None), state(2, 2, None)], "the IP keeps its earlier failure only");
}

async fn success_forgets_the_attempt_and_resets_keys(db: &TestDb) {
    let t = &db.storage.throttle;
    let good = failure_lock_then_good_attempt(db).await;
    t.succeed(good, &[account()]).await.expect("succeed");
    only_the_ip_keeps_its_earlier_failure(db).await;

    // Without keys to reset, success only un-counts its own attempt.
    let keys = [account(), ip()];
    let quiet = Uuid::now_v7();
    t.begin_attempt(&keys, quiet, now(), WINDOW).await.expect("quiet");
    t.succeed(quiet, &[]).await.expect("succeed");
    let states = t.begin_attempt(&keys, Uuid::now_v7(), now(), WINDOW).await.expect("after");
    assert_eq!(states, vec![state(2, 2, None), state(3, 3, None)]);
}

/// `Change::SucceedLoginAttempt` does what `succeed` does, in the login's unit of work.
async fn a_login_forgets_its_attempt_in_its_own_unit_of_work(db: &TestDb) {
    let good = failure_lock_then_good_attempt(db).await;
    let change = Change::SucceedLoginAttempt { attempt: good, reset: vec![account()] };
    db.storage.work.commit(Work { changes: vec![change], audit: vec![] }).await.expect("the login's work");
    only_the_ip_keeps_its_earlier_failure(db).await;
}

async fn clear_lifts_lock_and_failures(db: &TestDb) {
    let t = &db.storage.throttle;
    for _ in 0..3 {
        t.begin_attempt(&[account(), ip()], Uuid::now_v7(), now(), WINDOW).await.expect("attempt");
    }
    t.lock(&account(), now() + WINDOW).await.expect("lock");
    t.clear(&account()).await.expect("clear");
    assert_eq!(t.locked_until(&account()).await.expect("unlocked"), None);
    let states = t.begin_attempt(&[account(), ip()], Uuid::now_v7(), now(), WINDOW).await.expect("next");
    assert_eq!(states, vec![state(1, 1, None), state(4, 4, None)]);
}

async fn concurrent_attempts_are_each_counted(db: &TestDb) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let t = db.storage.throttle.clone();
            // Keys in both orders: the caller's order does not matter.
            let keys = if i % 2 == 0 { vec![account(), ip()] } else { vec![ip(), account()] };
            tokio::spawn(async move { t.begin_attempt(&keys, Uuid::now_v7(), now(), WINDOW).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        let states = task.await.expect("task").expect("attempt");
        assert_eq!(states[0].counts.in_window, states[1].counts.in_window, "both keys counted together");
        counts.push(states[0].counts.in_window);
    }
    counts.sort_unstable();
    // Two attempts at once may both see each other; none may miss one that counted before
    // it: the k-th count sees at least k attempts, so at most m of them see m or fewer
    // (what keeps parallel guesses within the lockout limit, S13).
    for (k, count) in (1..).zip(&counts) {
        assert!((k..=20).contains(count), "count {k} of {counts:?}");
    }
    assert_eq!(counts.last(), Some(&20), "the last sees them all: {counts:?}");
}
