//! `/tenants/bulk`: one action over the tenants chosen in the list. The GET is the
//! confirmation page (it lists the chosen tenants through `list_tenants` and asks for the
//! reason where one is needed); its POST runs `bulk_action`, all or nothing, and shows every
//! refusal if any tenant refuses.

use std::collections::BTreeSet;
use std::str::FromStr as _;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gatehouse_application::bulk_action::{self, BulkAction, BulkFailure};
use gatehouse_application::ports::{Page, TenantQuery};
use gatehouse_application::{Error, TenantRef, list_tenants};
use gatehouse_domain::{MfaMethod, Plan, TenantId};

use super::{ListParams, fields, value, values};
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::Ctx;
use crate::views::components::FieldError;
use crate::views::tenants::Flash;
use crate::views::tenants::bulk::{Confirm, page};

/// The most tenants one confirmation lists (one list page at most).
const MAX_CHOSEN: u32 = list_tenants::MAX_LIMIT;

/// The action picked in the list, before its reason is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Activate,
    Suspend,
    Cancel,
    Plan(Plan),
    Enable(MfaMethod),
    Disable(MfaMethod),
}

impl Choice {
    pub fn parse(text: &str) -> Option<Choice> {
        Some(match text.split_once(':') {
            None => match text {
                "activate" => Choice::Activate,
                "suspend" => Choice::Suspend,
                "cancel" => Choice::Cancel,
                _ => return None,
            },
            Some(("plan", p)) => Choice::Plan(Plan::from_str(p).ok()?),
            Some(("enable", m)) => Choice::Enable(MfaMethod::from_str(m).ok()?),
            Some(("disable", m)) => Choice::Disable(MfaMethod::from_str(m).ok()?),
            Some(_) => return None,
        })
    }

    /// The form value (`plan:basic`).
    pub fn code(self) -> String {
        match self {
            Choice::Activate => "activate".to_owned(),
            Choice::Suspend => "suspend".to_owned(),
            Choice::Cancel => "cancel".to_owned(),
            Choice::Plan(p) => format!("plan:{p}"),
            Choice::Enable(m) => format!("enable:{m}"),
            Choice::Disable(m) => format!("disable:{m}"),
        }
    }

    /// What the confirmation names (`Change plan to basic`).
    pub fn label(self) -> String {
        match self {
            Choice::Activate => "Activate".to_owned(),
            Choice::Suspend => "Suspend".to_owned(),
            Choice::Cancel => "Cancel".to_owned(),
            Choice::Plan(p) => format!("Change plan to {p}"),
            Choice::Enable(m) => format!("Enable {}", m.label()),
            Choice::Disable(m) => format!("Disable {}", m.label()),
        }
    }

    pub fn needs_reason(self) -> bool {
        matches!(self, Choice::Suspend | Choice::Cancel)
    }

    fn action(self, reason: &str) -> BulkAction {
        let reason = reason.to_owned();
        match self {
            Choice::Activate => BulkAction::Activate,
            Choice::Suspend => BulkAction::Suspend { reason },
            Choice::Cancel => BulkAction::Cancel { reason },
            Choice::Plan(p) => BulkAction::ChangePlan(p),
            Choice::Enable(m) => BulkAction::EnableMethod(m),
            Choice::Disable(m) => BulkAction::DisableMethod(m),
        }
    }
}

/// What the list or the confirmation sent: chosen ids, action, reason, the list to go back to.
struct Chosen {
    ids: BTreeSet<TenantId>,
    choice: Option<Choice>,
    reason: String,
    back: ListParams,
}

fn chosen(fields: &[(String, String)]) -> Chosen {
    Chosen {
        ids: values(fields, "t").filter_map(|t| t.parse::<TenantId>().ok()).collect(),
        choice: Choice::parse(value(fields, "action")),
        reason: value(fields, "reason").to_owned(),
        back: ListParams::parse(Some(value(fields, "back"))),
    }
}

/// Renders the confirmation for `c`, listing the chosen tenants through the use case.
async fn render(
    state: &AppState,
    ctx: &Ctx,
    auth: &Full,
    c: &Chosen,
    problem: (&FieldError, &[BulkFailure]),
    status: StatusCode,
) -> Result<Response, AppError> {
    let tenants = if c.ids.is_empty() || c.ids.len() > MAX_CHOSEN as usize {
        Vec::new()
    } else {
        let query = TenantQuery {
            only: Some(c.ids.clone()),
            page: Page { limit: MAX_CHOSEN, offset: 0 },
            ..TenantQuery::default()
        };
        list_tenants::run(&state.ports, &auth.0.actor, query).await?.items
    };
    let (errors, failures) = problem;
    let view = Confirm {
        choice: c.choice,
        tenants: &tenants,
        asked: c.ids.len(),
        too_many: c.ids.len() > MAX_CHOSEN as usize,
        reason: &c.reason,
        back: &c.back,
        errors,
        failures,
    };
    let status = if status == StatusCode::OK && (tenants.is_empty() || c.choice.is_none()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
    };
    Ok((status, page(ctx, &view)).into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Full,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> =
        raw.as_deref().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let c = chosen(&pairs);
    render(&state, &ctx, &auth, &c, (&FieldError::default(), &[]), StatusCode::OK).await
}

pub async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Full,
    body: Bytes,
) -> Result<Response, AppError> {
    let c = chosen(&fields(&body));
    let Some(choice) = c.choice else {
        let e = FieldError::new("action", "Choose an action.");
        return render(&state, &ctx, &auth, &c, (&e, &[]), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let request = bulk_action::Request {
        tenants: c.ids.iter().copied().map(TenantRef::from).collect(),
        action: choice.action(&c.reason),
    };
    match bulk_action::run(&state.ports, &auth.0.actor, request).await {
        Ok(outcome) => {
            let done = Flash::Bulk {
                changed: outcome.changed.len() as u64,
                unchanged: outcome.unchanged.len() as u64,
            };
            let list = c.back.href("/tenants");
            let sep = if list.contains('?') { '&' } else { '?' };
            Ok(Redirect::to(&format!("{list}{sep}{}", done.query())).into_response())
        }
        Err(Error::Bulk(failures)) => {
            render(
                &state,
                &ctx,
                &auth,
                &c,
                (&FieldError::default(), &failures),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => match field_error(&e) {
            Some(errors) => {
                render(&state, &ctx, &auth, &c, (&errors, &[]), StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => Err(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_and_refuse_unknown_values() {
        for c in [
            Choice::Activate,
            Choice::Suspend,
            Choice::Cancel,
            Choice::Plan(Plan::Premium),
            Choice::Enable(MfaMethod::Sms),
            Choice::Disable(MfaMethod::EmailOtp),
        ] {
            assert_eq!(Choice::parse(&c.code()), Some(c));
        }
        for bad in ["", "delete", "plan:", "plan:gold", "enable:carrier-pigeon", "x:y", "activate:1"] {
            assert_eq!(Choice::parse(bad), None, "{bad}");
        }
    }
}
