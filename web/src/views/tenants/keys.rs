//! A tenant's keys for the MFA service: the section of the tenant page (list, issue, rotate,
//! revoke), the key shown once after it is issued, the rotation form and the revoke
//! confirmation.

use gatehouse_domain::{KeyStatus, Permission, Tenant, TenantApiKey, TenantStatus};
use maud::{Markup, html};
use time::OffsetDateTime;

use super::when;
use crate::views::api_keys::{key_once, state_pill};
use crate::views::components::{FieldError, Input, breadcrumbs, csrf_input, field, form_error};
use crate::views::layout::{Ctx, page as frame};

/// The tenant's keys for its page, or why they are not shown.
#[derive(Debug, Clone)]
pub enum TenantKeys {
    Shown {
        keys: Vec<TenantApiKey>,
        now: OffsetDateTime,
    },
    /// The admin may see the tenant but not its keys.
    NotAllowed,
}

/// Why a key is being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    Registered,
    Issued,
    Rotated { ends: OffsetDateTime },
}

/// The "API keys" section of the page of `tenant`.
pub fn section(ctx: &Ctx, tenant: &Tenant, keys: &TenantKeys) -> Markup {
    let manage = ctx.can(Permission::TenantsUpdate);
    let base = &super::detail::path(tenant);
    // The use cases refuse keys to tenants that are not served; the page does not offer them.
    let served = !matches!(tenant.status, TenantStatus::Suspended | TenantStatus::Cancelled);
    html! {
        section.card #api-keys aria-labelledby="h-api-keys" {
            h2 #h-api-keys { "API keys" }
            p.muted { "The key the tenant's website uses with the MFA service. It is shown once, when it is issued; Gatehouse keeps only a hash of it." }
            @match keys {
                TenantKeys::NotAllowed => p.muted { "Your role cannot see the tenant's keys." },
                TenantKeys::Shown { keys, now } => {
                    @if keys.is_empty() {
                        p.muted { "No key yet." }
                    } @else {
                        (table(base, keys, *now, manage))
                    }
                    @if manage && served { (actions(ctx, base, keys, *now)) }
                    @if !served { p.muted { "A " (tenant.status) " tenant has no working key and is issued none." } }
                }
            }
        }
    }
}

fn table(base: &str, keys: &[TenantApiKey], now: OffsetDateTime, manage: bool) -> Markup {
    html! {
        table.data {
            thead { tr { th { "Key" } th { "State" } th { "Issued" } th { "Ends" } th { "Last used" } th { span.visually-hidden { "Actions" } } } }
            tbody {
                @for k in keys {
                    tr {
                        td { code { (k.prefix) "…" } }
                        td { (state_pill(k.state(now))) }
                        td { (when(k.created_at)) }
                        td { (k.revoked_at.or(k.expires_at).map_or_else(|| "—".to_owned(), when)) }
                        td { (k.last_used_at.map_or_else(|| "never".to_owned(), when)) }
                        td { @if manage && k.revoked_at.is_none() { a href={ (base) "/keys/revoke?key=" (k.id) } { "Revoke…" } } }
                    }
                }
            }
        }
    }
}

fn actions(ctx: &Ctx, base: &str, keys: &[TenantApiKey], now: OffsetDateTime) -> Markup {
    let has_live_key = keys.iter().any(|k| k.state(now) == KeyStatus::Active && k.expires_at.is_none());
    let any_unrevoked = keys.iter().any(|k| k.revoked_at.is_none());
    html! {
        div.actions {
            @if has_live_key {
                a.button href={ (base) "/keys/rotate" } { "Rotate the key…" }
            } @else {
                form.inline-form method="post" action={ (base) "/keys/issue" } {
                    (csrf_input(&ctx.csrf))
                    button type="submit" { "Issue a key" }
                }
            }
            @if any_unrevoked {
                a.button.secondary href={ (base) "/keys/revoke?key=all" } { "Revoke all keys…" }
            }
        }
    }
}

/// A new key of `tenant` (its name, its page `base`), shown once.
pub fn shown_once(ctx: &Ctx, tenant: &str, base: &str, text: &str, occasion: Occasion) -> Markup {
    let (title, next) = match occasion {
        Occasion::Registered => ("Tenant registered", format!("{base}?{}", super::Flash::Created.query())),
        Occasion::Issued | Occasion::Rotated { .. } => ("New tenant key", base.to_owned()),
    };
    frame(
        title,
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), (title, None)]))
            div.card {
                h1 { (title) }
                @if occasion == Occasion::Registered {
                    p { (tenant) " was registered. Here is its first key for the MFA service." }
                }
                (key_once(text))
                @if let Occasion::Rotated { ends } = occasion {
                    p { "The previous keys keep working until " strong { (when(ends)) } "; then only this one does." }
                }
                p { a.button href=(next) { "Done: I have copied the key" } }
            }
        },
    )
}

/// The rotation form: how long the old keys keep working.
pub fn rotate_form(ctx: &Ctx, tenant: &str, base: &str, hours: &str, errors: &FieldError) -> Markup {
    frame(
        "Rotate key",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), ("Rotate key", None)]))
            h1 { "Rotate the key of " (tenant) }
            p { "A new key is issued now and shown once. The current keys keep working during the overlap, so the website can switch over; then they stop." }
            (form_error(errors.other(&["overlap_hours"])))
            form.card method="post" action={ (base) "/keys/rotate" } novalidate {
                (csrf_input(&ctx.csrf))
                (field(Input::new("Overlap in hours (0 to 720; 0 stops the old keys at once)", "overlap_hours", "number").value(hours), errors))
                button type="submit" { "Rotate" }
                " " a href=(base) { "Keep the current key" }
            }
        },
    )
}

/// Asks once more before revoking one key (`key` is its id) or all of them (`all`).
pub fn revoke_confirm(ctx: &Ctx, tenant: &str, base: &str, key: &str, errors: &FieldError) -> Markup {
    let all = key == "all";
    frame(
        "Revoke key",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), ("Revoke key", None)]))
            h1 { @if all { "Revoke every key of " (tenant) "?" } @else { "Revoke this key of " (tenant) "?" } }
            p.notice.warning { "The website is refused by the MFA service at once with a revoked key. This cannot be undone; a new key can be issued afterwards." }
            (form_error(errors.0.as_ref().map(|(_, m)| m.as_str())))
            form.card method="post" action={ (base) "/keys/revoke" } {
                (csrf_input(&ctx.csrf))
                input type="hidden" name="key" value=(key);
                input type="hidden" name="confirmed" value="yes";
                button.danger type="submit" { @if all { "Revoke every key" } @else { "Revoke the key" } }
                " " a href=(base) { "Keep it" }
            }
        },
    )
}

/// Why no key was issued (the tenant has one, or is not served).
pub fn refused(ctx: &Ctx, tenant: &str, base: &str, message: &str) -> Markup {
    frame(
        "No key issued",
        ctx,
        &html! {
            (breadcrumbs(&[("Tenants", Some("/tenants")), (tenant, Some(base)), ("No key issued", None)]))
            h1 { "No key issued" }
            p.notice.error role="alert" { (message) }
            p { a href=(base) { "Back to " (tenant) } }
        },
    )
}
