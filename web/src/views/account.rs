//! The account pages: TOTP enrolment and status, recovery codes, sessions, password.

use gatehouse_application::setup_totp::Enrolment;
use gatehouse_domain::SuperAdmin;
use gatehouse_domain::session::Session;
use maud::{Markup, PreEscaped, html};
use uuid::Uuid;

use crate::routes::account::end_session_form;
use crate::views::components::{FieldError, Input, csrf_input, field, form_error};
use crate::views::layout::{Ctx, narrow, page};

/// A date and time as people read it (UTC).
pub fn when(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(&f).unwrap_or_default()
}

/// Enrolment: the QR code (server-drawn SVG, no script) and the key to type by hand; without
/// `enrolment` (after a wrong code) only the code form and a way to start again.
pub fn enrol(ctx: &Ctx, enrolment: Option<&Enrolment>, errors: &FieldError) -> Markup {
    narrow(
        "Set up two-factor authentication",
        ctx,
        &html! {
            div.card {
                h1 { "Set up two-factor authentication" }
                @if let Some(e) = enrolment {
                    p { "Scan this code with your authenticator app:" }
                    // The SVG is drawn by the server from the otpauth URI: markup, no script.
                    div.qr { (PreEscaped(&e.qr_svg)) }
                    p { "Or enter this key by hand:" }
                    p { code.key { (e.manual_key) } }
                } @else {
                    p { "Enter the code your app shows for the key you scanned, or "
                        a href="/account/2fa/setup" { "start again with a new key" } "." }
                }
                (form_error(errors.other(&["code"])))
                form method="post" action="/account/2fa/setup" {
                    (csrf_input(&ctx.csrf))
                    (field(Input::new("The 6-digit code from the app", "code", "text").autocomplete("one-time-code"), errors))
                    button type="submit" { "Turn on two-factor authentication" }
                }
                form method="post" action="/logout" {
                    (csrf_input(&ctx.csrf))
                    button.link type="submit" { "Log out" }
                }
            }
        },
    )
}

/// The recovery codes, shown this once (S10).
pub fn recovery_codes(ctx: &Ctx, codes: &[String], next: &str) -> Markup {
    narrow(
        "Recovery codes",
        ctx,
        &html! {
            div.card {
                h1 { "Your recovery codes" }
                p { "Each code works once if you lose your phone. Store them somewhere safe now: "
                    strong { "they will not be shown again." } }
                ol.codes { @for c in codes { li { code { (c) } } } }
                p { a href=(next) { "Continue" } }
            }
        },
    )
}

/// Second-factor status, with the forms to turn it off or regenerate recovery codes.
pub fn two_factor(ctx: &Ctx, admin: &SuperAdmin, errors: &FieldError) -> Markup {
    page(
        "Two-factor authentication",
        ctx,
        &html! {
            h1 { "Two-factor authentication" }
            @if admin.totp_enabled {
                p { span.pill.ok { "On" } " Your account is protected by an authenticator app." }
                (form_error(errors.other(&["password", "code"])))
                @if let Some(m) = errors.on("password").or(errors.on("code")) { p.field-error role="alert" { (m) } }
                div.card {
                    h2 { "New recovery codes" }
                    p { "Replaces all your recovery codes." }
                    form method="post" action="/account/2fa/recovery-codes" {
                        (csrf_input(&ctx.csrf))
                        (field(Input::new("Password", "password", "password").id("r-password").autocomplete("current-password"), &FieldError::default()))
                        (field(Input::new("Current code", "code", "text").id("r-code").autocomplete("one-time-code"), &FieldError::default()))
                        button type="submit" { "Generate new recovery codes" }
                    }
                }
                div.card {
                    h2 { "Turn off" }
                    form method="post" action="/account/2fa/disable" {
                        (csrf_input(&ctx.csrf))
                        (field(Input::new("Password", "password", "password").id("d-password").autocomplete("current-password"), &FieldError::default()))
                        (field(Input::new("Current code", "code", "text").id("d-code").autocomplete("one-time-code"), &FieldError::default()))
                        button.danger type="submit" { "Turn off two-factor authentication" }
                    }
                }
            } @else {
                p { span.pill.bad { "Off" } " " a href="/account/2fa/setup" { "Set up an authenticator app" } }
            }
        },
    )
}

/// A list of sessions; `own` marks the page of one's own sessions.
pub fn sessions(ctx: &Ctx, sessions: &[Session], current: Uuid, own: bool, back: &str) -> Markup {
    page(
        "Sessions",
        ctx,
        &html! {
            h1 { @if own { "Your sessions" } @else { "Sessions" } }
            table {
                thead { tr { th { "Started" } th { "Last seen" } th { "IP address" } th { "Browser" } th { "" } } }
                tbody {
                    @for s in sessions {
                        tr {
                            td { (when(s.created_at)) }
                            td { (when(s.last_seen_at)) }
                            td { (s.ip) }
                            td { (s.user_agent) }
                            td {
                                @if s.id == current {
                                    span.pill.ok { "this device" }
                                } @else {
                                    form.inline method="post" action=(end_session_form(s.id)) {
                                        (csrf_input(&ctx.csrf))
                                        input type="hidden" name="back" value=(back);
                                        button.link type="submit" { "Sign out" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if own {
                form method="post" action="/account/sessions/end-others" {
                    (csrf_input(&ctx.csrf))
                    button type="submit" { "Sign out everywhere else" }
                }
            }
        },
    )
}

/// The change-password form.
pub fn password(ctx: &Ctx, errors: &FieldError) -> Markup {
    const FIELDS: &[&str] = &["current_password", "password", "password_confirm"];
    page(
        "Change password",
        ctx,
        &html! {
            div.card {
                h1 { "Change your password" }
                p.muted { "Your other sessions will be ended." }
                (form_error(errors.other(FIELDS)))
                form method="post" action="/account/password" {
                    (csrf_input(&ctx.csrf))
                    (field(Input::new("Current password", "current_password", "password").autocomplete("current-password"), errors))
                    (field(Input::new("New password (at least 12 characters)", "password", "password").autocomplete("new-password"), errors))
                    (field(Input::new("New password again", "password_confirm", "password").autocomplete("new-password"), errors))
                    button type="submit" { "Change password" }
                }
            }
        },
    )
}
