//! The dashboard (`/`): health, tenants by status and plan, 30 days of traffic as server-drawn
//! charts, the month's busiest tenants and those near their quota, the newest security events
//! and quick actions. It reloads itself every minute without script (`<meta refresh>`),
//! unless `?refresh=off`.

use gatehouse_application::dashboard::{Dashboard, DayPoint, SERIES_DAYS};
use gatehouse_application::manage_outbox::OutboxStatus;
use gatehouse_application::ports::TenantMonthUsage;
use gatehouse_domain::{Outcome, Permission, QuotaLevel};
use maud::{Markup, html};

use crate::views::account::when;
use crate::views::charts::{Chart, Kind, grouped};
use crate::views::layout::{Ctx, Frame};
use crate::views::notifications;
use crate::views::system::health_cards;

/// Seconds between reloads.
pub const REFRESH_SECONDS: u32 = 60;

#[expect(clippy::cast_precision_loss, reason = "counters far below 2^52 drawn on a chart")]
fn f(v: u64) -> f64 {
    v as f64
}

/// Successes per attempt over `days`, in percent.
fn success_rate(days: &[DayPoint]) -> Option<f64> {
    let attempts: u64 = days.iter().map(|d| d.auth_attempts).sum();
    let successes: u64 = days.iter().map(|d| d.auth_successes).sum();
    (attempts > 0).then(|| f(successes) / f(attempts) * 100.0)
}

/// `12.5%`, or a dash when there is nothing to divide.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |p| format!("{p:.1}%"))
}

fn day_labels(days: &[DayPoint]) -> Vec<String> {
    let f = time::macros::format_description!("[month]-[day]");
    days.iter().map(|d| d.day.format(&f).unwrap_or_default()).collect()
}

pub fn page(ctx: &Ctx, d: &Dashboard, outbox: Option<&OutboxStatus>, refresh: bool) -> Markup {
    let labels = day_labels(&d.series);
    let auth_chart = Chart::new("auth", "Authentications per day", Kind::Area)
        .labels(labels.clone())
        .series("Successes", d.series.iter().map(|p| f(p.auth_successes)))
        .series("Failures", d.series.iter().map(|p| f(p.auth_failures)));
    let api_chart = Chart::new("api", "API calls per day", Kind::Bar)
        .labels(labels)
        .series("API calls", d.series.iter().map(|p| f(p.api_calls)));
    let attempts: u64 = d.series.iter().map(|p| p.auth_attempts).sum();
    let api_calls: u64 = d.series.iter().map(|p| p.api_calls).sum();
    let active = d.counts.by_status.iter().find(|(s, _)| s.as_str() == "active").map_or(0, |(_, n)| *n);
    let mut frame = Frame::new("Dashboard").wide();
    if refresh {
        frame = frame.refresh(REFRESH_SECONDS);
    }
    frame.render(
        ctx,
        &html! {
            div.page-head {
                h1 { "Dashboard" }
                p.muted {
                    "As of " (when(d.generated_at)) ". "
                    @if refresh { "Refreshes every minute · " a href="/?refresh=off" { "pause" } }
                    @else { "Auto-refresh paused · " a href="/" { "resume" } }
                }
                div.actions {
                    @if ctx.can(Permission::TenantsCreate) { a.button href="/tenants/new" { "New tenant" } }
                    @if ctx.can(Permission::TenantsView) { a.button.secondary href="/tenants" { "Tenants" } }
                    @if ctx.can(Permission::AuditView) { a.button.secondary href="/audit" { "Audit log" } }
                }
            }
            section aria-labelledby="h-health" {
                h2 #h-health { "System health" }
                (health_cards(&d.health))
            }
            section aria-labelledby="h-kpi" {
                h2 #h-kpi .visually-hidden { "Key figures" }
                div.tiles {
                    (tile("Tenants", &grouped(f(d.counts.total)), &format!("{} active", grouped(f(active)))))
                    (tile("Authentications", &grouped(f(attempts)), &format!("last {SERIES_DAYS} days")))
                    (tile("Success rate", &percent(success_rate(&d.series)), &format!("last {SERIES_DAYS} days")))
                    (tile("API calls", &grouped(f(api_calls)), &format!("last {SERIES_DAYS} days")))
                }
            }
            (notifications::overview(outbox))
            div.grid-2 {
                section.card aria-labelledby="h-auth" {
                    h2 #h-auth { "Authentications, last " (SERIES_DAYS) " days" }
                    (auth_chart)
                    details { summary { "Data" } (auth_chart.table()) }
                }
                section.card aria-labelledby="h-api" {
                    h2 #h-api { "API calls, last " (SERIES_DAYS) " days" }
                    (api_chart)
                    details { summary { "Data" } (api_chart.table()) }
                }
            }
            div.grid-2 {
                section.card aria-labelledby="h-status" {
                    h2 #h-status { "Tenants by status" }
                    (count_table("Status", d.counts.by_status.iter().map(|(s, n)| (s.as_str(), *n)), d.counts.total))
                }
                section.card aria-labelledby="h-plan" {
                    h2 #h-plan { "Tenants by plan" }
                    (count_table("Plan", d.counts.by_plan.iter().map(|(p, n)| (p.as_str(), *n)), d.counts.total))
                }
            }
            section.card aria-labelledby="h-top" {
                h2 #h-top { "Top tenants in " (d.month) }
                (usage_table(&d.top_tenants, "No usage recorded this month yet."))
            }
            section.card aria-labelledby="h-quota" {
                h2 #h-quota { "Near or over quota in " (d.month) }
                (usage_table(&d.near_quota, "No tenant is at 80 % of its quota or more."))
            }
            @if let Some(events) = &d.security_events {
                section.card aria-labelledby="h-sec" {
                    h2 #h-sec { "Recent security events" }
                    @if events.is_empty() { p.muted { "None yet." } }
                    @else {
                        div.table-wrap { table {
                            thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "Actor" } th scope="col" { "Outcome" } th scope="col" { "IP" } } }
                            tbody {
                                @for r in events {
                                    tr {
                                        td { (when(r.event.at)) }
                                        td { code { (r.event.kind) } }
                                        td { (r.event.actor_label) }
                                        td { (outcome(r.event.outcome)) }
                                        td { (r.event.ip.as_deref().unwrap_or("")) }
                                    }
                                }
                            }
                        } }
                        p { a href="/audit" { "The whole audit log" } }
                    }
                }
            }
        },
    )
}

fn tile(label: &str, value: &str, note: &str) -> Markup {
    html! {
        div.tile { span.tile-label { (label) } span.tile-value { (value) } span.muted { (note) } }
    }
}

/// A success / failure pill.
pub fn outcome(o: Outcome) -> Markup {
    let class = if o == Outcome::Success { "pill ok" } else { "pill bad" };
    html! { span class=(class) { (o) } }
}

fn count_table<'a>(what: &str, rows: impl Iterator<Item = (&'a str, u64)>, total: u64) -> Markup {
    html! {
        table.counts {
            thead { tr { th scope="col" { (what) } th scope="col" .num { "Tenants" } th scope="col" { span.visually-hidden { "Share" } } } }
            tbody {
                @for (name, n) in rows {
                    tr {
                        th scope="row" { span class=(format!("pill st-{name}")) { (name) } }
                        td.num { (grouped(f(n))) }
                        td { meter min="0" max=(total.max(1)) value=(n) aria-label=(format!("{name}: {n} of {total}")) {} }
                    }
                }
            }
        }
    }
}

fn usage_table(rows: &[TenantMonthUsage], empty: &str) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { (empty) } }
        @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Tenant" } th scope="col" { "Plan" } th scope="col" .num { "Authentications" }
                    th scope="col" .num { "Success rate" } th scope="col" .num { "API calls" } th scope="col" .num { "Of quota" }
                } }
                tbody {
                    @for u in rows {
                        tr {
                            td { a href=(format!("/tenants/{}", u.tenant.id)) { (u.tenant.name) } " " span.muted { (u.tenant.slug) } }
                            td { (u.tenant.plan) }
                            td.num { (grouped(f(u.auth_attempts))) }
                            td.num { (percent((u.auth_attempts > 0).then(|| f(u.auth_successes) / f(u.auth_attempts) * 100.0))) }
                            td.num { (grouped(f(u.api_calls))) }
                            td.num { (quota(u)) }
                        }
                    }
                }
            } }
        }
    }
}

fn quota(u: &TenantMonthUsage) -> Markup {
    let class = match u.level() {
        QuotaLevel::Normal => "pill",
        QuotaLevel::Warning => "pill warn",
        QuotaLevel::Reached => "pill bad",
    };
    html! { span class=(class) { (percent(u.percent_of_quota())) } }
}
