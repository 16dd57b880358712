//! The settings form.

use gatehouse_domain::Plan;
use gatehouse_domain::settings::SystemSettings;
use maud::{Markup, html};
use serde::Deserialize;

use crate::views::components::{FieldError, Input, csrf_input, field, form_error};
use crate::views::layout::{Ctx, page as frame};

/// The settings as the form holds them (text, checkboxes as present or absent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub require_2fa: Option<String>,
    pub idle_minutes: String,
    pub absolute_hours: String,
    pub bind_ip: Option<String>,
    pub bind_user_agent: Option<String>,
    pub lockout_enabled: Option<String>,
    pub max_failures: String,
    pub window_minutes: String,
    pub lock_minutes: String,
    pub default_plan: String,
    pub maintenance_banner: String,
}

impl From<&SystemSettings> for SettingsForm {
    fn from(s: &SystemSettings) -> Self {
        let on = |b: bool| b.then(|| "1".to_owned());
        SettingsForm {
            require_2fa: on(s.require_2fa),
            idle_minutes: s.session.idle_timeout.whole_minutes().to_string(),
            absolute_hours: s.session.absolute_timeout.whole_hours().to_string(),
            bind_ip: on(s.session.bind_ip),
            bind_user_agent: on(s.session.bind_user_agent),
            lockout_enabled: on(s.lockout.enabled),
            max_failures: s.lockout.max_failures.to_string(),
            window_minutes: s.lockout.window.whole_minutes().to_string(),
            lock_minutes: s.lockout.lock_duration.whole_minutes().to_string(),
            default_plan: s.default_plan.as_str().to_owned(),
            maintenance_banner: s.maintenance_banner.clone().unwrap_or_default(),
        }
    }
}

fn checkbox(name: &str, label: &str, on: bool) -> Markup {
    let id = format!("f-{name}");
    html! {
        label.inline for=(id) { input.check id=(id) type="checkbox" name=(name) value="1" checked[on]; (label) }
    }
}

pub fn page(ctx: &Ctx, f: &SettingsForm, errors: &FieldError) -> Markup {
    // Field names of the domain's errors, mapped onto the inputs that set them.
    let e = |domain_field: &str| errors.on(domain_field).map(|m| (domain_field.to_owned(), m.to_owned()));
    let at = |domain_field: &str| FieldError(e(domain_field));
    let known = [
        "session.idle_timeout",
        "session.absolute_timeout",
        "lockout.max_failures",
        "lockout.window",
        "lockout.lock_duration",
        "default_plan",
        "maintenance_banner",
    ];
    let renamed =
        |domain_field: &str, input: &str| FieldError(at(domain_field).0.map(|(_, m)| (input.to_owned(), m)));
    frame(
        "Settings",
        ctx,
        &html! {
            h1 { "Settings" }
            (form_error(errors.other(&known)))
            form.card method="post" action="/settings" {
                (csrf_input(&ctx.csrf))
                h2 { "Sign-in" }
                (checkbox("require_2fa", "Every admin must use two-factor authentication", f.require_2fa.is_some()))
                (field(Input::new("Idle timeout (minutes)", "idle_minutes", "number").value(&f.idle_minutes), &renamed("session.idle_timeout", "idle_minutes")))
                (field(Input::new("Absolute timeout (hours)", "absolute_hours", "number").value(&f.absolute_hours), &renamed("session.absolute_timeout", "absolute_hours")))
                (checkbox("bind_ip", "End a session when its IP address changes", f.bind_ip.is_some()))
                (checkbox("bind_user_agent", "End a session when its browser changes", f.bind_user_agent.is_some()))
                h2 { "Lockout" }
                (checkbox("lockout_enabled", "Lock accounts after repeated failures", f.lockout_enabled.is_some()))
                (field(Input::new("Failures before a lock", "max_failures", "number").value(&f.max_failures), &renamed("lockout.max_failures", "max_failures")))
                (field(Input::new("Counting window (minutes)", "window_minutes", "number").value(&f.window_minutes), &renamed("lockout.window", "window_minutes")))
                (field(Input::new("Lock length (minutes)", "lock_minutes", "number").value(&f.lock_minutes), &renamed("lockout.lock_duration", "lock_minutes")))
                h2 { "Tenants and panel" }
                label for="f-default_plan" { "Default plan" }
                select id="f-default_plan" name="default_plan" {
                    @for p in Plan::ALL { option value=(p.as_str()) selected[p.as_str() == f.default_plan] { (p.as_str()) } }
                }
                @if let Some(m) = errors.on("default_plan") { p.field-error { (m) } }
                (field(Input::new("Maintenance banner (empty for none)", "maintenance_banner", "text").value(&f.maintenance_banner).optional(), errors))
                button type="submit" { "Save settings" }
            }
        },
    )
}
