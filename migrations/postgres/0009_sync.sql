-- The tenant sync: what the MFA upstream last acknowledged for each tenant, and the sync runs.
CREATE TABLE upstream_links (
    tenant_id          UUID PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    sealed_tenant_key  BYTEA,
    -- The registration (with features) the upstream acknowledged, as JSON; NULL: never registered.
    acknowledged       TEXT,
    stats_through      DATE,
    synced_at          TIMESTAMPTZ,
    last_error         TEXT
);

-- `running` is 1 for the run making changes now and NULL otherwise: its UNIQUE constraint is
-- the lock that lets one run at a time across every instance.
CREATE TABLE sync_runs (
    id            UUID PRIMARY KEY,
    running       SMALLINT UNIQUE CHECK (running = 1),
    trigger_kind  TEXT NOT NULL,
    actor         TEXT NOT NULL,
    tenant_id     UUID,
    started_at    TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    total         BIGINT NOT NULL,
    synced        BIGINT NOT NULL,
    unchanged     BIGINT NOT NULL,
    failed        BIGINT NOT NULL,
    failures      TEXT NOT NULL,
    error         TEXT
);
CREATE INDEX sync_runs_started_idx ON sync_runs (started_at);
