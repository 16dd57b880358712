//! `/tenants.csv?…`: the tenants of the current filter and order as CSV, streamed page by
//! page through `list_tenants` so the whole table is never held in memory.
//!
//! The first page is read before the answer starts, so a refusal is a proper 403 or 422; a
//! failure later can only cut the download short, and is logged. Rows added or removed while
//! a long export runs may shift between pages (offset pagination); the export is a report,
//! not a snapshot.
//!
//! Every cell is quoted, and a cell that a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe (OWASP CSV
//! injection).

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gatehouse_application::list_tenants;
use gatehouse_application::ports::{TenantPage, TenantQuery, TenantSummary};
use gatehouse_domain::Actor;

use super::ListParams;
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;

/// Rows read per call of the use case.
const BATCH: u32 = 500;

const HEADER: [&str; 8] = ["id", "name", "slug", "status", "plan", "primary_domain", "domains", "created_at"];

/// One cell, quoted, with formula triggers neutralised.
pub fn cell(out: &mut String, text: &str) {
    out.push('"');
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// One CSV line (CRLF, RFC 4180).
fn line<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

fn rows(items: &[TenantSummary]) -> Bytes {
    let mut out = String::with_capacity(items.len() * 160);
    for t in items {
        let id = t.id.to_string();
        let count = t.domain_count.to_string();
        let created = t.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        line(
            &mut out,
            [
                id.as_str(),
                t.name.as_str(),
                t.slug.as_str(),
                t.status.as_str(),
                t.plan.as_str(),
                t.primary_domain.as_deref().unwrap_or(""),
                count.as_str(),
                created.as_str(),
            ],
        );
    }
    Bytes::from(out)
}

/// Where the stream is: the query of the next page, or done.
struct Cursor {
    state: AppState,
    actor: Actor,
    next: Option<TenantQuery>,
}

/// The query after `page`, if more rows remain.
fn after(query: &TenantQuery, page: &TenantPage) -> Option<TenantQuery> {
    let read = query.page.offset.saturating_add(page.items.len() as u64);
    (!page.items.is_empty() && read < page.total).then(|| {
        let mut q = query.clone();
        q.page.offset = read;
        q
    })
}

pub async fn csv(
    State(state): State<AppState>,
    Full(auth): Full,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let mut query = ListParams { page: 1, ..ListParams::parse(raw.as_deref()) }.query();
    query.page.limit = BATCH;
    let actor = auth.actor.clone();
    let first = list_tenants::run(&state.ports, &actor, query.clone()).await?;
    let mut head = String::new();
    line(&mut head, HEADER);
    let start = [Ok::<_, std::io::Error>(Bytes::from(head)), Ok(rows(&first.items))];
    let cursor = Cursor { next: after(&query, &first), state, actor };
    let rest = futures_util::stream::unfold(cursor, |mut c| async move {
        let q = c.next.take()?;
        match list_tenants::run(&c.state.ports, &c.actor, q.clone()).await {
            Ok(page) => {
                c.next = after(&q, &page);
                Some((Ok(rows(&page.items)), c))
            }
            Err(e) => {
                tracing::error!(error = %e, "the tenant CSV export stopped early");
                Some((Err(std::io::Error::other("export failed")), c))
            }
        }
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(futures_util::stream::iter(start), rest));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"tenants.csv\""),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> String {
        let mut s = String::new();
        cell(&mut s, text);
        s
    }

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(one("Acme"), "\"Acme\"");
        assert_eq!(one("say \"hi\", then\nleave"), "\"say \"\"hi\"\", then\nleave\"");
        assert_eq!(one("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for trigger in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(one(trigger).starts_with("\"'"), "{trigger:?}");
        }
        assert_eq!(one(""), "\"\"");
    }
}
