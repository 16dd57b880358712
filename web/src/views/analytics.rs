//! The analytics page: a month picker, usage per plan as server-drawn charts (authentications,
//! failures, success rate, response time) with a summary table, and the month's billing
//! preparation as a paginated table with its CSV download.

use gatehouse_application::analytics::Analytics;
use gatehouse_application::billing_report::BillingPage;
use gatehouse_domain::Month;
use maud::{Markup, html};

use crate::routes::analytics::csv::money;
use crate::views::charts::{Chart, Kind, Unit, grouped};
use crate::views::dashboard::percent;
use crate::views::layout::{Ctx, Frame};

#[expect(clippy::cast_precision_loss, reason = "counters far below 2^52 drawn on a chart")]
fn f(v: u64) -> f64 {
    v as f64
}

/// The month before `m`.
fn previous(m: Month) -> Option<Month> {
    m.first_day().previous_day().map(Month::of)
}

/// The month after `m`.
fn next(m: Month) -> Option<Month> {
    m.last_day().next_day().map(Month::of)
}

pub fn page(
    ctx: &Ctx,
    a: &Analytics,
    billing: Option<&BillingPage>,
    this_month: Month,
    paged: bool,
) -> Markup {
    let labels: Vec<String> =
        a.plans.first().map(|p| p.days.iter().map(|d| d.day.day().to_string()).collect()).unwrap_or_default();
    let mut attempts =
        Chart::new("plan-auth", "Authentication attempts per day by plan", Kind::Line).labels(labels.clone());
    let mut failures =
        Chart::new("plan-fail", "Failed authentications per day by plan", Kind::Line).labels(labels);
    for p in &a.plans {
        attempts = attempts.series(p.plan.as_str(), p.days.iter().map(|d| f(d.auth_attempts)));
        failures = failures.series(p.plan.as_str(), p.days.iter().map(|d| f(d.auth_failures)));
    }
    let plan_names: Vec<String> = a.plans.iter().map(|p| p.plan.to_string()).collect();
    let rates = Chart::new("plan-rate", "Success rate by plan", Kind::Bar)
        .unit(Unit::Percent)
        .labels(plan_names.clone())
        .series("Success rate", a.plans.iter().map(|p| p.success_rate.unwrap_or(0.0)));
    let times = Chart::new("plan-ms", "Average response time by plan", Kind::Bar)
        .unit(Unit::Millis)
        .labels(plan_names)
        .series("Response time", a.plans.iter().map(|p| f(u64::from(p.totals.avg_response_ms))));
    Frame::new("Analytics").wide().render(
        ctx,
        &html! {
            div.page-head {
                h1 { "Analytics · " (a.month) }
                form.month-picker method="get" action="/analytics" {
                    @if let Some(p) = previous(a.month) { a.button.secondary href=(format!("/analytics?month={p}")) { "← " (p) } }
                    label for="f-month" { "Month" }
                    input #f-month type="month" name="month" value=(a.month.to_string()) max=(this_month.to_string()) required;
                    button type="submit" { "Show" }
                    @if let Some(n) = next(a.month).filter(|n| *n <= this_month) { a.button.secondary href=(format!("/analytics?month={n}")) { (n) " →" } }
                }
                p.muted { (a.from) " to " (a.to) }
            }
            div.grid-2 {
                section.card aria-labelledby="h-att" {
                    h2 #h-att { "Usage trend per plan" }
                    (attempts)
                    details { summary { "Data" } (attempts.table()) }
                }
                section.card aria-labelledby="h-fail" {
                    h2 #h-fail { "Errors (failed authentications)" }
                    (failures)
                    details { summary { "Data" } (failures.table()) }
                }
                section.card aria-labelledby="h-rate" {
                    h2 #h-rate { "Success rate" }
                    (rates)
                }
                section.card aria-labelledby="h-ms" {
                    h2 #h-ms { "Response time" }
                    (times)
                }
            }
            section.card aria-labelledby="h-sum" {
                h2 #h-sum { "Per plan in " (a.month) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Plan" } th.num scope="col" { "Attempts" } th.num scope="col" { "Successes" }
                        th.num scope="col" { "Failures" } th.num scope="col" { "Success rate" } th.num scope="col" { "Avg response" }
                        th.num scope="col" { "API calls" } th.num scope="col" { "SMS" } th.num scope="col" { "E-mails" } th.num scope="col" { "Peak active users" }
                    } }
                    tbody {
                        @for p in &a.plans {
                            @let t = &p.totals;
                            tr {
                                th scope="row" { (p.plan) }
                                td.num { (grouped(f(t.auth_attempts))) } td.num { (grouped(f(t.auth_successes))) }
                                td.num { (grouped(f(t.auth_failures))) } td.num { (percent(p.success_rate)) }
                                td.num { @if t.auth_attempts > 0 { (t.avg_response_ms) " ms" } @else { "–" } }
                                td.num { (grouped(f(t.api_calls))) } td.num { (grouped(f(t.sms_sent))) }
                                td.num { (grouped(f(t.emails_sent))) } td.num { (grouped(f(t.peak_active_users))) }
                            }
                        }
                    }
                } }
            }
            @if let Some(b) = billing { (billing_section(b, paged)) }
        },
    )
}

fn billing_section(b: &BillingPage, paged: bool) -> Markup {
    html! {
        section.card aria-labelledby="h-bill" {
            div.section-head {
                h2 #h-bill { "Billing preparation · " (b.month) }
                a.button href=(format!("/analytics/billing.csv?month={}", b.month)) download { "Download CSV" }
            }
            p.muted { "Every attempt counts, successful or not. Overage is charged per started 1,000 above the included amount; the free plan is capped, never charged. Amounts in the plan currency." }
            @if b.entries.is_empty() { p.muted { "No billable tenant on this page." } }
            @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Tenant" } th scope="col" { "Plan" } th.num scope="col" { "Included" } th.num scope="col" { "Used" }
                        th.num scope="col" { "Overage" } th.num scope="col" { "Base" } th.num scope="col" { "Overage amount" } th.num scope="col" { "Total" }
                    } }
                    tbody {
                        @for e in &b.entries {
                            @let l = &e.line;
                            tr {
                                td { a href=(format!("/tenants/{}", e.tenant.id)) { (e.tenant.name) } " " span.muted { (e.tenant.slug) } }
                                td { (l.plan) }
                                td.num { (grouped(f(l.included_authentications))) } td.num { (grouped(f(l.used_authentications))) }
                                td.num { (grouped(f(l.overage_authentications))) } td.num { (money(l.base_cents)) }
                                td.num { (money(l.overage_cents)) } td.num { strong { (money(l.total_cents)) } }
                            }
                        }
                    }
                } }
            }
            nav.pager aria-label="Billing pages" {
                @if paged { a href=(format!("/analytics?month={}", b.month)) { "First page" } }
                @if let Some(n) = b.next { a href=(format!("/analytics?month={}&after={n}", b.month)) { "Next page →" } }
            }
        }
    }
}
