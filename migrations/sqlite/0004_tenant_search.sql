-- Index-backed tenant search. The tenant list's text search is a case-insensitive substring
-- match, `search LIKE '%…%'`, over the lower-cased `search` column (name, slug, hostnames); a
-- B-tree cannot serve a leading wildcard, so it scanned every tenant. An FTS5 table with the
-- trigram tokenizer indexes every three-character sequence of that column: the adapter asks
-- it for the candidates of an input of three or more characters (a quoted phrase, which is a
-- substring match), and keeps the `LIKE` on `tenants` as the exact predicate.
--
-- The FTS rows are keyed by `tenant_search_keys.key`, an INTEGER PRIMARY KEY, rather than by
-- the tenants' implicit rowid, which VACUUM may renumber (tenants has a BLOB primary key). The
-- triggers below keep both tables in step with every write of tenants, bulk loads included.

CREATE TABLE tenant_search_keys (
    key       INTEGER PRIMARY KEY,
    tenant_id BLOB NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE tenant_search USING fts5(search, tenant_id UNINDEXED, tokenize = 'trigram');

CREATE TRIGGER tenants_search_insert AFTER INSERT ON tenants
BEGIN
    INSERT INTO tenant_search_keys (tenant_id) VALUES (new.id);
    INSERT INTO tenant_search (rowid, search, tenant_id)
    VALUES ((SELECT key FROM tenant_search_keys WHERE tenant_id = new.id), new.search, new.id);
END;

CREATE TRIGGER tenants_search_update AFTER UPDATE OF search ON tenants
WHEN old.search IS NOT new.search
BEGIN
    UPDATE tenant_search SET search = new.search
    WHERE rowid = (SELECT key FROM tenant_search_keys WHERE tenant_id = new.id);
END;

-- Tenants are never deleted today (cancelled is a status); the index must not outlive a row
-- removed by hand.
CREATE TRIGGER tenants_search_delete AFTER DELETE ON tenants
BEGIN
    DELETE FROM tenant_search WHERE rowid = (SELECT key FROM tenant_search_keys WHERE tenant_id = old.id);
    DELETE FROM tenant_search_keys WHERE tenant_id = old.id;
END;

-- Backfill the tenants that exist.
INSERT INTO tenant_search_keys (tenant_id) SELECT id FROM tenants ORDER BY id;
INSERT INTO tenant_search (rowid, search, tenant_id)
SELECT k.key, t.search, t.id FROM tenant_search_keys k JOIN tenants t ON t.id = k.tenant_id;
