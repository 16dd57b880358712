use std::collections::{HashMap, HashSet};

use time::macros::datetime;

use super::*;

fn opts(tenants: u64, days: u32, seed: u64, chunk_size: usize) -> DemoOptions {
    DemoOptions { tenants, days, seed, chunk_size, now: datetime!(2026-11-21 15:30 UTC) }
}

fn all(o: DemoOptions) -> Vec<DemoChunk> {
    generate(o).collect::<Result<Vec<_>, _>>().expect("valid demo data")
}

#[test]
fn every_tenant_and_day_is_valid() {
    let chunks = all(opts(1_500, 30, 7, 400));
    assert_eq!(chunks.len(), 4);
    let now = datetime!(2026-11-21 15:30 UTC);
    for c in &chunks {
        for t in &c.tenants {
            assert_eq!(t.features.validate(t.plan), Ok(()), "{}", t.slug);
            assert!(t.created_at <= now && t.updated_at <= now && t.created_at <= t.updated_at);
            assert!(t.primary_domain().is_some());
            assert_eq!(Hostname::parse(t.domains[0].hostname.as_str()).as_ref(), Ok(&t.domains[0].hostname));
            if matches!(t.status, TenantStatus::Suspended | TenantStatus::Cancelled) {
                assert!(t.status_reason.is_some());
            }
        }
        for d in &c.usage {
            assert_eq!(d.validate(), Ok(()));
            assert!(d.day <= now.date() && d.day > now.date() - Duration::days(30));
            let rate = d.success_rate().unwrap_or(100.0);
            assert!(d.auth_attempts < 20 || (84.0..=100.0).contains(&rate), "{rate}");
        }
    }
}

#[test]
fn slugs_hostnames_and_ids_are_unique() {
    let chunks = all(opts(3_000, 1, 1, 1_000));
    let (mut slugs, mut hosts, mut ids) = (HashSet::new(), HashSet::new(), HashSet::new());
    for t in chunks.iter().flat_map(|c| &c.tenants) {
        assert!(slugs.insert(t.slug.to_string()), "{}", t.slug);
        assert!(ids.insert(t.id));
        for d in &t.domains {
            assert!(hosts.insert(d.hostname.to_string()), "{}", d.hostname);
        }
    }
    assert_eq!(ids.len(), 3_000);
}

#[test]
fn the_same_seed_gives_the_same_data_whatever_the_chunk_size() {
    let a: Vec<_> = all(opts(300, 10, 42, 7)).into_iter().flat_map(|c| c.tenants).collect();
    let b: Vec<_> = all(opts(300, 10, 42, 300)).into_iter().flat_map(|c| c.tenants).collect();
    assert_eq!(a, b);
    let ua: Vec<_> = all(opts(50, 10, 42, 7)).into_iter().flat_map(|c| c.usage).collect();
    let ub: Vec<_> = all(opts(50, 10, 42, 50)).into_iter().flat_map(|c| c.usage).collect();
    assert_eq!(ua, ub);
    let c: Vec<_> = all(opts(300, 10, 43, 300)).into_iter().flat_map(|c| c.tenants).collect();
    assert_ne!(a[0].slug, c[0].slug, "another seed, another run tag");
}

#[test]
fn plans_and_statuses_look_like_a_real_saas() {
    let tenants: Vec<_> = all(opts(4_000, 1, 3, 4_000)).into_iter().flat_map(|c| c.tenants).collect();
    let mut plans: HashMap<Plan, usize> = HashMap::new();
    let mut statuses: HashMap<TenantStatus, usize> = HashMap::new();
    for t in &tenants {
        *plans.entry(t.plan).or_default() += 1;
        *statuses.entry(t.status).or_default() += 1;
    }
    let share = |n: Option<&usize>| n.copied().unwrap_or(0) * 100 / tenants.len();
    assert!((48..62).contains(&share(plans.get(&Plan::Free))));
    assert!(share(plans.get(&Plan::Basic)) > share(plans.get(&Plan::Premium)));
    assert!(share(plans.get(&Plan::Premium)) > share(plans.get(&Plan::Enterprise)));
    assert!(plans.get(&Plan::Enterprise).copied().unwrap_or(0) > 0);
    assert!(share(statuses.get(&TenantStatus::Active)) >= 80);
    assert!(TenantStatus::ALL.iter().all(|s| statuses.get(s).copied().unwrap_or(0) > 0));
}

#[test]
fn volume_follows_the_plan_and_weekends_are_quieter() {
    let chunks = all(opts(2_000, 28, 11, 2_000));
    let plan_of: HashMap<_, _> = chunks.iter().flat_map(|c| &c.tenants).map(|t| (t.id, t.plan)).collect();
    let mut per_plan: HashMap<Plan, (u64, u64)> = HashMap::new();
    let (mut weekday, mut weekend) = ((0u64, 0u64), (0u64, 0u64));
    for d in chunks.iter().flat_map(|c| &c.usage) {
        let e = per_plan.entry(plan_of[&d.tenant_id]).or_default();
        e.0 += d.auth_attempts;
        e.1 += 1;
        if d.day == datetime!(2026-11-21 0:00 UTC).date() {
            continue;
        }
        let bucket = if matches!(d.day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            &mut weekend
        } else {
            &mut weekday
        };
        bucket.0 += d.auth_attempts;
        bucket.1 += 1;
    }
    let mean = |(sum, n): (u64, u64)| sum / n.max(1);
    assert!(mean(per_plan[&Plan::Free]) < mean(per_plan[&Plan::Basic]));
    assert!(mean(per_plan[&Plan::Basic]) < mean(per_plan[&Plan::Premium]));
    assert!(mean(per_plan[&Plan::Premium]) < mean(per_plan[&Plan::Enterprise]));
    assert!(mean(weekend) < mean(weekday));
}

#[test]
fn pending_tenants_have_no_usage_and_nothing_is_dated_before_creation() {
    let chunks = all(opts(1_000, 30, 5, 1_000));
    let created: HashMap<_, _> =
        chunks.iter().flat_map(|c| &c.tenants).map(|t| (t.id, (t.created_at.date(), t.status))).collect();
    for d in chunks.iter().flat_map(|c| &c.usage) {
        let (day, status) = created[&d.tenant_id];
        assert!(d.day >= day);
        assert_ne!(status, TenantStatus::Pending);
    }
}

#[test]
fn zero_tenants_is_no_chunk_and_helpers_behave() {
    assert_eq!(generate(opts(0, 30, 1, 10)).count(), 0);
    assert_eq!(generate(opts(25, 30, 1, 10)).remaining_chunks(), 3);
    assert_eq!(base36(0, 1), "0");
    assert_eq!(base36(35, 1), "z");
    assert_eq!(base36(36, 4), "0010");
}
