//! The usage section of a tenant's page: the month to date against the quota, with a meter and
//! its figures, and two server-drawn charts of the days `show_tenant` read — authentications
//! per day, and the month's running total against the monthly quota — each with its data as a
//! table. It draws what was recorded and nothing else: days without usage are zeros.

use gatehouse_application::show_tenant::{RECENT_DAYS, TenantDetails};
use gatehouse_domain::{DailyUsage, QuotaLevel};
use maud::{Markup, html};
use time::macros::format_description;

use crate::views::charts::{Chart, Kind};
use crate::views::components::thousands;

#[expect(clippy::cast_precision_loss, reason = "counters far below 2^52 drawn on a chart")]
fn f(v: u64) -> f64 {
    v as f64
}

/// `11-05` for 5 November.
fn label(d: &DailyUsage) -> String {
    d.day.format(format_description!("[month]-[day]")).unwrap_or_default()
}

/// Authentications per day over every day read (30, or the whole month when it is longer).
fn daily_chart(days: &[DailyUsage]) -> Chart {
    Chart::new("tenant-auth", "Authentications per day", Kind::Area)
        .labels(days.iter().map(label))
        .series("Successes", days.iter().map(|d| f(d.auth_successes)))
        .series("Failures", days.iter().map(|d| f(d.auth_failures)))
}

/// The month's running total of attempts, day by day, against the monthly quota.
fn quota_chart(details: &TenantDetails, quota: u64) -> Chart {
    let first = details.month.first_day();
    let month: Vec<&DailyUsage> = details.recent_days.iter().filter(|d| d.day >= first).collect();
    let running = month.iter().scan(0_u64, |total, d| {
        *total = total.saturating_add(d.auth_attempts);
        Some(f(*total))
    });
    Chart::new("tenant-quota", "Authentications this month against the quota", Kind::Line)
        .labels(month.iter().map(|d| label(d)))
        .series("Attempts so far", running)
        .series("Monthly quota", month.iter().map(|_| f(quota)))
}

pub fn section(details: &TenantDetails) -> Markup {
    let u = &details.month_to_date;
    let quota = details.tenant.features.quotas.monthly_authentications;
    let percent = u.auth_attempts.saturating_mul(100).checked_div(quota).unwrap_or(100);
    let (level_class, level) = match details.quota_level {
        QuotaLevel::Normal => ("pill ok", "within quota"),
        QuotaLevel::Warning => ("pill warn", "over 80 % of quota"),
        QuotaLevel::Reached => ("pill bad", "quota reached"),
    };
    let daily = daily_chart(&details.recent_days);
    let against_quota = quota_chart(details, quota);
    html! {
        section.card #usage aria-labelledby="h-usage" {
            h2 #h-usage { "Usage this month (" (details.month) ")" }
            @if u.days == 0 {
                p.muted { "No usage has been recorded for this month yet." }
            }
            p {
                strong { (thousands(u.auth_attempts)) } " of " (thousands(quota)) " authentications ("
                (percent) " %) " span class=(level_class) { (level) }
            }
            meter min="0" max=(quota) value=(u.auth_attempts.min(quota)) low=(quota / 10 * 8) high=(quota) optimum="0" {
                (percent) " %"
            }
            dl.usage {
                dt { "Successful" } dd { (thousands(u.auth_successes)) }
                dt { "Failed" } dd { (thousands(u.auth_failures)) }
                dt { "Success rate" } dd {
                    @match u.success_rate() { Some(r) => { (format!("{r:.1}")) " %" }, None => "—" }
                }
                dt { "Busiest day's active users" } dd { (thousands(u.peak_active_users)) }
                dt { "API calls" } dd { (thousands(u.api_calls)) }
                dt { "SMS sent" } dd { (thousands(u.sms_sent)) }
                dt { "E-mails sent" } dd { (thousands(u.emails_sent)) }
                dt { "Average response" } dd { (u.avg_response_ms) " ms" }
            }
            div.grid-2 {
                figure #usage-daily {
                    figcaption { "Authentications per day, last " (RECENT_DAYS) " days" }
                    (daily)
                    details { summary { "Data" } (daily.table()) }
                }
                figure #usage-quota {
                    figcaption { "This month's running total against the quota of " (thousands(quota)) }
                    (against_quota)
                    details { summary { "Data" } (against_quota.table()) }
                }
            }
        }
    }
}
