//! `/tenants`: the list, filtered by plan and status, searched by name, slug or domain,
//! sorted by a column either way and cut into pages.
//!
//! The query string is read leniently: a value that means nothing (an unknown plan, a page
//! number of "x") is ignored rather than refused, so an edited or old link still shows a list.

use std::str::FromStr as _;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use gatehouse_application::list_tenants;
use gatehouse_application::ports::{Page, SortDirection, TenantQuery, TenantSort};
use gatehouse_domain::{Plan, TenantStatus};

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::views::Ctx;
use crate::views::tenants::{Flash, list as view};

/// The page sizes offered.
pub const PAGE_SIZES: [u32; 4] = [25, 50, 100, 200];
const DEFAULT_PAGE_SIZE: u32 = 50;
/// Search text longer than this is cut (the use case refuses more than 100 characters).
const MAX_SEARCH: usize = 100;

/// What the list shows: filters, order and page, as read from the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub search: String,
    pub plan: Option<Plan>,
    pub status: Option<TenantStatus>,
    pub sort: TenantSort,
    pub direction: SortDirection,
    /// 1-based.
    pub page: u64,
    pub per_page: u32,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            search: String::new(),
            plan: None,
            status: None,
            sort: TenantSort::Name,
            direction: SortDirection::Asc,
            page: 1,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

/// The URL name of a sort column.
pub fn sort_name(sort: TenantSort) -> &'static str {
    match sort {
        TenantSort::Name => "name",
        TenantSort::Slug => "slug",
        TenantSort::Created => "created",
        TenantSort::Plan => "plan",
        TenantSort::Status => "status",
    }
}

fn parse_sort(text: &str) -> Option<TenantSort> {
    [TenantSort::Name, TenantSort::Slug, TenantSort::Created, TenantSort::Plan, TenantSort::Status]
        .into_iter()
        .find(|s| sort_name(*s) == text)
}

impl ListParams {
    /// Reads a query string; anything unknown or malformed falls back to the default.
    pub fn parse(query: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            query.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
        let mut p = ListParams::default();
        for (key, value) in &pairs {
            let v = value.trim();
            match key.as_str() {
                "q" => p.search = v.chars().take(MAX_SEARCH).collect(),
                "plan" => p.plan = Plan::from_str(v).ok(),
                "status" => p.status = TenantStatus::from_str(v).ok(),
                "sort" => p.sort = parse_sort(v).unwrap_or_default(),
                "dir" => p.direction = if v == "desc" { SortDirection::Desc } else { SortDirection::Asc },
                "page" => p.page = v.parse::<u64>().ok().filter(|n| *n >= 1).unwrap_or(1),
                "per" => {
                    p.per_page =
                        v.parse::<u32>().ok().filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE);
                }
                _ => {}
            }
        }
        p
    }

    /// Whether any filter narrows the list.
    pub fn is_filtered(&self) -> bool {
        !self.search.is_empty() || self.plan.is_some() || self.status.is_some()
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(u64::from(self.per_page))
    }

    /// The use case's query for this page.
    pub fn query(&self) -> TenantQuery {
        TenantQuery {
            plan: self.plan,
            status: self.status,
            search: Some(self.search.clone()).filter(|s| !s.is_empty()),
            only: None,
            sort: self.sort,
            direction: self.direction,
            page: Page { limit: self.per_page, offset: self.offset() },
        }
    }

    /// The query string of these parameters, defaults left out (`q=acme&sort=created&dir=desc`).
    pub fn query_string(&self) -> String {
        let d = ListParams::default();
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if let Some(plan) = self.plan {
            pairs.push(("plan", plan.as_str().to_owned()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_owned()));
        }
        if self.sort != d.sort {
            pairs.push(("sort", sort_name(self.sort).to_owned()));
        }
        if self.direction == SortDirection::Desc {
            pairs.push(("dir", "desc".to_owned()));
        }
        if self.per_page != d.per_page {
            pairs.push(("per", self.per_page.to_string()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    /// `path` with these parameters.
    pub fn href(&self, path: &str) -> String {
        let q = self.query_string();
        if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") }
    }

    /// The same list on another page.
    pub fn at_page(&self, page: u64) -> Self {
        ListParams { page: page.max(1), ..self.clone() }
    }

    /// The list sorted by `sort`: the other way round if it is already sorted by it.
    pub fn sorted_by(&self, sort: TenantSort) -> Self {
        let direction = if self.sort == sort && self.direction == SortDirection::Asc {
            SortDirection::Desc
        } else {
            SortDirection::Asc
        };
        ListParams { sort, direction, page: 1, ..self.clone() }
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let params = ListParams::parse(raw.as_deref());
    let found = list_tenants::run(&state.ports, &auth.actor, params.query()).await?;
    let flash = Flash::from_query(raw.as_deref());
    Ok(view::page(&ctx, &params, &found, flash.as_ref()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leniently_and_round_trips() {
        let p =
            ListParams::parse(Some("q=Acme&plan=basic&status=bogus&sort=created&dir=desc&page=3&per=100"));
        assert_eq!(p.search, "Acme");
        assert_eq!((p.plan, p.status), (Some(Plan::Basic), None));
        assert_eq!(
            (p.sort, p.direction, p.page, p.per_page),
            (TenantSort::Created, SortDirection::Desc, 3, 100)
        );
        assert_eq!(p.offset(), 200);
        assert_eq!(ListParams::parse(Some(&p.query_string())), p);
        let junk = ListParams::parse(Some("page=0&per=100000&sort=%00&dir=up&q=%ZZ"));
        assert_eq!((junk.page, junk.per_page), (1, DEFAULT_PAGE_SIZE));
        assert_eq!(ListParams::parse(Some("page=18446744073709551615")).offset(), u64::MAX);
    }

    #[test]
    fn sorting_a_sorted_column_reverses_it() {
        let p = ListParams::default();
        assert_eq!(p.sorted_by(TenantSort::Name).direction, SortDirection::Desc);
        assert_eq!(p.sorted_by(TenantSort::Plan).direction, SortDirection::Asc);
        assert_eq!(p.sorted_by(TenantSort::Plan).sorted_by(TenantSort::Plan).direction, SortDirection::Desc);
    }
}
