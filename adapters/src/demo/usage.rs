//! Daily usage of one demo tenant: volume by plan and tenant size, a weekday/weekend rhythm,
//! a gentle trend, daily noise, success rates of roughly 93–99 %, and counters that add up.

use gatehouse_domain::{AdvancedFeature, DailyUsage, MfaMethod, Plan, Tenant};
use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;
use time::{Duration, OffsetDateTime, Weekday};

/// Typical authentication attempts per day of a mid-sized tenant on each plan.
fn typical_attempts(plan: Plan) -> f64 {
    match plan {
        Plan::Free => 15.0,
        Plan::Basic => 180.0,
        Plan::Premium => 1_800.0,
        Plan::Enterprise => 15_000.0,
    }
}

/// Up to `days` days ending today, from the tenant's creation, until it stopped serving.
pub(super) fn days(
    rng: &mut Xoshiro256PlusPlus,
    tenant: &Tenant,
    now: OffsetDateTime,
    days: u32,
    serving_until: OffsetDateTime,
) -> Vec<DailyUsage> {
    let today = now.date();
    let first = (today - Duration::days(i64::from(days.max(1)) - 1)).max(tenant.created_at.date());
    let last = serving_until.date().min(today);

    let size: f64 = rng.random_range(0.0..1.0);
    let scale = typical_attempts(tenant.plan) * (0.2 + 1.6 * size * size);
    let weekend = rng.random_range(0.45..1.05);
    let growth_per_day = rng.random_range(-0.003..0.01);
    let success: f64 = rng.random_range(0.93..0.99);
    let users_share = rng.random_range(0.55..0.85);
    let api_per_attempt = rng.random_range(1.8..2.6)
        + if tenant.features.advanced.contains(&AdvancedFeature::ApiAccess) { 0.5 } else { 0.0 };
    let sms_share =
        if tenant.features.methods.contains(&MfaMethod::Sms) { rng.random_range(0.05..0.25) } else { 0.0 };
    let email_share = if tenant.features.methods.contains(&MfaMethod::EmailOtp) {
        rng.random_range(0.05..0.3)
    } else {
        0.0
    };
    let base_ms = rng.random_range(90.0..350.0);

    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let age = f64::from(i32::try_from((day - today).whole_days()).unwrap_or(0));
        let mut volume = scale * (1.0 + growth_per_day * age).max(0.2) * rng.random_range(0.85..1.15);
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            volume *= weekend;
        }
        if day == today {
            volume *= f64::from(now.time().hour()) / 24.0 + f64::from(now.time().minute()) / 1_440.0;
        }
        let attempts = whole(volume);
        let rate = (success + rng.random_range(-0.01..0.01)).clamp(0.85, 1.0);
        let successes = whole(as_f64(attempts) * rate).min(attempts);
        let abandoned = whole(as_f64(attempts - successes) * rng.random_range(0.0..0.2));
        let failures = attempts - successes - abandoned.min(attempts - successes);
        let mut active_users = whole(as_f64(attempts) * users_share).max(u64::from(attempts > 0));
        if let Some(cap) = tenant.features.quotas.max_users {
            active_users = active_users.min(cap);
        }
        let load = (volume / scale.max(1.0)).clamp(0.5, 1.5);
        out.push(DailyUsage {
            tenant_id: tenant.id,
            day,
            auth_attempts: attempts,
            auth_successes: successes,
            auth_failures: failures,
            active_users,
            api_calls: whole(as_f64(attempts) * api_per_attempt),
            sms_sent: whole(as_f64(successes) * sms_share),
            emails_sent: whole(as_f64(successes) * email_share),
            avg_response_ms: u32::try_from(whole(base_ms * load * rng.random_range(0.8..1.2)))
                .unwrap_or(u32::MAX),
        });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "demo counters: rounded, non-negative, far below 2^52"
)]
fn whole(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 { x.round() as u64 } else { 0 }
}

#[expect(clippy::cast_precision_loss, reason = "demo counters are far below 2^52")]
fn as_f64(x: u64) -> f64 {
    x as f64
}
