//! `/tenants/{id-or-slug}` and its forms: status, plan (preview, then apply), domains and
//! features. Each form calls one use case and comes back to the page with a flash, or shows
//! the page again with the error next to its field and what was typed.
//!
//! Optimistic concurrency: every form carries the version of the tenant it was filled in
//! against. Before acting, the handler reads the tenant through `show_tenant` and, if the
//! version moved on, acts on nothing and shows the fresh data with "changed by someone else
//! — reloaded" (409). A `VersionConflict` from the use case itself (a save in between) is
//! shown the same way. The use cases take no expected version yet, so a save that lands
//! between the check and the use case's own read is not caught here (the use cases should
//! take the expected version; until then this guard catches the common case of an old page).

use std::str::FromStr as _;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gatehouse_application::ports::{AuditQuery, OutboxQuery};
use gatehouse_application::show_tenant::{self, TenantDetails};
use gatehouse_application::update_features::{self, Update};
use gatehouse_application::{
    Error, TenantRef, audit_query, change_plan, change_tenant_status, manage_domains, manage_outbox,
};
use gatehouse_domain::{Actor, Plan, TenantStatus, ValidationError};

use super::{fields, tenant_ref, value};
use crate::AppState;
use crate::auth::Full;
use crate::errors::AppError;
use crate::routes::field_error;
use crate::views::Ctx;
use crate::views::components::FieldError;
use crate::views::tenants::Flash;
use crate::views::tenants::detail::{self as view, AuditTrail, Detail, Problem, Section};
use crate::views::tenants::features::FeaturesForm;
use crate::views::tenants::notifications::{SHOWN, TenantMessages};

/// Audit events shown on the page.
const AUDIT_EVENTS: u32 = 20;

/// What was typed into the page's forms, kept when a form is refused.
#[derive(Debug, Default)]
struct Typed {
    reason: String,
    hostname: String,
    features: Option<FeaturesForm>,
}

/// The tenant's newest audit events, if the admin may read the audit trail.
async fn trail(state: &AppState, actor: &Actor, details: &TenantDetails) -> Result<AuditTrail, AppError> {
    let query = AuditQuery { tenant: Some(details.tenant.id), limit: AUDIT_EVENTS, ..AuditQuery::default() };
    match audit_query::run(&state.ports, actor, query).await {
        Ok(records) => Ok(AuditTrail::Shown(records)),
        // Seeing a tenant does not imply reading the audit trail (support): the page still shows.
        Err(e) if e.is_forbidden() => Ok(AuditTrail::NotAllowed),
        Err(e) => Err(e.into()),
    }
}

/// The tenant's newest outbox messages (notifications and upstream pushes).
async fn messages(
    state: &AppState,
    actor: &Actor,
    details: &TenantDetails,
) -> Result<TenantMessages, AppError> {
    let query = OutboxQuery { tenant: Some(details.tenant.id), limit: SHOWN, ..OutboxQuery::default() };
    match manage_outbox::list(&state.ports, actor, query).await {
        Ok(entries) => Ok(TenantMessages::Shown(entries)),
        Err(e) if e.is_forbidden() => Ok(TenantMessages::NotAllowed),
        Err(e) => Err(e.into()),
    }
}

/// Renders the page of `details`.
async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    details: &TenantDetails,
    (status, flash, conflict): (StatusCode, Option<Flash>, bool),
    problem: Option<&Problem>,
    typed: &Typed,
) -> Result<Response, AppError> {
    let audit = trail(state, actor, details).await?;
    let keys = super::keys::load(state, actor, &details.tenant).await?;
    let notifications = messages(state, actor, details).await?;
    let detail = Detail {
        details,
        audit: &audit,
        notifications: &notifications,
        flash,
        conflict,
        problem,
        reason: &typed.reason,
        hostname: &typed.hostname,
        features: typed.features.as_ref(),
        keys: &keys,
    };
    Ok((status, view::page(ctx, &detail)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let details = show_tenant::run(&state.ports, &auth.actor, &tenant_ref(&tenant)?).await?;
    let flash = Flash::from_query(raw.as_deref());
    render(&state, &ctx, &auth.actor, &details, (StatusCode::OK, flash, false), None, &Typed::default()).await
}

/// Why a form did not save.
enum Refusal {
    /// The form was filled in against an older version (or the use case met a newer one).
    Stale,
    /// The use case refused with an error that belongs next to a field.
    Field(FieldError),
}

/// Runs `op` on the tenant and the form's version if that is still the tenant's; a refusal that is not
/// the client's doing at a field (permission, storage) becomes the error page.
async fn attempt<T, F>(
    details: &TenantDetails,
    fields: &[(String, String)],
    op: F,
) -> Result<Result<T, Refusal>, AppError>
where
    F: AsyncFnOnce(TenantRef, Option<i64>) -> gatehouse_application::Result<T>,
{
    let version = value(fields, "version").trim().parse::<i64>().ok();
    if version != Some(details.tenant.version) {
        return Ok(Err(Refusal::Stale));
    }
    // The use case checks the version again against what it loads, closing the gap since
    // `details` was read.
    match op(TenantRef::from(details.tenant.id), version).await {
        Ok(out) => Ok(Ok(out)),
        Err(Error::VersionConflict(_)) => Ok(Err(Refusal::Stale)),
        Err(e) => field_error(&e).map(|f| Err(Refusal::Field(f))).ok_or_else(|| e.into()),
    }
}

/// The answer to a tenant form: back to the page with a flash, or the page again.
async fn finish(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    details: &TenantDetails,
    outcome: Result<Flash, Refusal>,
    section: Section,
    typed: &Typed,
) -> Result<Response, AppError> {
    match outcome {
        Ok(flash) => {
            Ok(Redirect::to(&format!("{}?{}", view::path(&details.tenant), flash.query())).into_response())
        }
        Err(Refusal::Stale) => {
            let fresh = show_tenant::run(&state.ports, actor, &TenantRef::from(details.tenant.id)).await?;
            render(state, ctx, actor, &fresh, (StatusCode::CONFLICT, None, true), None, &Typed::default())
                .await
        }
        Err(Refusal::Field(error)) => {
            let problem = Problem { section, error };
            let status = (StatusCode::UNPROCESSABLE_ENTITY, None, false);
            render(state, ctx, actor, details, status, Some(&problem), typed).await
        }
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = fields(&body);
    let r = tenant_ref(&tenant)?;
    let reason = value(&fields, "reason").to_owned();
    let to = TenantStatus::from_str(value(&fields, "to"));
    let version = value(&fields, "version").to_owned();
    let cancelling = to == Ok(TenantStatus::Cancelled);
    if cancelling && value(&fields, "confirmed") != "yes" {
        let q = serde_urlencoded::to_string([("version", version.as_str())]).unwrap_or_default();
        return Ok(Redirect::to(&format!("/tenants/{r}/cancel?{q}")).into_response());
    }
    let details = show_tenant::run(&state.ports, &auth.actor, &r).await?;
    let outcome = attempt(&details, &fields, async |tenant, expected_version| {
        let to = to.clone()?;
        let reason = Some(reason.trim().to_owned()).filter(|s| !s.is_empty());
        let req = change_tenant_status::Request { tenant, to, reason, expected_version };
        change_tenant_status::run(&state.ports, &auth.actor, req).await.map(|_| Flash::StatusChanged)
    })
    .await?;
    if cancelling && let Err(Refusal::Field(errors)) = &outcome {
        let page =
            view::cancel_confirm(&ctx, &tenant, &view::path(&details.tenant), &version, &reason, errors);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let typed = Typed { reason: if cancelling { String::new() } else { reason.clone() }, ..Typed::default() };
    finish(&state, &ctx, &auth.actor, &details, outcome, Section::Status, &typed).await
}

/// The `version` of a GET form's query.
fn query_version(raw: Option<&str>) -> String {
    let pairs: Vec<(String, String)> =
        raw.and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    value(&pairs, "version").to_owned()
}

pub async fn confirm_cancel(
    ctx: Ctx,
    Full(_): Full,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let r = tenant_ref(&tenant)?;
    let base = format!("/tenants/{r}");
    let version = query_version(raw.as_deref());
    Ok(view::cancel_confirm(&ctx, &tenant, &base, &version, "", &FieldError::default()).into_response())
}

pub async fn preview_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let r = tenant_ref(&tenant)?;
    let pairs: Vec<(String, String)> =
        raw.as_deref().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
    let plan = Plan::from_str(value(&pairs, "plan")).map_err(Error::from)?;
    let switched_off = change_plan::preview(&state.ports, &auth.actor, &r, plan).await?;
    let base = format!("/tenants/{r}");
    let version = value(&pairs, "version");
    Ok(view::plan_preview(&ctx, &tenant, &base, plan, version, &switched_off).into_response())
}

pub async fn change_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = fields(&body);
    let details = show_tenant::run(&state.ports, &auth.actor, &tenant_ref(&tenant)?).await?;
    let outcome = attempt(&details, &fields, async |tenant, expected_version| {
        let plan = Plan::from_str(value(&fields, "plan"))?;
        let req = change_plan::Request { tenant, plan, expected_version };
        change_plan::run(&state.ports, &auth.actor, req).await.map(|_| Flash::PlanChanged)
    })
    .await?;
    finish(&state, &ctx, &auth.actor, &details, outcome, Section::Plan, &Typed::default()).await
}

pub async fn domains(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = fields(&body);
    let hostname = value(&fields, "hostname").to_owned();
    let details = show_tenant::run(&state.ports, &auth.actor, &tenant_ref(&tenant)?).await?;
    let action = match value(&fields, "action") {
        "add" => Some(manage_domains::Action::Add),
        "remove" => Some(manage_domains::Action::Remove),
        "primary" => Some(manage_domains::Action::SetPrimary),
        _ => None,
    };
    let outcome = attempt(&details, &fields, async |tenant, expected_version| {
        let action = action.ok_or_else(|| ValidationError::new("action", "unknown domain action"))?;
        let req = manage_domains::Request { tenant, action, hostname: hostname.clone(), expected_version };
        manage_domains::run(&state.ports, &auth.actor, req).await.map(|_| Flash::DomainsChanged)
    })
    .await?;
    let typed = Typed {
        hostname: if action == Some(manage_domains::Action::Add) { hostname.clone() } else { String::new() },
        ..Typed::default()
    };
    finish(&state, &ctx, &auth.actor, &details, outcome, Section::Domains, &typed).await
}

pub async fn features(
    State(state): State<AppState>,
    ctx: Ctx,
    Full(auth): Full,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = fields(&body);
    let form = FeaturesForm::from_fields(&fields);
    let details = show_tenant::run(&state.ports, &auth.actor, &tenant_ref(&tenant)?).await?;
    let outcome = attempt(&details, &fields, async |tenant, expected_version| {
        let req = update_features::Request {
            tenant,
            update: Update::Replace(form.to_features()?),
            expected_version,
        };
        update_features::run(&state.ports, &auth.actor, req).await.map(|_| Flash::FeaturesSaved)
    })
    .await?;
    let typed = Typed { features: Some(form.clone()), ..Typed::default() };
    finish(&state, &ctx, &auth.actor, &details, outcome, Section::Features, &typed).await
}
