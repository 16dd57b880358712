//! The audit page.

use gatehouse_application::verify_audit::Report;
use gatehouse_domain::{AuditKind, AuditRecord, Outcome};
use maud::{Markup, html};

use crate::routes::audit::Filters;
use crate::views::account::when;
use crate::views::layout::{Ctx, page as frame};

pub fn page(ctx: &Ctx, filters: &Filters, records: &[AuditRecord], report: Option<&Report>) -> Markup {
    frame(
        "Audit log",
        ctx,
        &html! {
            h1 { "Audit log" }
            @match report.map(|r| (r, &r.broken)) {
                None => p { a href="/audit?verify=1" { "Verify the hash chain" } " (reads the whole log)" },
                Some((r, None)) => p { span.pill.ok { "chain verified" } " " (r.verified) " records, head " code { (r.head) } },
                Some((_, Some(b))) => p.notice.error role="alert" { "The audit chain is broken at record " (b.seq) ": " (b.reason) },
            }
            form.card method="get" action="/audit" {
                label for="f-kind" { "Kind" }
                select id="f-kind" name="kind" {
                    option value="" { "any" }
                    @for k in AuditKind::ALL { option value=(k.as_str()) selected[k.as_str() == filters.kind] { (k.as_str()) } }
                }
                label for="f-outcome" { "Outcome" }
                select id="f-outcome" name="outcome" {
                    option value="" { "any" }
                    @for o in Outcome::ALL { option value=(o.as_str()) selected[o.as_str() == filters.outcome] { (o.as_str()) } }
                }
                label for="f-actor" { "Actor" }
                input id="f-actor" type="text" name="actor" value=(filters.actor);
                button type="submit" { "Filter" }
            }
            table {
                thead { tr { th { "#" } th { "When" } th { "Kind" } th { "Actor" } th { "Outcome" } th { "IP" } th { "Reason" } } }
                tbody {
                    @for r in records {
                        tr {
                            td { (r.seq) }
                            td { (when(r.event.at)) }
                            td { (r.event.kind) }
                            td { (r.event.actor_label) }
                            td { (r.event.outcome) }
                            td { (r.event.ip.as_deref().unwrap_or("")) }
                            td { (r.event.reason.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        },
    )
}
