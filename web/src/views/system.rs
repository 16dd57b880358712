//! The system page (`/system`): version and build, uptime and memory, the health checks, the
//! configuration with its secrets masked, the upstream connection with its recent calls, and
//! the tenant sync (its recent runs and "Sync now"). Also the health cards the dashboard shows.

use std::time::Duration;

use gatehouse_application::dashboard::Health;
use gatehouse_application::manage_outbox::OutboxStatus;
use gatehouse_application::ports::{
    ComponentStatus, ConnectionState, ConnectionStatus, ProcessStats, SyncRun,
};
use maud::{Markup, html};
use time::OffsetDateTime;

use crate::views::account::when;
use crate::views::components::{csrf_input, thousands};
use crate::views::layout::{Ctx, Frame};
use crate::views::notifications;

/// What the system page shows.
#[derive(Debug, Clone)]
pub struct SystemInfo {
    pub version: &'static str,
    /// `debug` or `release`, and the target.
    pub build: String,
    /// `sqlite` or `postgres`.
    pub database_backend: &'static str,
    pub health: Health,
    /// `NAME = value` lines, secrets already masked by `Settings::summary`.
    pub configuration: Vec<(String, String)>,
    /// The outbox's depth, when the admin may read it.
    pub outbox: Option<OutboxStatus>,
    /// The default upstream's connection as this instance observed it.
    pub upstream: ConnectionStatus,
    /// The newest sync runs, when the admin may run syncs.
    pub runs: Option<Vec<SyncRun>>,
    pub now: OffsetDateTime,
}

/// `3 d 4 h`, `5 h 12 min`, `42 s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else if minutes > 0 {
        format!("{minutes} min {} s", s % 60)
    } else {
        format!("{s} s")
    }
}

/// `12.3 MiB`.
pub fn bytes(b: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "a memory size shown with one decimal")]
    let v = b as f64;
    if v >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", v / (1024.0 * 1024.0 * 1024.0))
    } else if v >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", v / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", v / 1024.0)
    }
}

fn latency(d: Duration) -> String {
    if d.as_millis() >= 1 { format!("{} ms", d.as_millis()) } else { format!("{} µs", d.as_micros()) }
}

/// One dependency's state as a pill and a detail line.
pub fn component(name: &str, status: &ComponentStatus) -> Markup {
    html! {
        div.tile.health {
            span.tile-label { (name) }
            @match status {
                ComponentStatus::Up { latency: l } => {
                    span.pill.ok { "up" } span.muted { (latency(*l)) }
                }
                ComponentStatus::Down { error } => {
                    span.pill.bad { "down" } span.muted { (error) }
                }
                ComponentStatus::NotConfigured => {
                    span.pill { "not configured" } span.muted { "nothing to check" }
                }
            }
        }
    }
}

fn process(p: &ProcessStats) -> Markup {
    html! {
        div.tile.health {
            span.tile-label { "This process" }
            span { "up " (duration(p.uptime)) }
            span.muted { "memory " (p.resident_memory_bytes.map_or_else(|| "not measured here".to_owned(), bytes)) }
        }
    }
}

/// Database, upstream, SMTP and the process, side by side.
pub fn health_cards(h: &Health) -> Markup {
    html! {
        div.tiles {
            (component("Database", &h.database))
            (component("MFA upstream", &h.upstream))
            (component("SMTP", &h.smtp))
            (process(&h.process))
        }
    }
}

pub fn page(ctx: &Ctx, info: &SystemInfo) -> Markup {
    Frame::new("System").render(
        ctx,
        &html! {
            h1 { "System" }
            section aria-labelledby="h-health" {
                h2 #h-health { "Health checks" }
                (health_cards(&info.health))
                @if let Some(o) = &info.outbox { (notifications::banner(o)) (notifications::tiles(o)) }
            }
            section.card aria-labelledby="h-build" {
                h2 #h-build { "Version" }
                dl.facts {
                    dt { "Version" } dd { (info.version) }
                    dt { "Build" } dd { (info.build) }
                    dt { "Database" } dd { (info.database_backend) }
                    dt { "Uptime" } dd { (duration(info.health.process.uptime)) }
                }
            }
            section.card aria-labelledby="h-config" {
                h2 #h-config { "Configuration" }
                p.muted { "From the environment and .env at start; secrets are never shown." }
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Variable" } th scope="col" { "Value" } } }
                    tbody {
                        @for (name, value) in &info.configuration {
                            tr { th scope="row" { code { (name) } } td { code { (value) } } }
                        }
                    }
                } }
            }
            (upstream(&info.upstream))
            @if let Some(runs) = &info.runs { (sync_runs(ctx, runs, info.now)) }
        },
    )
}

fn state_pill(state: ConnectionState) -> Markup {
    let class = match state {
        ConnectionState::Up => "pill ok",
        ConnectionState::Degraded => "pill warn",
        ConnectionState::Down => "pill bad",
        ConnectionState::NotConfigured | ConnectionState::Unknown => "pill",
    };
    html! { span class=(class) { (state.as_str().replace('_', " ")) } }
}

/// The connection's facts and its recent calls, newest first.
fn upstream(u: &ConnectionStatus) -> Markup {
    html! {
        section.card aria-labelledby="h-upstream" {
            h2 #h-upstream { "MFA upstream connection" }
            @if u.state == ConnectionState::NotConfigured {
                p { (state_pill(u.state)) " Set MFA_SYSTEM_API_URL and MFA_SYSTEM_API_KEY to connect; nothing is called or made up until then." }
            } @else {
                dl.facts {
                    dt { "State" } dd { (state_pill(u.state)) }
                    dt { "Address" } dd { code { (u.base_url.as_deref().unwrap_or("")) } }
                    dt { "Last check" } dd { (u.last_check.map_or_else(|| "never".to_owned(), when)) }
                    dt { "Last success" } dd { (u.last_success.map_or_else(|| "never".to_owned(), when)) }
                    dt { "Latency" } dd { (u.last_latency_ms.map_or_else(|| "—".to_owned(), |ms| format!("{ms} ms"))) }
                    dt { "Failures in a row" } dd { (u.consecutive_failures) }
                    @if let Some(until) = u.paused_until { dt { "Calls paused until" } dd { (when(until)) } }
                    @if let Some(e) = &u.last_error { dt { "Last error" } dd { (e) } }
                    @if let Some(s) = &u.upstream_status {
                        dt { "Upstream says" } dd { (s) @if let Some(v) = &u.upstream_version { " (version " (v) ")" } }
                    }
                }
                @if u.recent.is_empty() {
                    p.muted { "No call has been made yet." }
                } @else {
                    div.table-wrap { table {
                        caption { "Recent calls, newest first" }
                        thead { tr { th scope="col" { "Time" } th scope="col" { "Call" } th scope="col" { "Latency" } th scope="col" { "Attempts" } th scope="col" { "Outcome" } } }
                        tbody {
                            @for c in u.recent.iter().rev() {
                                tr {
                                    td { (when(c.at)) } td { (c.call.as_str()) } td { (c.latency_ms) " ms" } td { (c.attempts) }
                                    td { @match &c.error { None => span.pill.ok { "answered" }, Some(e) => { span.pill.bad { "failed" } " " (e) } } }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// The recent sync runs and the button that starts one.
fn sync_runs(ctx: &Ctx, runs: &[SyncRun], now: OffsetDateTime) -> Markup {
    html! {
        section.card aria-labelledby="h-sync" {
            h2 #h-sync { "Tenant sync" }
            p.muted { "Registers tenants the upstream does not know, pushes features that differ and records the tenants' daily usage. The server also runs it on its own (GATEHOUSE_SYNC_INTERVAL)." }
            form method="post" action="/system/sync" {
                (csrf_input(&ctx.csrf))
                button type="submit" { "Sync now" }
            }
            @if runs.is_empty() {
                p.muted { "No sync has run yet." }
            } @else {
                div.table-wrap { table {
                    caption { "Recent runs, newest first" }
                    thead { tr {
                        th scope="col" { "Started" } th scope="col" { "By" } th scope="col" { "State" }
                        th scope="col" { "Synced" } th scope="col" { "Unchanged" } th scope="col" { "Failed" } th scope="col" { "Of" }
                    } }
                    tbody {
                        @for r in runs {
                            tr {
                                td { (when(r.started_at)) } td { (r.actor) " (" (r.trigger.as_str()) ")" }
                                td { (run_state(r, now)) }
                                td { (thousands(r.counts.synced)) } td { (thousands(r.counts.unchanged)) }
                                td { (thousands(r.counts.failed)) } td { (thousands(r.counts.total)) }
                            }
                            @if !r.failures.is_empty() || r.error.is_some() {
                                tr { td colspan="7" {
                                    @if let Some(e) = &r.error { p { "Stopped: " (e) } }
                                    @if !r.failures.is_empty() {
                                        details {
                                            summary { (r.failures.len()) " failure(s)" @if r.counts.failed > r.failures.len() as u64 { " (the first ones)" } }
                                            ul { @for f in &r.failures { li { a href={ "/tenants/" (f.slug) } { (f.slug) } ": " (f.reason) } } }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                } }
            }
        }
    }
}

fn run_state(r: &SyncRun, now: OffsetDateTime) -> Markup {
    match r.finished_at {
        None => html! { span.pill.warn { "running" } " " (duration((now - r.started_at).unsigned_abs())) },
        Some(end) => {
            let took = duration((end - r.started_at).unsigned_abs());
            if r.counts.failed == 0 && r.error.is_none() {
                html! { span.pill.ok { "done" } " in " (took) }
            } else {
                html! { span.pill.bad { "with failures" } " in " (took) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_well() {
        assert_eq!(duration(Duration::from_secs(42)), "42 s");
        assert_eq!(duration(Duration::from_secs(3 * 60 + 5)), "3 min 5 s");
        assert_eq!(duration(Duration::from_mins(5 * 60 + 12)), "5 h 12 min");
        assert_eq!(duration(Duration::from_hours(3 * 24 + 4)), "3 d 4 h");
        assert_eq!(bytes(12 * 1024 * 1024 + 300 * 1024), "12.3 MiB");
        assert_eq!(bytes(2048), "2 KiB");
        assert_eq!(latency(Duration::from_micros(350)), "350 µs");
        assert_eq!(latency(Duration::from_millis(12)), "12 ms");
    }
}
