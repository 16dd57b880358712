//! The tenant pages: the list (with the bulk confirmation), the registration form and one
//! tenant's page. Shared here: links to a tenant and the messages shown after a redirect.

pub mod bulk;
pub mod detail;
pub mod features;
pub mod keys;
pub mod list;
pub mod new;
pub mod notifications;
pub mod usage;

use gatehouse_domain::TenantId;
use maud::{Markup, html};

/// Paths under `/tenants/` that are pages of their own, so a tenant with such a slug is
/// linked by id.
const RESERVED: &[&str] = &["new", "bulk"];

/// The page of a tenant: by slug, as people name tenants, or by id where the slug is taken
/// by a page.
pub fn href(slug: &str, id: TenantId) -> String {
    if RESERVED.contains(&slug) { format!("/tenants/{id}") } else { format!("/tenants/{slug}") }
}

/// What a redirect after a tenant change reports, chosen by `?done=` from a fixed list (never
/// free text from the URL); bulk counts are numbers only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Created,
    StatusChanged,
    PlanChanged,
    DomainsChanged,
    FeaturesSaved,
    Bulk { changed: u64, unchanged: u64 },
}

impl Flash {
    /// The `done=…` query of this flash.
    pub fn query(self) -> String {
        match self {
            Flash::Created => "done=created".to_owned(),
            Flash::StatusChanged => "done=status".to_owned(),
            Flash::PlanChanged => "done=plan".to_owned(),
            Flash::DomainsChanged => "done=domains".to_owned(),
            Flash::FeaturesSaved => "done=features".to_owned(),
            Flash::Bulk { changed, unchanged } => {
                format!("done=bulk&changed={changed}&unchanged={unchanged}")
            }
        }
    }

    /// The flash of a query string, if it names one.
    pub fn from_query(query: Option<&str>) -> Option<Flash> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let count = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Some(match get("done")? {
            "created" => Flash::Created,
            "status" => Flash::StatusChanged,
            "plan" => Flash::PlanChanged,
            "domains" => Flash::DomainsChanged,
            "features" => Flash::FeaturesSaved,
            "bulk" => Flash::Bulk { changed: count("changed"), unchanged: count("unchanged") },
            _ => return None,
        })
    }
}

/// The flash as a status message.
pub fn flash(f: Option<&Flash>) -> Markup {
    let Some(f) = f else { return html! {} };
    html! {
        p.notice.ok role="status" {
            @match f {
                Flash::Created => "The tenant was registered.",
                Flash::StatusChanged => "The status was changed.",
                Flash::PlanChanged => "The plan was changed.",
                Flash::DomainsChanged => "The domains were saved.",
                Flash::FeaturesSaved => "The features were saved.",
                Flash::Bulk { changed, unchanged } => {
                    "Done: " (changed) " " (if *changed == 1 { "tenant" } else { "tenants" }) " changed"
                    @if *unchanged > 0 { ", " (unchanged) " already in that state" }
                    "."
                }
            }
        }
    }
}

/// A point in time as the panel shows it.
pub fn when(t: time::OffsetDateTime) -> String {
    crate::views::account::when(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flashes_round_trip_and_ignore_free_text() {
        for f in [Flash::Created, Flash::FeaturesSaved, Flash::Bulk { changed: 2, unchanged: 1 }] {
            assert_eq!(Flash::from_query(Some(&f.query())), Some(f));
        }
        assert_eq!(Flash::from_query(Some("done=<script>")), None);
        assert_eq!(
            Flash::from_query(Some("done=bulk&changed=x")),
            Some(Flash::Bulk { changed: 0, unchanged: 0 })
        );
    }

    #[test]
    fn reserved_slugs_link_by_id() {
        let id = TenantId::from_uuid(uuid::Uuid::nil());
        assert_eq!(href("acme", id), "/tenants/acme");
        assert_eq!(href("new", id), format!("/tenants/{id}"));
    }
}
