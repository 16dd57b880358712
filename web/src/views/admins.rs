//! The admins page: the list with per-admin actions, and the create form.

use gatehouse_domain::{AdminStatus, Role, SuperAdmin};
use maud::{Markup, html};

use crate::views::components::{FieldError, Input, csrf_input, field, form_error};
use crate::views::layout::{Ctx, page as frame};

fn role_select(name: &str, id: &str, selected: Option<Role>) -> Markup {
    html! {
        select name=(name) id=(id) {
            @for r in Role::ALL {
                option value=(r.as_str()) selected[selected == Some(*r)] { (r.as_str()) }
            }
        }
    }
}

pub fn page(ctx: &Ctx, admins: &[SuperAdmin], errors: &FieldError) -> Markup {
    const CREATE_FIELDS: &[&str] = &["username", "email", "password", "role"];
    frame(
        "Admins",
        ctx,
        &html! {
            h1 { "Admins" }
            (form_error(errors.other(CREATE_FIELDS)))
            table {
                thead { tr { th { "Username" } th { "E-mail" } th { "Role" } th { "Status" } th { "2FA" } th { "Actions" } } }
                tbody {
                    @for a in admins {
                        @let action = format!("/admins/{}", a.username);
                        @let prefix = format!("a-{}", a.id);
                        tr {
                            td { (a.username) }
                            td { (a.email.as_str()) }
                            td { (a.role) }
                            td { @if a.status == AdminStatus::Active { span.pill.ok { "active" } } @else { span.pill.bad { "disabled" } } }
                            td { @if a.totp_enabled { "on" } @else { "off" } }
                            td {
                                a href={ "/admins/" (a.id) "/sessions" } { "Sessions" }
                                details {
                                    summary { "Change…" }
                                    form method="post" action=(action) {
                                        (csrf_input(&ctx.csrf))
                                        input type="hidden" name="id" value=(a.id);
                                        label for={ (prefix) "-action" } { "Action" }
                                        select name="action" id={ (prefix) "-action" } {
                                            @if a.status == AdminStatus::Active { option value="disable" { "Disable" } }
                                            @else { option value="enable" { "Enable" } }
                                            option value="set_role" { "Set role" }
                                            option value="unlock" { "Unlock" }
                                            option value="reset_2fa" { "Reset 2FA" }
                                        }
                                        label for={ (prefix) "-role" } { "Role (for “Set role”)" }
                                        (role_select("role", &format!("{prefix}-role"), Some(a.role)))
                                        label for={ (prefix) "-reason" } { "Reason" }
                                        input type="text" name="reason" id={ (prefix) "-reason" } required;
                                        button type="submit" { "Apply" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            div.card {
                h2 { "New admin" }
                form method="post" action="/admins" {
                    (csrf_input(&ctx.csrf))
                    (field(Input::new("Username", "username", "text"), errors))
                    (field(Input::new("E-mail", "email", "email"), errors))
                    label for="f-role" { "Role" }
                    (role_select("role", "f-role", None))
                    @if let Some(m) = errors.on("role") { p.field-error { (m) } }
                    (field(Input::new("Initial password (at least 12 characters)", "password", "password").autocomplete("new-password"), errors))
                    button type="submit" { "Create admin" }
                }
            }
        },
    )
}
