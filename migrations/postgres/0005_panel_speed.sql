-- Speed of the panel at 100,000 tenants (docs/performance.md).
--
-- `tenant_list_version`: one counter that every statement writing `tenants` bumps in its own
-- transaction, whichever process or instance writes. A searched list's matches are kept in
-- memory for the version they were read at, and a changed version retires them: exact, never
-- stale. A statement-level trigger, so a bulk load bumps it once per statement, not per row.
-- (Tenant writes already wait for each other on the audit chain's lock, so this one row adds
-- no waiting of its own.)

CREATE TABLE tenant_list_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO tenant_list_version (id, version) VALUES (1, 0);

CREATE FUNCTION tenant_list_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenant_list_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_list_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants
FOR EACH STATEMENT EXECUTE FUNCTION tenant_list_bump();
