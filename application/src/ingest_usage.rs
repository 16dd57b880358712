//! Recording a tenant's daily usage, and telling the tenant when its month to date reaches 80 %
//! or 100 % of its monthly authentications quota.
//!
//! `run(ports, actor, tenant, days)` is what the tenant sync calls with the days it read from the
//! upstream (permission `sync:run`). The days and the quota notification are one `Work`: one
//! transaction. The notification's dedupe key (`quota80:<tenant>:<YYYY-MM>`, `quota100:…`) makes
//! it once per tenant and month however often usage is ingested, concurrent ingestions
//! included. Only the current month notifies (a warning about a month that is over helps
//! nobody), only an active tenant is told, and usage counters are data rather than an
//! administrative change: like `UsageRepository::record`, ingesting writes no audit event (the
//! sync records its runs).

use std::collections::{BTreeMap, BTreeSet};

use gatehouse_domain::{
    Actor, DailyUsage, Month, NotificationKind, Permission, QuotaLevel, Tenant, TenantId, TenantStatus,
    UsageTotals, ValidationError,
};
use serde::Serialize;
use time::Date;

use crate::notify::letters;
use crate::ports::{Change, OutboxMessage, Work};
use crate::tenant_ref::{TenantRef, load};
use crate::{Ports, Result};

/// The most days one call may carry (a little over a year: a first sync of a year's history).
pub const MAX_DAYS: usize = 400;

/// What an ingestion did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ingested {
    /// Days written.
    pub days: usize,
    pub month: Month,
    /// The current month to date, with the ingested days.
    pub month_to_date: UsageTotals,
    pub quota_level: QuotaLevel,
    /// The quota notification enqueued (skipped by storage if the month already had it).
    pub notification: Option<NotificationKind>,
}

/// Records `days` of `tenant`'s usage (each day replaces what was stored for it) and enqueues
/// the month's quota notification when the month to date has reached a threshold. Every day
/// must be the tenant's, consistent (`successes + failures <= attempts`), not in the future
/// and given once; otherwise nothing is written.
pub async fn run(ports: &Ports, actor: &Actor, tenant: TenantId, days: &[DailyUsage]) -> Result<Ingested> {
    let tenant = load(ports, &TenantRef::Id(tenant)).await?;
    actor.require(Permission::SyncRun, Some(tenant.id))?;
    let (changes, ingested) = changes(ports, &tenant, days).await?;
    if !days.is_empty() {
        ports.work.commit(Work { changes, audit: Vec::new() }).await?;
    }
    Ok(ingested)
}

/// The changes that record `days` of `tenant`'s usage and enqueue the month's quota
/// notification, for the caller to commit in its own `Work`.
async fn changes(ports: &Ports, tenant: &Tenant, days: &[DailyUsage]) -> Result<(Vec<Change>, Ingested)> {
    let today = ports.clock.now().date();
    let stored = ports.usage.daily(tenant.id, Month::of(today).first_day(), today).await?;
    changes_over(ports, tenant, days, &stored.into_iter().map(|d| (d.day, d)).collect())
}

/// [`changes`] for a caller that has already read the tenant's stored days (the tenant sync,
/// which compares them with the upstream's): `stored` must hold every stored day of the
/// current month up to today; other days in it are ignored.
pub(crate) fn changes_over(
    ports: &Ports,
    tenant: &Tenant,
    days: &[DailyUsage],
    stored: &BTreeMap<Date, DailyUsage>,
) -> Result<(Vec<Change>, Ingested)> {
    let now = ports.clock.now();
    let today = now.date();
    check(tenant.id, days, today)?;

    let month = Month::of(today);
    let mut month_days: BTreeMap<_, DailyUsage> =
        stored.range(month.first_day()..=today).map(|(day, d)| (*day, d.clone())).collect();
    for d in days.iter().filter(|d| month.contains(d.day)) {
        month_days.insert(d.day, d.clone());
    }
    let month_to_date = UsageTotals::sum(month_days.values());
    let quota = tenant.features.quotas.monthly_authentications;
    let quota_level = QuotaLevel::of(month_to_date.auth_attempts, quota);
    let notification = match quota_level {
        _ if tenant.status != TenantStatus::Active || month_to_date.auth_attempts == 0 => None,
        QuotaLevel::Normal => None,
        QuotaLevel::Warning => Some(NotificationKind::Quota80),
        QuotaLevel::Reached => Some(NotificationKind::Quota100),
    };

    let mut changes = vec![Change::RecordUsage(days.to_vec())];
    if let Some(kind) = notification {
        let reached = kind == NotificationKind::Quota100;
        let prefix = if reached { "quota100" } else { "quota80" };
        let letter = letters::quota(tenant, month, &month_to_date, reached);
        changes.push(Change::Enqueue(OutboxMessage::notification(
            ports.ids.new_id(),
            tenant.id,
            kind,
            letter.to(tenant),
            format!("{prefix}:{}:{month}", tenant.id),
            now,
        )));
    }
    Ok((changes, Ingested { days: days.len(), month, month_to_date, quota_level, notification }))
}

fn check(tenant: TenantId, days: &[DailyUsage], today: time::Date) -> Result<(), ValidationError> {
    if days.len() > MAX_DAYS {
        return Err(ValidationError::new("days", format!("at most {MAX_DAYS} days at once")));
    }
    let mut seen = BTreeSet::new();
    for d in days {
        if d.tenant_id != tenant {
            return Err(ValidationError::new("days", format!("the day {} is another tenant's", d.day)));
        }
        if d.day > today {
            return Err(ValidationError::new("days", format!("the day {} is in the future", d.day)));
        }
        if !seen.insert(d.day) {
            return Err(ValidationError::new("days", format!("the day {} is given twice", d.day)));
        }
        d.validate()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Payload;
    use crate::testing::{MockPorts, NOW, cli, forbidden_actor, tenant};
    use time::Duration;

    fn day(tenant: TenantId, days_ago: i64, attempts: u64) -> DailyUsage {
        DailyUsage {
            tenant_id: tenant,
            day: NOW.date() - Duration::days(days_ago),
            auth_attempts: attempts,
            auth_successes: attempts,
            auth_failures: 0,
            active_users: 3,
            api_calls: 0,
            sms_sent: 0,
            emails_sent: 0,
            avg_response_ms: 100,
        }
    }

    /// A basic-plan tenant (quota 10,000) that already has `stored` attempts on the 1st.
    fn ports_with(stored: u64, status: TenantStatus) -> MockPorts {
        let mut m = MockPorts::new();
        m.tenants.expect_get().returning(move |_| Ok(Some(tenant(status))));
        let id = tenant(status).id;
        m.usage
            .expect_daily()
            .returning(move |_, from, _| Ok(vec![DailyUsage { day: from, ..day(id, 0, stored) }]));
        m
    }

    #[tokio::test]
    async fn crossing_80_percent_records_the_days_and_the_month_warning_in_one_work() {
        let mut m = ports_with(7_000, TenantStatus::Active);
        let id = tenant(TenantStatus::Active).id;
        m.expect_commit(move |w| {
            let [Change::RecordUsage(days), Change::Enqueue(mail)] = &w.changes[..] else { panic!("{w:?}") };
            assert_eq!(days.len(), 2);
            assert_eq!(mail.dedupe_key.as_deref(), Some(format!("quota80:{id}:2026-11").as_str()));
            let Payload::Email(e) = &mail.payload else { panic!("e-mail") };
            assert!(e.text.contains("8500 of 10000 (85 %)"), "{}", e.text);
            assert!(w.audit.is_empty());
        });
        let out = run(&m.ports(), &cli(), id, &[day(id, 1, 1_000), day(id, 0, 500)]).await.expect("ingested");
        assert_eq!(
            (out.quota_level, out.notification),
            (QuotaLevel::Warning, Some(NotificationKind::Quota80))
        );
        assert_eq!(out.month_to_date.auth_attempts, 8_500);
    }

    #[tokio::test]
    async fn reaching_the_quota_notifies_quota_100_and_below_80_nothing() {
        let id = tenant(TenantStatus::Active).id;
        let mut m = ports_with(9_900, TenantStatus::Active);
        m.expect_commit(|w| assert!(matches!(&w.changes[1], Change::Enqueue(m) if m.notification == Some(NotificationKind::Quota100))));
        run(&m.ports(), &cli(), id, &[day(id, 0, 100)]).await.expect("ingested");

        let mut m = ports_with(100, TenantStatus::Active);
        m.expect_commit(|w| assert_eq!(w.changes.len(), 1, "only the usage"));
        let out = run(&m.ports(), &cli(), id, &[day(id, 0, 100)]).await.expect("ingested");
        assert_eq!(out.notification, None);

        let mut m = ports_with(9_000, TenantStatus::Suspended);
        m.expect_commit(|w| assert_eq!(w.changes.len(), 1, "a suspended tenant is not told"));
        run(&m.ports(), &cli(), id, &[day(id, 0, 100)]).await.expect("ingested");
    }

    #[tokio::test]
    async fn bad_days_write_nothing_and_say_why() {
        let id = tenant(TenantStatus::Active).id;
        let other = TenantId::from_uuid(uuid::Uuid::from_u128(8));
        let mut broken = day(id, 0, 10);
        broken.auth_failures = 5;
        for (days, why) in [
            (vec![day(other, 0, 1)], "another tenant's"),
            (vec![day(id, -1, 1)], "in the future"),
            (vec![day(id, 1, 1), day(id, 1, 2)], "given twice"),
            (vec![broken], "successes + failures"),
        ] {
            let m = ports_with(0, TenantStatus::Active);
            let err = run(&m.ports(), &cli(), id, &days).await.expect_err(why);
            assert!(err.to_string().contains(why), "{why}: {err}");
        }
        let m = ports_with(0, TenantStatus::Active);
        assert!(
            run(&m.ports(), &forbidden_actor(), id, &[day(id, 0, 1)]).await.expect_err("403").is_forbidden()
        );
    }
}
