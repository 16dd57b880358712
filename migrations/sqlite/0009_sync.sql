-- The tenant sync: what the MFA upstream last acknowledged for each tenant, and the sync runs.
CREATE TABLE upstream_links (
    tenant_id          BLOB PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sealed_tenant_key  BLOB,
    -- The registration (with features) the upstream acknowledged, as JSON; NULL: never registered.
    acknowledged       TEXT,
    stats_through      TEXT,
    synced_at          INTEGER,
    last_error         TEXT
) WITHOUT ROWID;

-- `running` is 1 for the run making changes now and NULL otherwise: its UNIQUE constraint is
-- the lock that lets one run at a time across every instance.
CREATE TABLE sync_runs (
    id            BLOB PRIMARY KEY NOT NULL,
    running       INTEGER UNIQUE CHECK (running = 1),
    trigger_kind  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    tenant_id     BLOB,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    finished_at   INTEGER,
    total         INTEGER NOT NULL,
    synced        INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    failures      TEXT NOT NULL,
    error         TEXT
);
CREATE INDEX sync_runs_started_idx ON sync_runs (started_at);
