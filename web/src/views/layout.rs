//! The page frame every page shares: skip link, header with the main navigation (each entry
//! shown only with its permission), the admin's menu with the theme switch and logout,
//! breadcrumbs, the maintenance banner and the flash notice of a redirect, the main column and
//! a footer. Navigation only hides links; the use cases decide what is allowed.
//!
//! Pages call [`page`] or [`narrow`], or build a [`Frame`] for breadcrumbs or a self-refresh.
//! The theme (`<html data-theme>`) comes from the `theme` cookie that `POST /theme` sets, so
//! it switches without JavaScript; `system` follows `prefers-color-scheme` (see app.css).

use std::sync::Arc;

use gatehouse_application::validate_session::Authenticated;
use gatehouse_domain::Permission;
use maud::{DOCTYPE, Markup, html};

use crate::assets::stylesheet_url;
use crate::views::components::csrf_input;

/// A message shown after a redirect, chosen from a fixed list by `?notice=` (never free text
/// from the URL, so a link cannot put words in the panel's mouth). Pages redirect to
/// `…?notice=<code>` after a change.
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
    Created,
    Deleted,
    /// An API key or tenant key was revoked.
    Revoked,
    /// A bulk action finished.
    BulkDone,
    /// A tenant sync was started from the system page.
    SyncStarted,
    /// A tenant sync could not start: another one is running.
    SyncRunning,
    /// A tenant sync could not start: no upstream is configured.
    SyncNotConfigured,
}

const NOTICES: &[(Notice, &str)] = &[
    (Notice::SignedOut, "signed_out"),
    (Notice::Expired, "expired"),
    (Notice::Ended, "ended"),
    (Notice::TooManyCodes, "too_many_codes"),
    (Notice::Saved, "saved"),
    (Notice::PasswordChanged, "password_changed"),
    (Notice::TwoFactorDisabled, "2fa_disabled"),
    (Notice::SessionsEnded, "sessions_ended"),
    (Notice::Created, "created"),
    (Notice::Deleted, "deleted"),
    (Notice::Revoked, "revoked"),
    (Notice::BulkDone, "bulk_done"),
    (Notice::SyncStarted, "sync_started"),
    (Notice::SyncRunning, "sync_running"),
    (Notice::SyncNotConfigured, "sync_not_configured"),
];

impl Notice {
    pub fn parse(code: &str) -> Option<Notice> {
        NOTICES.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
    }

    pub fn code(self) -> &'static str {
        NOTICES.iter().find(|(n, _)| *n == self).map_or("saved", |(_, c)| c)
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
            Notice::Created => ("ok", "Created."),
            Notice::Deleted => ("ok", "Deleted."),
            Notice::Revoked => ("ok", "Revoked: the key no longer works."),
            Notice::BulkDone => ("ok", "The bulk action is done."),
            Notice::SyncStarted => ("ok", "The tenant sync has started; reload to follow it below."),
            Notice::SyncRunning => ("error", "A tenant sync is already running; it is listed below."),
            Notice::SyncNotConfigured => (
                "error",
                "No MFA upstream is configured (MFA_SYSTEM_API_URL and MFA_SYSTEM_API_KEY), so there is nothing to sync with.",
            ),
        }
    }
}

/// The colour theme chosen with the switch in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the operating system (`prefers-color-scheme`).
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn parse(text: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Theme::System => "Auto",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

/// What every page needs besides its own content.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// The session, if any (a partial one gets no navigation).
    pub auth: Option<Arc<Authenticated>>,
    pub csrf: String,
    pub notice: Option<Notice>,
    pub theme: Theme,
    /// The request path, to mark the current navigation entry and to come back after the
    /// theme switch.
    pub path: String,
}

impl Ctx {
    /// Whether the admin (in a full session) holds `p`: decides only which links show.
    pub fn can(&self, p: Permission) -> bool {
        self.auth.as_ref().is_some_and(|a| a.is_full() && a.actor.permissions.contains(&p))
    }
}

/// The main navigation: label, path, the permission that shows it.
pub const NAV: &[(&str, &str, Permission)] = &[
    ("Dashboard", "/", Permission::UsageView),
    ("Tenants", "/tenants", Permission::TenantsView),
    ("Notifications", "/notifications", Permission::TenantsView),
    ("Analytics", "/analytics", Permission::UsageView),
    ("Audit", "/audit", Permission::AuditView),
    ("API keys", "/api-keys", Permission::ApiKeysManage),
    ("API log", "/api-log", Permission::AuditView),
    ("Admins", "/admins", Permission::AdminsManage),
    ("Settings", "/settings", Permission::SettingsManage),
    ("System", "/system", Permission::SettingsManage),
];

/// Whether the navigation entry `href` is the section of `path`.
fn is_current(href: &str, path: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// A page frame with options; [`page`] and [`narrow`] cover the common cases.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    title: &'a str,
    crumbs: Vec<(String, Option<String>)>,
    narrow: bool,
    wide: bool,
    refresh: Option<u32>,
}

impl<'a> Frame<'a> {
    pub fn new(title: &'a str) -> Frame<'a> {
        Frame { title, crumbs: Vec::new(), narrow: false, wide: false, refresh: None }
    }

    /// A breadcrumb before the page's own title (which ends the trail by itself).
    pub fn crumb(mut self, label: impl Into<String>, href: impl Into<String>) -> Self {
        self.crumbs.push((label.into(), Some(href.into())));
        self
    }

    /// A narrow column (login, set-up).
    pub fn narrow(mut self) -> Self {
        self.narrow = true;
        self
    }

    /// The full width of the window (dashboards, wide tables).
    pub fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    /// Reload the page every `seconds` (no script: `<meta http-equiv="refresh">`), as a
    /// background request that does not keep the session alive (S18).
    pub fn refresh(mut self, seconds: u32) -> Self {
        self.refresh = Some(seconds);
        self
    }

    /// The crumbs, then the page's own title as the current one.
    fn trail(&self) -> Markup {
        let mut crumbs: Vec<(&str, Option<&str>)> =
            self.crumbs.iter().map(|(label, href)| (label.as_str(), href.as_deref())).collect();
        crumbs.push((self.title, None));
        super::components::breadcrumbs(&crumbs)
    }

    pub fn render(&self, ctx: &Ctx, content: &Markup) -> Markup {
        let class = if self.narrow {
            Some("narrow")
        } else if self.wide {
            Some("wide")
        } else {
            None
        };
        html! {
            (DOCTYPE)
            html lang="en" data-theme=(ctx.theme.as_str()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="color-scheme" content="light dark";
                    @if let Some(s) = self.refresh {
                        meta http-equiv="refresh" content={ (s) ";url=" (ctx.path) "?" (crate::auth::BACKGROUND_QUERY) };
                    }
                    title { (self.title) " · Gatehouse" }
                    link rel="stylesheet" href=(stylesheet_url());
                }
                body {
                    a.skip href="#main" { "Skip to content" }
                    (header(ctx))
                    main #main class=[class] tabindex="-1" {
                        @if !self.crumbs.is_empty() {
                            (self.trail())
                        }
                        @if let Some(banner) = ctx.auth.as_ref().and_then(|a| a.banner.as_deref()) {
                            p.notice.warning role="status" { (banner) }
                        }
                        @if let Some(n) = ctx.notice {
                            @let (kind, text) = n.text();
                            p class={ "notice " (kind) } role="status" { (text) }
                        }
                        (content)
                    }
                    footer.bottom {
                        span { "Gatehouse " (env!("CARGO_PKG_VERSION")) }
                    }
                }
            }
        }
    }
}

fn header(ctx: &Ctx) -> Markup {
    html! {
        header.top {
            a.brand href="/" { span.logo aria-hidden="true" { "◆" } " Gatehouse" }
            @if let Some(auth) = ctx.auth.as_ref() {
                @if auth.is_full() {
                    nav.main aria-label="Main" {
                        ul {
                            @for (label, href, permission) in NAV {
                                @if ctx.can(*permission) {
                                    li { a href=(href) aria-current=[is_current(href, &ctx.path).then_some("page")] { (label) } }
                                }
                            }
                        }
                    }
                }
                div.user {
                    @if auth.is_full() {
                        details.menu {
                            summary { (auth.admin.username) " " span.muted { "(" (auth.admin.role) ")" } }
                            div.menu-body {
                                ul {
                                    li { a href="/account/sessions" { "Your sessions" } }
                                    li { a href="/account/2fa" { "Two-factor" } }
                                    li { a href="/account/password" { "Password" } }
                                }
                                (theme_switch(ctx))
                            }
                        }
                    }
                    form.inline method="post" action="/logout" {
                        (csrf_input(&ctx.csrf))
                        button.link type="submit" { "Log out" }
                    }
                }
            }
        }
    }
}

/// Three buttons posting to `/theme` (works without JavaScript; CSRF-checked like any form).
fn theme_switch(ctx: &Ctx) -> Markup {
    html! {
        form.theme method="post" action="/theme" {
            (csrf_input(&ctx.csrf))
            input type="hidden" name="back" value=(ctx.path);
            fieldset {
                legend { "Theme" }
                @for t in Theme::ALL {
                    button.chip type="submit" name="theme" value=(t.as_str()) aria-pressed=(if ctx.theme == t { "true" } else { "false" }) { (t.label()) }
                }
            }
        }
    }
}

/// A whole page.
pub fn page(title: &str, ctx: &Ctx, content: &Markup) -> Markup {
    Frame::new(title).render(ctx, content)
}

/// A whole page with a narrow column (login, set-up).
pub fn narrow(title: &str, ctx: &Ctx, content: &Markup) -> Markup {
    Frame::new(title).narrow().render(ctx, content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_round_trip_and_unknown_codes_show_nothing() {
        for (n, code) in NOTICES {
            assert_eq!(Notice::parse(code), Some(*n));
            assert_eq!(n.code(), *code);
        }
        assert_eq!(Notice::parse("<script>"), None);
    }

    #[test]
    fn the_current_section_is_marked() {
        assert!(is_current("/", "/"));
        assert!(!is_current("/", "/tenants"));
        assert!(is_current("/tenants", "/tenants/abc"));
        assert!(!is_current("/tenants", "/tenantsx"));
    }

    #[test]
    fn anonymous_pages_have_the_theme_and_no_navigation() {
        let ctx = Ctx { theme: Theme::Dark, path: "/".into(), ..Ctx::default() };
        let html =
            Frame::new("Log in").narrow().crumb("Home", "/").refresh(60).render(&ctx, &html! { p { "x" } });
        let html = html.into_string();
        assert!(html.contains(r#"<html lang="en" data-theme="dark">"#));
        assert!(html.contains(r#"<meta http-equiv="refresh" content="60;url=/?refresh=auto">"#));
        assert!(
            html.contains(r#"aria-label="Breadcrumb""#)
                && html.contains(r#"<li aria-current="page">Log in</li>"#)
        );
        assert!(!html.contains(r#"aria-label="Main""#));
        assert!(html.contains(r##"href="#main""##) && html.contains("<main id=\"main\""));
        assert_eq!(Theme::parse("dark"), Some(Theme::Dark));
        assert_eq!(Theme::parse("blue"), None);
    }
}
