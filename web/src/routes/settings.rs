//! The system settings (`/settings`, owners): 2FA requirement, session and lockout policies,
//! default plan, maintenance banner. Edited in minutes and hours; validated by the domain.

use std::str::FromStr as _;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use gatehouse_application::manage_settings;
use gatehouse_domain::settings::SystemSettings;
use gatehouse_domain::{Plan, ValidationError};
use time::Duration;

use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::components::FieldError;
use crate::views::{Ctx, settings as view};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(show).post(save))
}

async fn show(State(state): State<AppState>, ctx: Ctx, Full(auth): Full) -> Result<Response, AppError> {
    let settings = manage_settings::get(&state.ports, &auth.actor).await?;
    Ok(view::page(&ctx, &view::SettingsForm::from(&settings), &FieldError::default()).into_response())
}

fn number(field: &'static str, text: &str) -> Result<i64, ValidationError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=1_000_000).contains(n))
        .ok_or_else(|| ValidationError::new(field, "must be a whole number"))
}

/// Applies the form to `settings`.
fn apply(form: &view::SettingsForm, s: &mut SystemSettings) -> Result<(), ValidationError> {
    s.require_2fa = form.require_2fa.is_some();
    s.session.idle_timeout = Duration::minutes(number("session.idle_timeout", &form.idle_minutes)?);
    s.session.absolute_timeout = Duration::hours(number("session.absolute_timeout", &form.absolute_hours)?);
    s.session.bind_ip = form.bind_ip.is_some();
    s.session.bind_user_agent = form.bind_user_agent.is_some();
    s.lockout.enabled = form.lockout_enabled.is_some();
    s.lockout.max_failures =
        u32::try_from(number("lockout.max_failures", &form.max_failures)?).unwrap_or(u32::MAX);
    s.lockout.window = Duration::minutes(number("lockout.window", &form.window_minutes)?);
    s.lockout.lock_duration = Duration::minutes(number("lockout.lock_duration", &form.lock_minutes)?);
    s.default_plan = Plan::from_str(&form.default_plan)
        .map_err(|_| ValidationError::new("default_plan", "unknown plan"))?;
    s.maintenance_banner = Some(form.maintenance_banner.clone());
    Ok(())
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Form(form): Form<view::SettingsForm>,
) -> Result<Response, AppError> {
    let mut settings = manage_settings::get(&state.ports, &auth.actor).await?;
    let result = match apply(&form, &mut settings) {
        Ok(()) => manage_settings::update(&state.ports, &auth.actor, settings).await.map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings?notice=saved").into_response()),
        Err(e) => match field_error(&e) {
            Some(errors) => {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::page(&ctx, &form, &errors)).into_response())
            }
            None => Err(e.into()),
        },
    }
}
