//! The tenant pages of the panel end to end, over real HTTP with a real cookie jar, on SQLite
//! and (when `GATEHOUSE_TEST_DATABASE_URL` is set) PostgreSQL: the list and its filters, sort,
//! pages, bulk actions and CSV export; registration; one tenant's page and its forms; and the
//! guards every form has (permissions S24/S26, CSRF S22, escaping, `no-store` S21).

#[macro_use]
extern crate gatehouse_tests;

#[path = "panel_tenants/bulk_export.rs"]
mod bulk_export;
#[path = "panel_tenants/detail.rs"]
mod detail;
#[path = "panel_tenants/guards.rs"]
mod guards;
#[path = "panel_tenants/list.rs"]
mod list;
#[path = "panel_tenants/register.rs"]
mod register;
#[path = "panel_tenants/support.rs"]
mod support;
