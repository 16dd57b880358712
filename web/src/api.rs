//! The JSON API under `/api/v1/`: the panel's use cases for integrations, with bearer API keys
//! (S29), `application/problem+json` errors (RFC 9457), per-key rate limits and an OpenAPI 3.1
//! document generated from the handlers themselves.
//!
//! Every route is registered through `utoipa_axum::routes!`, so the router and the document
//! are built from the same list and cannot drift apart; [`openapi`] then adds what every
//! operation shares (the bearer scheme and the error responses) in one place.

pub mod caller;
pub mod extract;
pub mod idempotency;
pub mod keys;
pub mod log;
pub mod problem;
pub mod reports;
pub mod schema;
pub mod support;
pub mod sync;
pub mod system;
pub mod tenants;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, HttpMethod, OpenApi, RefOr, Response, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::errors::AppError;

/// Paths under this prefix are the API's: errors there are problem documents.
pub const PREFIX: &str = "/api/";
/// Where the API's version 1 lives.
pub const BASE: &str = "/api/v1";
/// The OpenAPI document: public, so that clients and tools can read it without a key.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
/// The largest request body the API accepts (bulk actions name up to 10,000 tenants).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Every API route with its document, before the shared parts are added.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(tenants::router())
        .merge(reports::router())
        .merge(system::router())
        .merge(keys::router())
        .merge(support::router())
        .merge(sync::router())
}

/// The API's OpenAPI document.
pub fn openapi() -> OpenApi {
    let (_, api) = OpenApiRouter::<AppState>::new().nest(BASE, routes()).split_for_parts();
    complete(api)
}

/// The API's routes, authenticated by [`caller::middleware`].
pub fn router(state: &AppState) -> axum::Router<AppState> {
    let (router, api) = OpenApiRouter::new().nest(BASE, routes()).split_for_parts();
    let document = complete(api);
    router
        .route(OPENAPI_PATH, get(move || async move { Json(document.clone()) }))
        .route(&format!("{BASE}/{{*rest}}"), axum::routing::any(no_such_path))
        .method_not_allowed_fallback(method_not_allowed)
        // Innermost first: the key is known before idempotency, and the log sees everything.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::middleware))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), caller::middleware))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), log::middleware))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// What unknown paths under the API answer (after authentication, like every API route).
pub const NO_SUCH_PATH: &str = "There is no such API path; see /api/v1/openapi.json.";

async fn no_such_path() -> AppError {
    AppError::Rejected { status: StatusCode::NOT_FOUND, message: NO_SUCH_PATH.to_owned() }
}

async fn method_not_allowed() -> AppError {
    AppError::Rejected {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: "This path does not take that method; see /api/v1/openapi.json.".to_owned(),
    }
}

/// The error responses an operation can give, by status: every operation can be refused for
/// its key (401, 403), its rate (429), a malformed (400) or invalid (422) parameter and a
/// missing record (404); a write also for a conflicting write (409); one with a body also for
/// the body (413, 415).
fn error_statuses(method: &HttpMethod, op: &Operation) -> Vec<(u16, &'static str)> {
    let mut statuses = vec![
        (400, "The request is malformed: a parameter or the body does not parse."),
        (401, "No valid API key: missing, unknown, expired or revoked."),
        (403, "The key lacks the permission, or the tenant is outside its restriction."),
        (404, "No such record."),
        (422, "The request does not pass validation (`errors` names the fields); nothing was written."),
        (429, "Over the key's rate limit; see `Retry-After`."),
        (500, "Gatehouse failed; the problem names the request id."),
    ];
    if *method != HttpMethod::Get {
        statuses.push((
            409,
            "A uniqueness rule or the record's version was broken, or the same Idempotency-Key is still running; nothing was written.",
        ));
    }
    if op.request_body.is_some() {
        statuses.extend([(413, "The body is too large."), (415, "The body is not `application/json`.")]);
    }
    statuses
}

/// Adds the bearer scheme, each operation's security requirement and error responses.
fn complete(mut api: OpenApi) -> OpenApi {
    "Gatehouse API".clone_into(&mut api.info.title);
    "1".clone_into(&mut api.info.version);
    api.info.description = Some(
        "The control panel of an MFA service as JSON: tenants, features, usage, billing, audit. \
         Authenticate with `Authorization: Bearer <API key>`; errors are `application/problem+json`."
            .to_owned(),
    );
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("gh_…").build()),
    );
    let problem = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"));
    for (name, schema) in [schema::named::<problem::Problem>(), schema::named::<problem::FieldProblem>()] {
        components.schemas.insert(name, schema);
    }
    for item in api.paths.paths.values_mut() {
        for (method, op) in operations(item) {
            op.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
            for (status, description) in error_statuses(&method, op) {
                let response: Response = ResponseBuilder::new()
                    .description(description)
                    .content(problem::CONTENT_TYPE, Content::new(Some(problem.clone())))
                    .build();
                op.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
            }
        }
    }
    api
}

/// The operations of a path item, with their methods.
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, &mut item.get),
        (HttpMethod::Put, &mut item.put),
        (HttpMethod::Post, &mut item.post),
        (HttpMethod::Delete, &mut item.delete),
        (HttpMethod::Patch, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}
