//! The system page (`/system`): version and build, uptime and memory, the health checks, the
//! configuration with its secrets masked, and the upstream connection history (not built yet:
//! it says so rather than showing anything made up). Also the health cards the dashboard shows.

use std::time::Duration;

use gatehouse_application::dashboard::Health;
use gatehouse_application::manage_outbox::OutboxStatus;
use gatehouse_application::ports::{ComponentStatus, ProcessStats};
use maud::{Markup, html};

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
            section.card aria-labelledby="h-upstream" {
                h2 #h-upstream { "Upstream connection history" }
                p { span.pill { "not configured" } " No connection history is recorded yet." }
            }
        },
    )
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
