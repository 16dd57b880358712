-- A filtered tenant list walks its sort order's index and checks the plan and status filters on
-- each entry when many tenants match (`Filtering::AlongOrder` in adapters/src/storage/filters.rs;
-- docs/performance.md). Each sort index carries both filter columns, so the check needs no read
-- of the tenant's row; and the plan and status indexes carry each other's column, so a rare
-- combination read through one of them is checked there too.
DROP INDEX tenants_name_idx;
DROP INDEX tenants_slug_idx;
DROP INDEX tenants_created_idx;
DROP INDEX tenants_plan_idx;
DROP INDEX tenants_status_idx;
CREATE INDEX tenants_name_idx ON tenants (name_key, id, plan_rank, status_rank);
CREATE INDEX tenants_slug_idx ON tenants (slug, id, plan_rank, status_rank);
CREATE INDEX tenants_created_idx ON tenants (created_at, id, plan_rank, status_rank);
CREATE INDEX tenants_plan_idx ON tenants (plan_rank, id, status_rank);
CREATE INDEX tenants_status_idx ON tenants (status_rank, id, plan_rank);
