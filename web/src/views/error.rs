//! The error page: the status, a generic message and the request id, nothing internal (S25).

use axum::http::StatusCode;
use maud::{Markup, html};

use crate::views::layout::{Ctx, page as frame};

pub fn page(status: StatusCode, message: &str, request_id: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    frame(
        title,
        &Ctx::default(),
        &html! {
            div.card {
                h1 { (status.as_u16()) " " (title) }
                p { (message) }
                p.muted { "Request id: " code { (request_id) } }
                p { a href="/" { "Go to the start page" } }
            }
        },
    )
}
