//! The tenant page's "Notifications" section: the tenant's newest e-mails and upstream pushes
//! with their state, and a link to all of them on the outbox page.

use gatehouse_application::ports::OutboxEntry;
use gatehouse_domain::Tenant;
use maud::{Markup, html};

use crate::views::layout::Ctx;
use crate::views::notifications::table;

/// How many messages the section shows.
pub const SHOWN: u32 = 10;

/// The tenant's messages, or why they are not shown.
#[derive(Debug, Clone)]
pub enum TenantMessages {
    Shown(Vec<OutboxEntry>),
    /// The outbox could not be read for this admin (no permission).
    NotAllowed,
}

pub fn section(ctx: &Ctx, tenant: &Tenant, messages: &TenantMessages) -> Markup {
    html! {
        section.card #notifications aria-labelledby="h-notifications" {
            h2 #h-notifications { "Notifications" }
            @match messages {
                TenantMessages::NotAllowed => p.muted { "Your role cannot read this tenant's notifications." },
                TenantMessages::Shown(entries) if entries.is_empty() => {
                    p.muted { "No e-mail or upstream push for this tenant yet." }
                }
                TenantMessages::Shown(entries) => {
                    p.muted {
                        "E-mails to " (tenant.contact_email) " and pushes of this tenant's state to the MFA upstream, newest first. "
                        a href=(format!("/notifications?tenant={}", tenant.id)) { "All of them" }
                    }
                    (table(ctx, entries, false))
                }
            }
        }
    }
}
