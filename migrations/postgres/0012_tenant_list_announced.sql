-- The tenant-list version, announced (docs/performance.md, "The API list").
--
-- Every bump of `tenant_list_version` (migration 0005) now also sends the new version on the
-- `gatehouse_tenant_list` channel. A notification is delivered only after its transaction
-- commits, so a server that listens learns of a bump once it is visible, and its tenant lists
-- need not read the version before every call (`adapters/src/storage/postgres/list_version.rs`).
-- Bulk loads bump once per statement, so they announce once per statement too.

CREATE OR REPLACE FUNCTION tenant_list_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bumped BIGINT;
BEGIN
    UPDATE tenant_list_version SET version = version + 1 WHERE id = 1 RETURNING version INTO bumped;
    PERFORM pg_notify('gatehouse_tenant_list', bumped::text);
    RETURN NULL;
END;
$$;
