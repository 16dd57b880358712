//! The login pages. The refused-login page is identical for every cause (S15): it never
//! echoes the username back.

use maud::{Markup, html};

use crate::views::components::{FieldError, Input, csrf_input, field, form_error};
use crate::views::layout::{Ctx, narrow};

/// The username and password form.
pub fn password(ctx: &Ctx, next: Option<&str>, error: Option<&str>) -> Markup {
    let none = FieldError::default();
    narrow(
        "Log in",
        ctx,
        &html! {
            div.card {
                h1 { "Log in" }
                (form_error(error))
                form method="post" action="/login" {
                    (csrf_input(&ctx.csrf))
                    @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                    (field(Input::new("Username", "username", "text").autocomplete("username"), &none))
                    (field(Input::new("Password", "password", "password").autocomplete("current-password"), &none))
                    label.inline for="f-remember" {
                        input.check id="f-remember" type="checkbox" name="remember" value="1";
                        "Remember me on this device"
                    }
                    button type="submit" { "Log in" }
                }
            }
        },
    )
}

/// The second-factor form: a TOTP code or a recovery code.
pub fn second_factor(ctx: &Ctx, errors: &FieldError) -> Markup {
    narrow(
        "Two-factor authentication",
        ctx,
        &html! {
            div.card {
                h1 { "Two-factor authentication" }
                p { "Enter the 6-digit code from your authenticator app, or one of your recovery codes." }
                form method="post" action="/login/2fa" {
                    (csrf_input(&ctx.csrf))
                    (field(Input::new("Code", "code", "text").autocomplete("one-time-code"), errors))
                    button type="submit" { "Verify" }
                }
                form method="post" action="/logout" {
                    (csrf_input(&ctx.csrf))
                    button.link type="submit" { "Cancel and log out" }
                }
            }
        },
    )
}
