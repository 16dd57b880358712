//! The first-run page: the first owner's account.

use maud::{Markup, html};

use crate::views::components::{FieldError, Input, csrf_input, field, form_error};
use crate::views::layout::{Ctx, narrow};

/// What was typed, shown again after an error (never the password).
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub username: String,
    pub email: String,
}

pub fn page(ctx: &Ctx, token: &str, values: &Values, errors: &FieldError) -> Markup {
    const FIELDS: &[&str] = &["username", "email", "password", "password_confirm"];
    narrow(
        "Set up Gatehouse",
        ctx,
        &html! {
            div.card {
                h1 { "Set up Gatehouse" }
                p { "Create the first owner account. You will set up two-factor authentication next." }
                (form_error(errors.other(FIELDS)))
                form method="post" action="/setup" {
                    (csrf_input(&ctx.csrf))
                    input type="hidden" name="token" value=(token);
                    (field(Input::new("Username", "username", "text").value(&values.username).autocomplete("username"), errors))
                    (field(Input::new("E-mail", "email", "email").value(&values.email).autocomplete("email"), errors))
                    (field(Input::new("Password (at least 12 characters)", "password", "password").autocomplete("new-password"), errors))
                    (field(Input::new("Password again", "password_confirm", "password").autocomplete("new-password"), errors))
                    button type="submit" { "Create the owner account" }
                }
            }
        },
    )
}
