//! `/audit/export?format=csv|jsonl&…filters`: every event of the filter, newest first,
//! streamed in pages of [`audit_query::MAX_LIMIT`] so the log is never held in memory.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt as _, stream};
use gatehouse_application::audit_query;
use gatehouse_application::ports::AuditQuery;
use gatehouse_domain::{Actor, AuditRecord, ValidationError};

use super::{Filters, to_query};
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::analytics::csv;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

/// The CSV header line.
pub const CSV_HEADER: &[&str] = &[
    "seq",
    "at",
    "kind",
    "actor_type",
    "actor",
    "tenant_id",
    "outcome",
    "reason",
    "ip",
    "user_agent",
    "hash",
];

fn lines(format: Format, records: &[AuditRecord]) -> String {
    let mut out = String::new();
    for r in records {
        match format {
            Format::JsonLines => {
                if let Ok(json) = serde_json::to_string(r) {
                    out.push_str(&json);
                    out.push('\n');
                }
            }
            Format::Csv => {
                let e = &r.event;
                let at = e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
                out.push_str(&csv::row(&[
                    r.seq.to_string(),
                    at,
                    e.kind.to_string(),
                    e.actor_type.clone(),
                    e.actor_label.clone(),
                    e.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
                    e.outcome.to_string(),
                    e.reason.clone().unwrap_or_default(),
                    e.ip.clone().unwrap_or_default(),
                    e.user_agent.clone().unwrap_or_default(),
                    r.hash.clone(),
                ]));
            }
        }
    }
    out
}

/// The query of the page after `records`, if they filled theirs.
fn after(query: &AuditQuery, records: &[AuditRecord]) -> Option<AuditQuery> {
    if records.len() < query.limit as usize {
        return None;
    }
    records.last().map(|last| AuditQuery { before_seq: Some(last.seq), ..query.clone() })
}

pub async fn export(
    State(state): State<AppState>,
    Full(auth): Full,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let format = match filters.format.as_str() {
        "csv" => Format::Csv,
        "jsonl" => Format::JsonLines,
        _ => {
            return Err(
                gatehouse_application::Error::from(ValidationError::new("format", "csv or jsonl")).into()
            );
        }
    };
    let actor: Actor = auth.actor.clone();
    let query = to_query(&state, &actor, &filters, audit_query::MAX_LIMIT).await?;
    // The first page is read before answering, so a refusal is a proper 403 (and audited).
    let first = audit_query::run(&state.ports, &actor, query.clone()).await?;
    let mut head = if format == Format::Csv { csv::row(CSV_HEADER) } else { String::new() };
    head.push_str(&lines(format, &first));
    let next = after(&query, &first);
    let rest = stream::unfold((state, actor, next), move |(state, actor, next)| async move {
        let query = next?;
        match audit_query::run(&state.ports, &actor, query.clone()).await {
            Ok(records) => {
                let next = after(&query, &records);
                Some((Ok::<_, std::io::Error>(lines(format, &records)), (state, actor, next)))
            }
            Err(e) => {
                tracing::error!(error = %e, "audit export failed mid-stream");
                Some((Err(std::io::Error::other("audit export failed")), (state, actor, None)))
            }
        }
    });
    let body = Body::from_stream(stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(rest));
    let mut response = body.into_response();
    let (mime, name) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "attachment; filename=\"gatehouse-audit.csv\""),
        Format::JsonLines => ("application/x-ndjson", "attachment; filename=\"gatehouse-audit.jsonl\""),
    };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    response.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    Ok(response)
}
