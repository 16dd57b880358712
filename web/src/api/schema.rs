//! OpenAPI schemas of the domain's keyword enums (plans, statuses, methods, …), built from the
//! domain's own lists so a new variant shows up in the document by itself. The domain stays
//! free of the OpenAPI library; the API's bodies use its types with these schemas.

use gatehouse_domain::{AdvancedFeature, MfaMethod, Permission, Plan, TenantStatus};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};

fn strings(values: impl IntoIterator<Item = &'static str>, description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

fn array_of(item: Schema) -> Schema {
    ArrayBuilder::new().items(RefOr::T(item)).unique_items(true).into()
}

pub fn plan() -> Schema {
    strings(Plan::ALL.iter().map(|p| p.as_str()), "A plan.")
}

pub fn status() -> Schema {
    strings(TenantStatus::ALL.iter().map(|s| s.as_str()), "A tenant's status.")
}

pub fn method() -> Schema {
    strings(MfaMethod::ALL.iter().map(|m| m.as_str()), "An MFA method.")
}

pub fn methods() -> Schema {
    array_of(method())
}

pub fn feature() -> Schema {
    strings(AdvancedFeature::ALL.iter().map(|f| f.as_str()), "An advanced feature.")
}

pub fn features() -> Schema {
    array_of(feature())
}

pub fn permissions() -> Schema {
    array_of(strings(Permission::ALL.iter().map(|p| p.as_str()), "A permission."))
}

/// A `(name, schema)` pair for a type no handler names, to add to the components by hand.
pub fn named<T: ToSchema>() -> (String, RefOr<Schema>) {
    (T::name().into_owned(), T::schema())
}
