//! The outbox page: what waits, what was sent and what was given up on — tenant notification
//! e-mails and upstream pushes — with "retry now" for dead messages. Also the table and the
//! "not configured" banner the tenant page, the dashboard and the system page reuse.

use gatehouse_application::manage_outbox::OutboxStatus;
use gatehouse_application::ports::{OutboxEntry, Payload};
use gatehouse_domain::{MessageKind, MessageState, Permission};
use maud::{Markup, html};

use crate::routes::notifications::Filters;
use crate::views::account::when;
use crate::views::components::{FieldError, csrf_input, thousands};
use crate::views::layout::{Ctx, Frame};

/// What the page shows.
#[derive(Debug)]
pub struct Page<'a> {
    pub filters: &'a Filters,
    /// The counts of every tenant's messages (`None` for an admin who sees only some tenants).
    pub status: Option<&'a OutboxStatus>,
    pub entries: &'a [OutboxEntry],
    /// A filter that could not be used, with why.
    pub error: Option<&'a FieldError>,
    /// The `before` of the next (older) page, when there is one.
    pub next_before: Option<uuid::Uuid>,
    /// A dead message was just made pending again.
    pub retried: bool,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// "SMTP is not configured: N messages are waiting", and the same for the upstream, when
/// messages wait for a service that is not set up; nothing otherwise.
pub fn banner(s: &OutboxStatus) -> Markup {
    html! {
        @if !s.smtp_configured && s.pending_email > 0 {
            p.notice.warning role="status" {
                "SMTP is not configured: " (plural(s.pending_email, "message is", "messages are")) " waiting. "
                "Set EMAIL_HOST (see docs/configuration.md) and they are sent."
            }
        }
        @if !s.upstream_configured && s.pending_push > 0 {
            p.notice.warning role="status" {
                "The MFA upstream is not configured: " (plural(s.pending_push, "push is", "pushes are")) " waiting. "
                "Set MFA_SYSTEM_API_URL and MFA_SYSTEM_API_KEY and they are delivered."
            }
        }
    }
}

/// The outbox's depth as tiles (dashboard and system page).
pub fn tiles(s: &OutboxStatus) -> Markup {
    let dead = s.dead_email + s.dead_push;
    html! {
        div.tiles {
            div.tile {
                span.tile-label { "E-mails waiting" }
                span.tile-value { (thousands(s.pending_email)) }
                span.muted { @if s.smtp_configured { "SMTP configured" } @else { "SMTP not configured" } }
            }
            div.tile {
                span.tile-label { "Upstream pushes waiting" }
                span.tile-value { (thousands(s.pending_push)) }
                span.muted { @if s.upstream_configured { "upstream configured" } @else { "upstream not configured" } }
            }
            div.tile {
                span.tile-label { "Given up (dead)" }
                span.tile-value { (thousands(dead)) }
                span.muted { a href="/notifications?state=dead" { "see them" } }
            }
        }
    }
}

/// The dashboard's section: what waits and why, and the depth as tiles (nothing for an admin
/// who may not read it).
pub fn overview(status: Option<&OutboxStatus>) -> Markup {
    html! {
        @if let Some(s) = status {
            section aria-labelledby="h-outbox" {
                h2 #h-outbox { "Notifications and upstream pushes" }
                (banner(s))
                (tiles(s))
            }
        }
    }
}

fn state_pill(state: MessageState) -> Markup {
    let class = match state {
        MessageState::Pending => "pill pending",
        MessageState::Sent => "pill ok",
        MessageState::Dead => "pill bad",
    };
    html! { span class=(class) { (state.as_str()) } }
}

fn what(e: &OutboxEntry) -> Markup {
    html! {
        @match &e.message.payload {
            Payload::Email(mail) => {
                "e-mail" @if let Some(n) = e.message.notification { " · " code { (n.as_str()) } }
                br; span.muted { "to " (mail.to) ": " (mail.subject) }
            }
            Payload::UpstreamPush => { "upstream push" br; span.muted { "status, plan and features" } }
        }
    }
}

fn progress(e: &OutboxEntry) -> Markup {
    html! {
        @match e.state {
            MessageState::Sent => {
                "sent " @if let Some(at) = e.sent_at { (when(at)) }
                @if let Some(by) = &e.claimed_by { br; span.muted { "by " (by) } }
            }
            MessageState::Dead => "given up",
            MessageState::Pending => {
                "next try " (when(e.next_attempt_at))
                @if let (Some(by), Some(_)) = (&e.claimed_by, e.claimed_until) { br; span.muted { "being delivered by " (by) } }
            }
        }
    }
}

/// The messages as a table; `tenant_column` adds a link to each message's tenant.
pub fn table(ctx: &Ctx, entries: &[OutboxEntry], tenant_column: bool) -> Markup {
    let can_retry = ctx.can(Permission::TenantsUpdate);
    html! {
        div.table-wrap { table.data {
            thead { tr {
                th scope="col" { "Created" } th scope="col" { "Message" }
                @if tenant_column { th scope="col" { "Tenant" } }
                th scope="col" { "State" } th scope="col" { "Attempts" } th scope="col" { "Progress" }
                th scope="col" { "Last error or note" } th scope="col" { span.visually-hidden { "Actions" } }
            } }
            tbody {
                @for e in entries {
                    tr {
                        td.nowrap { (when(e.message.created_at)) }
                        td { (what(e)) }
                        @if tenant_column {
                            td { @if let Some(t) = e.message.tenant { a href=(format!("/tenants/{t}")) title=(t) { code.short { (t) } } } }
                        }
                        td { (state_pill(e.state)) }
                        td { (e.attempts) }
                        td { (progress(e)) }
                        td { (e.last_error.as_deref().unwrap_or("")) }
                        td {
                            @if e.state == MessageState::Dead && can_retry {
                                form.inline method="post" action=(format!("/notifications/{}/retry", e.message.id)) {
                                    (csrf_input(&ctx.csrf))
                                    button.link type="submit" { "Retry now" }
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn with(query: &str, extra: &str) -> String {
    match (query.is_empty(), extra.is_empty()) {
        (true, _) => format!("?{extra}"),
        (false, true) => format!("?{query}"),
        (false, false) => format!("?{query}&{extra}"),
    }
}

pub fn page(ctx: &Ctx, p: &Page<'_>) -> Markup {
    let f = p.filters;
    let q = f.query_string();
    let tenant_error = p.error.and_then(|e| e.on("tenant"));
    Frame::new("Notifications").wide().render(
        ctx,
        &html! {
            div.page-head { h1 { "Notifications and upstream pushes" } }
            p.muted {
                "Tenant e-mails and pushes of tenant state to the MFA upstream, written with the change that "
                "caused them and delivered in the background, retried with growing pauses."
            }
            @if p.retried { p.notice.ok role="status" { "The message is due again and will be delivered shortly." } }
            @if let Some(s) = p.status { (banner(s)) }
            @if let Some(m) = p.error.and_then(|e| e.other(&["tenant"])) { p.notice.error role="alert" { (m) } }
            form.card.filters method="get" action="/notifications" {
                div.field {
                    label for="f-state" { "State" }
                    select id="f-state" name="state" {
                        option value="" { "any" }
                        @for s in MessageState::ALL { option value=(s.as_str()) selected[s.as_str() == f.state] { (s.as_str()) } }
                    }
                }
                div.field {
                    label for="f-kind" { "Kind" }
                    select id="f-kind" name="kind" {
                        option value="" { "any" }
                        @for k in MessageKind::ALL { option value=(k.as_str()) selected[k.as_str() == f.kind] { (k.as_str()) } }
                    }
                }
                div.field {
                    label for="f-tenant" { "Tenant (id or slug)" }
                    input id="f-tenant" type="text" name="tenant" value=(f.tenant) aria-invalid=[tenant_error.map(|_| "true")];
                    @if let Some(m) = tenant_error { p.field-error { (m) } }
                }
                div.field.submit { button type="submit" { "Filter" } " " a href="/notifications" { "Clear" } }
            }
            @if p.entries.is_empty() { p.muted { "No messages match." } } @else { (table(ctx, p.entries, true)) }
            nav.pager aria-label="Notification pages" {
                @if !f.before.is_empty() { a href=(format!("/notifications{}", with(&q, ""))) { "Newest" } }
                @if let Some(b) = p.next_before { a href=(format!("/notifications{}", with(&q, &format!("before={b}")))) { "Older →" } }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_counts_what_waits_for_a_missing_service() {
        let s = OutboxStatus {
            pending_email: 1,
            pending_push: 3,
            dead_email: 0,
            dead_push: 0,
            smtp_configured: false,
            upstream_configured: false,
        };
        let text = banner(&s).into_string();
        assert!(text.contains("SMTP is not configured: 1 message is waiting"), "{text}");
        assert!(text.contains("3 pushes are waiting"), "{text}");
        let configured = OutboxStatus { smtp_configured: true, upstream_configured: true, ..s };
        assert!(banner(&configured).into_string().is_empty());
    }
}
