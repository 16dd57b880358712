-- Speed of the panel at 100,000 tenants (docs/performance.md).
--
-- 1. `tenant_list`: the tenants' listing columns in a narrow table keyed like the FTS5 trigram
--    index (`tenant_search`, migration 0004), replacing `tenant_search_keys`. A searched list
--    reads its candidates here by the index's rowids: one integer-key lookup of a short row
--    each, where a lookup through `tenants` cost three (the FTS5 row for the tenant id, the
--    id's index, the wide row with its features JSON). Triggers keep it in step with every
--    write of `tenants`, bulk loads included, as they already kept the FTS5 index.
-- 2. `tenant_list_version`: one counter that every write of `tenants` bumps in its own
--    transaction, whichever process writes. A searched list's matches are kept in memory for
--    the version they were read at, and a changed version retires them: exact, never stale.

CREATE TABLE tenant_list (
    key         INTEGER PRIMARY KEY,
    id          BLOB NOT NULL UNIQUE,
    name_key    TEXT NOT NULL,
    slug        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    plan_rank   INTEGER NOT NULL,
    status_rank INTEGER NOT NULL,
    search      TEXT NOT NULL
);

-- The same keys as before, so the FTS5 rows still point at their tenants.
INSERT INTO tenant_list (key, id, name_key, slug, created_at, plan_rank, status_rank, search)
SELECT k.key, t.id, t.name_key, t.slug, t.created_at, t.plan_rank, t.status_rank, t.search
FROM tenant_search_keys k JOIN tenants t ON t.id = k.tenant_id;

CREATE TABLE tenant_list_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO tenant_list_version (id, version) VALUES (1, 0);

DROP TRIGGER tenants_search_insert;
DROP TRIGGER tenants_search_update;
DROP TRIGGER tenants_search_delete;
DROP TABLE tenant_search_keys;

CREATE TRIGGER tenants_list_insert AFTER INSERT ON tenants
BEGIN
    INSERT INTO tenant_list (id, name_key, slug, created_at, plan_rank, status_rank, search)
    VALUES (new.id, new.name_key, new.slug, new.created_at, new.plan_rank, new.status_rank, new.search);
    INSERT INTO tenant_search (rowid, search, tenant_id)
    VALUES ((SELECT key FROM tenant_list WHERE id = new.id), new.search, new.id);
    UPDATE tenant_list_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER tenants_list_update AFTER UPDATE ON tenants
BEGIN
    UPDATE tenant_list SET id = new.id, name_key = new.name_key, slug = new.slug,
        created_at = new.created_at, plan_rank = new.plan_rank, status_rank = new.status_rank,
        search = new.search
    WHERE id = old.id;
    UPDATE tenant_list_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER tenants_list_search_update AFTER UPDATE OF search ON tenants
WHEN old.search IS NOT new.search
BEGIN
    UPDATE tenant_search SET search = new.search
    WHERE rowid = (SELECT key FROM tenant_list WHERE id = new.id);
END;

-- Tenants are never deleted today (cancelled is a status); the index must not outlive a row
-- removed by hand.
CREATE TRIGGER tenants_list_delete AFTER DELETE ON tenants
BEGIN
    DELETE FROM tenant_search WHERE rowid = (SELECT key FROM tenant_list WHERE id = old.id);
    DELETE FROM tenant_list WHERE id = old.id;
    UPDATE tenant_list_version SET version = version + 1 WHERE id = 1;
END;
