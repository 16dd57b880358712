//! The stand-in's made-up but stable world: every figure is a pure function of the tenant id
//! and the date (or the position in a list), so asking twice gives the same answer and two
//! syncs of the same days agree. No randomness, no stored history.

use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

use super::wire::{Day, LogEntry, User};

/// splitmix64: a cheap, well-mixed hash of two numbers.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn seed(tenant: Uuid) -> u64 {
    let (hi, lo) = tenant.as_u64_pair();
    mix(hi, lo)
}

fn day_number(date: Date) -> u64 {
    u64::try_from(date.to_julian_day()).unwrap_or(0)
}

/// `x × percent / 100`, in whole numbers.
fn pct(x: u64, percent: u64) -> u64 {
    x * percent / 100
}

/// How many end users the tenant has (5–500).
pub fn user_count(tenant: Uuid) -> u64 {
    5 + seed(tenant) % 496
}

/// The tenant's typical attempts on a weekday.
fn scale(tenant: Uuid) -> u64 {
    20 + seed(tenant) % 2_000
}

/// Authentications before the current month (a stand-in's history has no detail, only a sum).
pub fn earlier_authentications(tenant: Uuid, today: Date) -> u64 {
    scale(tenant) * (300 + u64::from(today.ordinal()))
}

/// The tenant's counters of one day.
pub fn day(tenant: Uuid, date: Date) -> Day {
    let r = mix(seed(tenant), day_number(date));
    let scale = scale(tenant);
    let weekend = matches!(date.weekday(), time::Weekday::Saturday | time::Weekday::Sunday);
    let attempts = pct(pct(scale, if weekend { 60 } else { 100 }), 80 + r % 41);
    let failures = pct(attempts, 1 + (r >> 8) % 8);
    let abandoned = pct(attempts, (r >> 16) % 3);
    let users = user_count(tenant);
    Day {
        date,
        attempts,
        successes: attempts - failures - abandoned,
        failures,
        active_users: users.min(pct(attempts, 30 + (r >> 24) % 41)),
        api_calls: attempts * (2 + (r >> 32) % 3) + (r >> 40) % 50,
        sms_sent: pct(attempts, (r >> 44) % 16),
        emails_sent: pct(attempts, (r >> 48) % 21),
        avg_response_ms: 80 + u32::try_from((r >> 52) % 300).unwrap_or(0),
    }
}

/// The days `from..=to`, oldest first.
pub fn days(tenant: Uuid, from: Date, to: Date) -> Vec<Day> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(day(tenant, d));
        let Some(next) = d.next_day() else { break };
        d = next;
    }
    out
}

/// End user number `index` (0-based); `methods` are the tenant's enabled MFA methods.
pub fn user(tenant: Uuid, index: u64, methods: &[String], domain: &str) -> User {
    let r = mix(seed(tenant), index);
    let created = OffsetDateTime::UNIX_EPOCH + Duration::days(19_000 + i64::try_from(r % 1_000).unwrap_or(0));
    let enrolled: Vec<String> = methods
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            *i == usize::try_from(r % 7).unwrap_or(0) % methods.len().max(1) || (r >> i).trailing_zeros() >= 2
        })
        .map(|(_, m)| m.clone())
        .collect();
    User {
        id: format!("u-{}-{index:05}", &tenant.simple().to_string()[..8]),
        email: format!("user{index}@{domain}"),
        display_name: format!("User {index}"),
        methods: enrolled,
        status: if r.is_multiple_of(50) { "locked" } else { "active" }.to_owned(),
        created_at: created,
        last_login_at: (!r.is_multiple_of(10))
            .then(|| created + Duration::hours(i64::try_from(r % 9_000).unwrap_or(0))),
    }
}

/// The authentications of the `days` days up to `today`, newest first: their number, and the
/// entries `offset..offset+limit` of that list.
pub fn logs(tenant: Uuid, today: Date, days: u32, offset: u64, limit: u32) -> (u64, Vec<LogEntry>) {
    let per_day: Vec<(Date, u64)> = (0..i64::from(days))
        .filter_map(|back| today.checked_sub(Duration::days(back)))
        .map(|d| (d, day(tenant, d).attempts))
        .collect();
    let total = per_day.iter().map(|(_, n)| n).sum();
    let users = user_count(tenant);
    let mut out = Vec::new();
    let mut skip = offset;
    for (date, count) in per_day {
        if out.len() >= limit as usize {
            break;
        }
        if skip >= count {
            skip -= count;
            continue;
        }
        for k in skip..count {
            if out.len() >= limit as usize {
                break;
            }
            out.push(log_entry(tenant, date, k, count, users));
        }
        skip = 0;
    }
    (total, out)
}

/// Entry `k` of the `count` of `date`, spread evenly through the day from its end backwards.
fn log_entry(tenant: Uuid, date: Date, k: u64, count: u64, users: u64) -> LogEntry {
    let r = mix(seed(tenant) ^ day_number(date), k);
    let end_of_day = date.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(1) - Duration::seconds(1);
    let seconds = i64::try_from(k * 86_399 / count.max(1)).unwrap_or(0);
    let success = !r.is_multiple_of(20);
    LogEntry {
        id: format!("{r:016x}"),
        timestamp: end_of_day - Duration::seconds(seconds),
        user_id: format!("u-{}-{:05}", &tenant.simple().to_string()[..8], r % users.max(1)),
        method: ["totp", "email_otp", "sms", "passkeys", "backup_codes"]
            [usize::try_from((r >> 8) % 5).unwrap_or(0)]
        .to_owned(),
        success,
        reason: (!success).then(|| "invalid_code".to_owned()),
        ip_address: format!("203.0.113.{}", (r >> 16) % 254 + 1),
        response_ms: 50 + u32::try_from((r >> 24) % 400).unwrap_or(0),
    }
}

/// A stable tenant key for `tenant` (a stand-in needs no secrecy, only repeatability).
pub fn tenant_key(tenant: Uuid) -> String {
    format!("tk_{:016x}{:016x}", mix(seed(tenant), 1), mix(seed(tenant), 2))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn days_are_stable_and_consistent() {
        let t = Uuid::from_u128(42);
        let d = day(t, date!(2026 - 11 - 20));
        assert_eq!(d, day(t, date!(2026 - 11 - 20)));
        assert!(d.successes + d.failures <= d.attempts && d.attempts > 0);
        assert!(d.active_users <= user_count(t));
        assert_eq!(days(t, date!(2026 - 11 - 01), date!(2026 - 11 - 30)).len(), 30);
    }

    #[test]
    fn log_pages_tile_the_whole_list() {
        let t = Uuid::from_u128(7);
        let today = date!(2026 - 11 - 21);
        let (total, first) = logs(t, today, 2, 0, 50);
        let (_, second) = logs(t, today, 2, 50, 50);
        assert_eq!(first.len(), 50);
        assert!(first.last().map(|e| e.timestamp) >= second.first().map(|e| e.timestamp));
        let (_, tail) = logs(t, today, 2, total - 3, 50);
        assert_eq!(tail.len(), 3);
    }
}
