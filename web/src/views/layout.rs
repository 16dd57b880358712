//! The page frame: head, navigation by what the admin may do, the notice of a redirect, and
//! the main column. Navigation only hides links; the use cases decide what is allowed.

use gatehouse_application::validate_session::Authenticated;
use gatehouse_domain::Permission;
use maud::{DOCTYPE, Markup, html};

use crate::assets::stylesheet_url;
use crate::views::components::csrf_input;

/// A message shown after a redirect, chosen from a fixed list by `?notice=` (never free text
/// from the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SignedOut,
    Expired,
    Ended,
    TooManyCodes,
    Saved,
    PasswordChanged,
    TwoFactorDisabled,
    SessionsEnded,
}

impl Notice {
    pub fn parse(code: &str) -> Option<Notice> {
        Some(match code {
            "signed_out" => Notice::SignedOut,
            "expired" => Notice::Expired,
            "ended" => Notice::Ended,
            "too_many_codes" => Notice::TooManyCodes,
            "saved" => Notice::Saved,
            "password_changed" => Notice::PasswordChanged,
            "2fa_disabled" => Notice::TwoFactorDisabled,
            "sessions_ended" => Notice::SessionsEnded,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Notice::SignedOut => "signed_out",
            Notice::Expired => "expired",
            Notice::Ended => "ended",
            Notice::TooManyCodes => "too_many_codes",
            Notice::Saved => "saved",
            Notice::PasswordChanged => "password_changed",
            Notice::TwoFactorDisabled => "2fa_disabled",
            Notice::SessionsEnded => "sessions_ended",
        }
    }

    fn text(self) -> (&'static str, &'static str) {
        match self {
            Notice::SignedOut => ("ok", "You have logged out."),
            Notice::Expired => ("error", "Your session has ended. Please log in again."),
            Notice::Ended => (
                "error",
                "Your session was ended for your safety because your network or browser changed. Please log in again.",
            ),
            Notice::TooManyCodes => ("error", "Too many wrong codes. Please log in again."),
            Notice::Saved => ("ok", "Saved."),
            Notice::PasswordChanged => ("ok", "Your password was changed. Your other sessions were ended."),
            Notice::TwoFactorDisabled => ("ok", "Two-factor authentication is now off."),
            Notice::SessionsEnded => ("ok", "The sessions were ended."),
        }
    }
}

/// What every page needs besides its own content.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// The session, if any (a partial one gets no navigation).
    pub auth: Option<std::sync::Arc<Authenticated>>,
    pub csrf: String,
    pub notice: Option<Notice>,
}

impl Ctx {
    fn can(&self, p: Permission) -> bool {
        self.auth.as_ref().is_some_and(|a| a.is_full() && a.actor.permissions.contains(&p))
    }
}

/// A whole page.
pub fn page(title: &str, ctx: &Ctx, content: &Markup) -> Markup {
    frame(title, ctx, false, content)
}

/// A whole page with a narrow column (login, set-up).
pub fn narrow(title: &str, ctx: &Ctx, content: &Markup) -> Markup {
    frame(title, ctx, true, content)
}

fn frame(title: &str, ctx: &Ctx, narrow: bool, content: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Gatehouse" }
                link rel="stylesheet" href=(stylesheet_url());
            }
            body {
                header.top {
                    a.brand href="/" { "Gatehouse" }
                    @if let Some(auth) = &ctx.auth {
                        nav aria-label="Main" {
                            @if auth.is_full() {
                                a href="/" { "Home" }
                                @if ctx.can(Permission::AdminsManage) { a href="/admins" { "Admins" } }
                                @if ctx.can(Permission::SettingsManage) { a href="/settings" { "Settings" } }
                                @if ctx.can(Permission::AuditView) { a href="/audit" { "Audit" } }
                                a href="/account/sessions" { "Sessions" }
                                a href="/account/2fa" { "Two-factor" }
                                a href="/account/password" { "Password" }
                                span.muted { (auth.admin.username) " (" (auth.admin.role) ")" }
                            }
                            form.inline method="post" action="/logout" {
                                (csrf_input(&ctx.csrf))
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main class=[narrow.then_some("narrow")] {
                    @if let Some(banner) = ctx.auth.as_ref().and_then(|a| a.banner.as_deref()) {
                        p.notice.warning role="status" { (banner) }
                    }
                    @if let Some(n) = ctx.notice {
                        @let (kind, text) = n.text();
                        p class={ "notice " (kind) } role="status" { (text) }
                    }
                    (content)
                }
            }
        }
    }
}
