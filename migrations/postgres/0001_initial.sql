-- Gatehouse schema, PostgreSQL dialect. Text that is sorted or searched uses the "C"
-- collation so the order matches SQLite's byte order; JSON is TEXT (not jsonb) so the audit
-- chain re-hashes exactly the bytes that were stored.

CREATE TABLE tenants (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL,
    -- lower-cased name: the case-insensitive sort key of the tenant list
    name_key      TEXT COLLATE "C" NOT NULL,
    slug          TEXT COLLATE "C" NOT NULL,
    contact_email TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_rank   SMALLINT NOT NULL,
    status_reason TEXT,
    plan          TEXT NOT NULL,
    plan_rank     SMALLINT NOT NULL,
    features      TEXT NOT NULL,
    -- lower-cased name, slug and hostnames, for substring search
    search        TEXT COLLATE "C" NOT NULL,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT tenants_slug_key UNIQUE (slug)
);
CREATE INDEX tenants_name_idx ON tenants (name_key, id);
CREATE INDEX tenants_slug_idx ON tenants (slug, id);
CREATE INDEX tenants_created_idx ON tenants (created_at, id);
CREATE INDEX tenants_plan_idx ON tenants (plan_rank, id);
CREATE INDEX tenants_status_idx ON tenants (status_rank, id);

CREATE TABLE tenant_domains (
    hostname   TEXT COLLATE "C" NOT NULL,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    is_primary BOOLEAN NOT NULL,
    position   INTEGER NOT NULL,
    added_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT tenant_domains_hostname_key PRIMARY KEY (hostname)
);
CREATE INDEX tenant_domains_tenant_idx ON tenant_domains (tenant_id, position);
CREATE UNIQUE INDEX tenant_domains_one_primary ON tenant_domains (tenant_id) WHERE is_primary;

-- Not bound to tenants by a foreign key so the demo seed's millions of rows load fast;
-- tenants are never deleted (cancelled is a status).
CREATE TABLE usage_daily (
    tenant_id       UUID NOT NULL,
    day             DATE NOT NULL,
    auth_attempts   BIGINT NOT NULL,
    auth_successes  BIGINT NOT NULL,
    auth_failures   BIGINT NOT NULL,
    active_users    BIGINT NOT NULL,
    api_calls       BIGINT NOT NULL,
    sms_sent        BIGINT NOT NULL,
    emails_sent     BIGINT NOT NULL,
    avg_response_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

CREATE TABLE usage_system_daily (
    day                  DATE PRIMARY KEY,
    auth_attempts        BIGINT NOT NULL,
    auth_successes       BIGINT NOT NULL,
    auth_failures        BIGINT NOT NULL,
    active_users         BIGINT NOT NULL,
    api_calls            BIGINT NOT NULL,
    sms_sent             BIGINT NOT NULL,
    emails_sent          BIGINT NOT NULL,
    -- sum of avg_response_ms * auth_attempts: the day's mean is this / auth_attempts
    response_ms_weighted BIGINT NOT NULL
);

CREATE TABLE admins (
    id            UUID PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    status        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_enabled  BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT admins_username_key UNIQUE (username)
);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    tenant_id   UUID,
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
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
