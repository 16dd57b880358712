-- Index-backed tenant search. The tenant list's text search is a case-insensitive substring
-- match, `search LIKE '%…%'`, over the lower-cased `search` column (name, slug, hostnames); a
-- B-tree cannot serve a leading wildcard, so it scanned every tenant. pg_trgm's GIN operator
-- class indexes every three-character sequence of the column and serves `LIKE '%abc%'` for
-- patterns of three or more characters, with the same SQL and the same results.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13: the
-- owner of the database may create it without being a superuser. Where it is not installed
-- or not allowed, a DBA creates it once (`CREATE EXTENSION pg_trgm;` in this database) before
-- migrating; see docs/design.md.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Built from the rows that exist: nothing else to backfill.
CREATE INDEX tenants_search_trgm_idx ON tenants USING gin (search gin_trgm_ops);
