//! The API keys page (`/api-keys`): the keys with their state, scopes, tenants and last use;
//! the create form; the key shown once after creation; the revoke confirmation.

use gatehouse_domain::{ApiKey, KeyStatus, Permission, TenantScope};
use maud::{Markup, html};
use time::OffsetDateTime;

use crate::views::account::when;
use crate::views::components::{FieldError, Input, breadcrumbs, csrf_input, field, form_error};
use crate::views::layout::{Ctx, page as frame};

/// The create form as typed, kept when it is refused.
#[derive(Debug, Clone, Default)]
pub struct KeyForm {
    pub name: String,
    pub scopes: Vec<String>,
    /// Tenant slugs or ids, separated by spaces, commas or lines; empty for every tenant.
    pub tenants: String,
    /// `YYYY-MM-DD`, or empty for no expiry.
    pub expires_at: String,
    pub rate_per_minute: String,
}

/// The form's fields; an error about any other field is shown above the form.
const FIELDS: &[&str] = &["name", "scopes", "tenants", "expires_at", "rate_per_minute"];

/// A key's text, shown this once, with how to keep it (S29).
pub fn key_once(text: &str) -> Markup {
    html! {
        p.notice.warning role="alert" {
            strong { "Copy this key now: it is shown only this once." }
            " Gatehouse keeps only a hash of it and cannot show it again."
        }
        p { code.key data-key-once { (text) } }
        p.muted {
            "Select it and copy it (Ctrl+C or ⌘C), then store it where the integration keeps its secrets. "
            "Pass it on only over a secure channel, never by e-mail or chat."
        }
    }
}

/// A key's state as a pill.
pub fn state_pill(state: KeyStatus) -> Markup {
    let class = match state {
        KeyStatus::Active => "pill ok",
        KeyStatus::Expired => "pill warn",
        KeyStatus::Revoked => "pill bad",
    };
    html! { span class=(class) { (state.as_str()) } }
}

fn tenants(scope: &TenantScope) -> Markup {
    match scope {
        TenantScope::All => html! { "all tenants" },
        TenantScope::Only(set) => html! {
            details {
                summary { (set.len()) @if set.len() == 1 { " tenant" } @else { " tenants" } }
                ul { @for t in set { li { a href={ "/tenants/" (t) } { code { (t) } } } } }
            }
        },
    }
}

fn list(keys: &[ApiKey], show_revoked: bool, now: OffsetDateTime) -> Markup {
    html! {
        @if keys.is_empty() {
            p.muted { "No API keys yet." }
        } @else {
            table.data {
                thead { tr {
                    th { "Name" } th { "Id" } th { "State" } th { "Scopes" } th { "Tenants" }
                    th { "Expires" } th { "Rate / min" } th { "Last used" } th { "Created" } th { span.visually-hidden { "Actions" } }
                } }
                tbody {
                    @for k in keys {
                        @let state = k.state(now);
                        tr {
                            td { (k.name) }
                            td { code { (k.id) } }
                            td { (state_pill(state)) }
                            td { (k.scopes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { (tenants(&k.tenants)) }
                            td { (k.expires_at.map_or_else(|| "never".to_owned(), when)) }
                            td { (k.rate_per_minute.map_or_else(|| "default".to_owned(), |r| r.to_string())) }
                            td { (k.last_used_at.map_or_else(|| "never".to_owned(), when)) }
                            td { (when(k.created_at)) " " span.muted { "by " (k.created_by) } }
                            td { @if state != KeyStatus::Revoked { a href={ "/api-keys/" (k.id) "/revoke" } { "Revoke…" } } }
                        }
                    }
                }
            }
        }
        p {
            @if show_revoked { a href="/api-keys" { "Hide revoked keys" } }
            @else { a href="/api-keys?all=1" { "Show revoked keys too" } }
        }
    }
}

/// The list and the create form (refilled with `form` and its error after a refusal).
pub fn page(
    ctx: &Ctx,
    keys: &[ApiKey],
    show_revoked: bool,
    form: &KeyForm,
    errors: &FieldError,
    now: OffsetDateTime,
) -> Markup {
    // Offer only what the admin holds: a key is never stronger than its creator.
    let grantable: Vec<Permission> = Permission::ALL.iter().copied().filter(|p| ctx.can(*p)).collect();
    let scope_error = errors.on("scopes");
    frame(
        "API keys",
        ctx,
        &html! {
            h1 { "API keys" }
            p { "Keys let integrations use Gatehouse's API with " code { "Authorization: Bearer <key>" } ". "
                "A key acts with the permissions chosen for it, on the tenants chosen for it, and every call is audited with the key as the actor." }
            (list(keys, show_revoked, now))
            div.card {
                h2 { "New API key" }
                (form_error(errors.other(FIELDS)))
                form method="post" action="/api-keys" novalidate {
                    (csrf_input(&ctx.csrf))
                    (field(Input::new("Name (what uses it)", "name", "text").value(&form.name), errors))
                    fieldset aria-invalid=[scope_error.map(|_| "true")] {
                        legend { "Permissions (scopes)" }
                        @for p in &grantable {
                            @let id = format!("f-scope-{}", p.as_str().replace(':', "-"));
                            label.inline for=(id) {
                                input.check id=(id) type="checkbox" name="scope" value=(p.as_str()) checked[form.scopes.iter().any(|s| s == p.as_str())];
                                (p.as_str())
                            }
                        }
                        @if let Some(m) = scope_error { p.field-error #f-scopes-error { (m) } }
                    }
                    (field(Input::new("Only these tenants (slugs or ids; leave empty for every tenant)", "tenants", "text").value(&form.tenants).optional(), errors))
                    (field(Input::new("Expires on (optional, YYYY-MM-DD, at 00:00 UTC)", "expires_at", "date").value(&form.expires_at).optional(), errors))
                    (field(Input::new("Requests per minute (optional: the server's default)", "rate_per_minute", "number").value(&form.rate_per_minute).optional(), errors))
                    button type="submit" { "Create key" }
                }
            }
        },
    )
}

/// The new key, shown once.
pub fn created(ctx: &Ctx, key: &ApiKey, text: &str) -> Markup {
    frame(
        "API key created",
        ctx,
        &html! {
            (breadcrumbs(&[("API keys", Some("/api-keys")), ("New key", None)]))
            div.card {
                h1 { "API key “" (key.name) "” created" }
                (key_once(text))
                p { "Scopes: " (key.scopes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")) }
                p { a.button href="/api-keys" { "Done: I have copied the key" } }
            }
        },
    )
}

/// Asks once more before revoking: the key stops working at once.
pub fn revoke_confirm(ctx: &Ctx, key: &ApiKey, errors: &FieldError) -> Markup {
    frame(
        "Revoke API key",
        ctx,
        &html! {
            (breadcrumbs(&[("API keys", Some("/api-keys")), ("Revoke", None)]))
            h1 { "Revoke the API key “" (key.name) "”?" }
            p.notice.warning { "The key stops working at once: every integration using it is refused from its next request. This cannot be undone." }
            (form_error(errors.0.as_ref().map(|(_, m)| m.as_str())))
            form.card method="post" action={ "/api-keys/" (key.id) "/revoke" } {
                (csrf_input(&ctx.csrf))
                input type="hidden" name="confirmed" value="yes";
                button.danger type="submit" { "Revoke the key" }
                " " a href="/api-keys" { "Keep it" }
            }
        },
    )
}
