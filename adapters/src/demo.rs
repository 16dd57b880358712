//! A deterministic generator of realistic demo data: tenants with plausible names, unique slugs
//! and hostnames, a SaaS-like spread of plans and statuses, features varied within what each
//! plan allows, and daily usage with weekday/weekend rhythm, growth and noise.
//!
//! The same seed and `now` give the same data, whatever the chunk size: each tenant is drawn
//! from its own RNG seeded by `(seed, index)`. Data comes out in chunks
//! ([`DemoData`] is an iterator), so 100,000 tenants × 30 days never sit in memory at once.
//! Every value is built through the domain's constructors and rules, so it passes
//! `Features::validate` and `DailyUsage::validate` by construction. This module writes nothing:
//! the `seed_demo` use case stores the chunks.

mod names;
mod usage;

use gatehouse_domain::{
    AdvancedFeature, DomainError, Email, Features, Hostname, MfaMethod, NewTenant, Plan, Tenant, TenantId,
    TenantName, TenantSlug, TenantStatus,
};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use time::{Duration, OffsetDateTime};

pub use gatehouse_domain::DailyUsage;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub tenants: u64,
    /// Days of usage per tenant, ending today (today's counters cover the hours so far).
    pub days: u32,
    pub seed: u64,
    /// Tenants per chunk (at least 1).
    pub chunk_size: usize,
    /// "Now" for the generated data; pass the application clock's time.
    pub now: OffsetDateTime,
}

/// One batch of tenants and all their usage days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChunk {
    pub tenants: Vec<Tenant>,
    pub usage: Vec<DailyUsage>,
}

/// The chunks, in order; see the module documentation.
#[derive(Debug, Clone)]
pub struct DemoData {
    opts: DemoOptions,
    tag: String,
    next: u64,
}

/// Starts generating; nothing is computed until a chunk is asked for.
pub fn generate(opts: DemoOptions) -> DemoData {
    let tag = base36(splitmix64(opts.seed) % 36u64.pow(4), 4);
    DemoData { opts, tag, next: 0 }
}

impl DemoData {
    /// How many chunks remain.
    pub fn remaining_chunks(&self) -> u64 {
        let size = self.opts.chunk_size.max(1) as u64;
        (self.opts.tenants - self.next).div_ceil(size)
    }
}

impl Iterator for DemoData {
    type Item = Result<DemoChunk, DomainError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.opts.tenants {
            return None;
        }
        let end = (self.next + self.opts.chunk_size.max(1) as u64).min(self.opts.tenants);
        let mut chunk = DemoChunk {
            tenants: Vec::with_capacity(usize::try_from(end - self.next).unwrap_or(0)),
            usage: Vec::new(),
        };
        for index in self.next..end {
            match self.tenant(index) {
                Ok((tenant, days)) => {
                    chunk.tenants.push(tenant);
                    chunk.usage.extend(days);
                }
                Err(e) => {
                    self.next = self.opts.tenants;
                    return Some(Err(e));
                }
            }
        }
        self.next = end;
        Some(Ok(chunk))
    }
}

impl DemoData {
    /// Tenant number `index`, with its usage.
    fn tenant(&self, index: u64) -> Result<(Tenant, Vec<DailyUsage>), DomainError> {
        let rng = &mut Xoshiro256PlusPlus::seed_from_u64(splitmix64(self.opts.seed ^ splitmix64(index)));
        let now = self.opts.now;
        let form = pick(rng, names::FORMS);
        let name_text = format!(
            "{} {}{}{form}",
            pick(rng, names::PREFIXES),
            pick(rng, names::TRADES),
            if form.is_empty() { "" } else { " " }
        );
        let name = TenantName::parse(&name_text)?;
        let slug = self.slug(&name, index)?;
        let primary = Hostname::parse(&format!("{slug}{}", pick(rng, names::TLDS)))?;
        let mut domains = vec![primary.clone()];
        if rng.random_bool(0.35) {
            domains.push(Hostname::parse(&format!("{}{primary}", pick(rng, names::SECOND_DOMAIN_PREFIXES)))?);
        }
        let contact_email = Email::parse(&format!("{}@{primary}", pick(rng, names::MAILBOXES)))?;
        let plan = pick_plan(rng);
        let features = vary_features(rng, plan);

        let window = i64::from(self.opts.days.max(1));
        let age_days = if rng.random_bool(0.1) {
            rng.random_range(0..window)
        } else {
            rng.random_range(window..window + 1_000)
        };
        let created = now - Duration::days(age_days) - Duration::seconds(rng.random_range(0..86_400));
        let id = v7_id(rng, created);
        let new = NewTenant { name, slug, contact_email, plan, domains, features: Some(features) };
        let mut tenant = Tenant::register(id, new, created)?;

        let roll = rng.random_range(0..100);
        let mut serving_until = Some(now);
        if roll >= 5 {
            let activated = between(rng, created, created + Duration::hours(48), now);
            tenant.change_status(TenantStatus::Active, None, activated)?;
            if roll >= 91 {
                let (to, reasons) = if roll >= 96 {
                    (TenantStatus::Cancelled, names::CANCEL_REASONS)
                } else {
                    (TenantStatus::Suspended, names::SUSPEND_REASONS)
                };
                let at = between(rng, activated, now, now);
                tenant.change_status(to, Some(pick(rng, reasons)), at)?;
                serving_until = Some(at);
            }
        } else {
            serving_until = None;
        }
        let days = match serving_until {
            Some(until) => usage::days(rng, &tenant, now, self.opts.days, until),
            None => Vec::new(),
        };
        Ok((tenant, days))
    }

    /// `<name-derived>-<run tag><index>`: unique within a run, and across runs with other seeds.
    fn slug(&self, name: &TenantName, index: u64) -> Result<TenantSlug, DomainError> {
        let suffix = format!("-{}{}", self.tag, base36(index, 1));
        let base = TenantSlug::from_name(name).map_or_else(|_| "tenant".to_owned(), String::from);
        let keep = 63usize.saturating_sub(suffix.len()).min(base.len());
        let base = base[..keep].trim_end_matches('-');
        Ok(TenantSlug::parse(&format!("{base}{suffix}"))?)
    }
}

/// Mostly free and basic, a few premium, rare enterprise: the usual SaaS pyramid.
fn pick_plan(rng: &mut Xoshiro256PlusPlus) -> Plan {
    match rng.random_range(0..100) {
        0..55 => Plan::Free,
        55..85 => Plan::Basic,
        85..97 => Plan::Premium,
        _ => Plan::Enterprise,
    }
}

/// The plan's defaults, with some tenants having switched things off, lowered a quota or (on
/// enterprise) negotiated a higher one. Falls back to the defaults if a variation were refused.
fn vary_features(rng: &mut Xoshiro256PlusPlus, plan: Plan) -> Features {
    let defaults = Features::default_for(plan);
    let mut f = defaults.clone();
    if rng.random_bool(0.2) {
        let optional: Vec<MfaMethod> = f.methods.iter().copied().filter(|m| *m != MfaMethod::Totp).collect();
        if !optional.is_empty() {
            f.methods.remove(&optional[rng.random_range(0..optional.len())]);
        }
    }
    if rng.random_bool(0.15) && !f.advanced.is_empty() {
        let all: Vec<AdvancedFeature> = f.advanced.iter().copied().collect();
        f.advanced.remove(&all[rng.random_range(0..all.len())]);
    }
    if rng.random_bool(0.1) {
        let percent = rng.random_range(50..95);
        f.quotas.monthly_authentications = f.quotas.monthly_authentications / 100 * percent;
    }
    if plan == Plan::Enterprise && rng.random_bool(0.3) {
        f.quotas.monthly_authentications *= rng.random_range(2..6);
    }
    if f.validate(plan).is_ok() { f } else { defaults }
}

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, from: &[&'a str]) -> &'a str {
    from.get(rng.random_range(0..from.len().max(1))).copied().unwrap_or("")
}

/// A random moment in `from..to`, never after `cap`.
fn between(
    rng: &mut Xoshiro256PlusPlus,
    from: OffsetDateTime,
    to: OffsetDateTime,
    cap: OffsetDateTime,
) -> OffsetDateTime {
    let span = (to.min(cap) - from).whole_seconds();
    if span <= 0 { from.min(cap) } else { from + Duration::seconds(rng.random_range(0..span)) }
}

/// A UUID v7 carrying `at` as its timestamp and random bits from `rng`, so ids sort by creation.
fn v7_id(rng: &mut Xoshiro256PlusPlus, at: OffsetDateTime) -> TenantId {
    let millis = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    TenantId::from_uuid(uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid())
}

/// SplitMix64: spreads seeds so neighbouring indexes get unrelated streams.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` in base 36, left-padded with zeros to at least `width` digits.
fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 || out.len() < width {
        out.push(DIGITS[usize::try_from(n % 36).unwrap_or(0)]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests;
