//! The start page.

use gatehouse_application::validate_session::Authenticated;
use maud::{Markup, html};

use crate::views::account::when;
use crate::views::layout::{Ctx, page as frame};

pub fn page(ctx: &Ctx, auth: &Authenticated) -> Markup {
    frame(
        "Home",
        ctx,
        &html! {
            h1 { "Welcome, " (auth.admin.username) }
            div.card {
                p { "You are signed in as " strong { (auth.admin.username) } " (" (auth.admin.role) ")." }
                p.muted { "This session started " (when(auth.session.created_at)) " and ends by " (when(auth.expires_at)) " at the latest." }
                ul {
                    li { a href="/account/sessions" { "Your sessions" } }
                    li { a href="/account/2fa" { "Two-factor authentication" } }
                    li { a href="/account/password" { "Change your password" } }
                    li { a href="/admins" { "Admins" } " (owners)" }
                    li { a href="/settings" { "Settings" } " (owners)" }
                    li { a href="/audit" { "Audit log" } }
                }
                p.muted { "Tenants are managed with " code { "gatehouse-ctl" } " until the panel arrives." }
            }
        },
    )
}
