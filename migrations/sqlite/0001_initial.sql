-- Gatehouse schema, SQLite dialect. Timestamps are INTEGER unix microseconds (exact and
-- ordered); days are 'YYYY-MM-DD' text; UUIDs are 16-byte blobs; JSON is text.

CREATE TABLE tenants (
    id            BLOB PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    -- lower-cased name: the case-insensitive sort key of the tenant list
    name_key      TEXT NOT NULL,
    slug          TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_rank   INTEGER NOT NULL,
    status_reason TEXT,
    plan          TEXT NOT NULL,
    plan_rank     INTEGER NOT NULL,
    features      TEXT NOT NULL,
    -- lower-cased name, slug and hostnames, for substring search
    search        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT tenants_slug_key UNIQUE (slug)
);
CREATE INDEX tenants_name_idx ON tenants (name_key, id);
CREATE INDEX tenants_slug_idx ON tenants (slug, id);
CREATE INDEX tenants_created_idx ON tenants (created_at, id);
CREATE INDEX tenants_plan_idx ON tenants (plan_rank, id);
CREATE INDEX tenants_status_idx ON tenants (status_rank, id);

CREATE TABLE tenant_domains (
    hostname   TEXT PRIMARY KEY NOT NULL,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    is_primary INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    added_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX tenant_domains_tenant_idx ON tenant_domains (tenant_id, position);
CREATE UNIQUE INDEX tenant_domains_one_primary ON tenant_domains (tenant_id) WHERE is_primary;

-- Not bound to tenants by a foreign key so the demo seed's millions of rows load fast;
-- tenants are never deleted (cancelled is a status).
CREATE TABLE usage_daily (
    tenant_id       BLOB NOT NULL,
    day             TEXT NOT NULL,
    auth_attempts   INTEGER NOT NULL,
    auth_successes  INTEGER NOT NULL,
    auth_failures   INTEGER NOT NULL,
    active_users    INTEGER NOT NULL,
    api_calls       INTEGER NOT NULL,
    sms_sent        INTEGER NOT NULL,
    emails_sent     INTEGER NOT NULL,
    avg_response_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
) WITHOUT ROWID;

CREATE TABLE usage_system_daily (
    day                  TEXT PRIMARY KEY NOT NULL,
    auth_attempts        INTEGER NOT NULL,
    auth_successes       INTEGER NOT NULL,
    auth_failures        INTEGER NOT NULL,
    active_users         INTEGER NOT NULL,
    api_calls            INTEGER NOT NULL,
    sms_sent             INTEGER NOT NULL,
    emails_sent          INTEGER NOT NULL,
    -- sum of avg_response_ms * auth_attempts: the day's mean is this / auth_attempts
    response_ms_weighted INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE admins (
    id            BLOB PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    status        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_enabled  INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT admins_username_key UNIQUE (username)
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY NOT NULL,
    id          BLOB NOT NULL UNIQUE,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    tenant_id   BLOB,
    outcome     TEXT NOT NULL,
    reason      TEXT,
    ip          TEXT,
    user_agent  TEXT,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, seq);
CREATE INDEX audit_log_kind_idx ON audit_log (kind, seq);
CREATE INDEX audit_log_outcome_idx ON audit_log (outcome, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_label, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The log is append-only: the application never changes or removes a record.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
