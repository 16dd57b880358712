-- API keys (S29): operator keys for Gatehouse's API, and each tenant's keys for the MFA
-- service. A key's text is never stored, only its keyed hash (HMAC-SHA256 under a sub-key of
-- the server key). Same conventions as 0001. (0005 is another change's number.)

CREATE TABLE api_keys (
    id              UUID PRIMARY KEY,
    key_hash        BYTEA NOT NULL,
    name            TEXT NOT NULL,
    -- JSON array of permission names
    scopes          TEXT NOT NULL,
    -- JSON tenant scope, as admins.scope
    tenants         TEXT NOT NULL,
    expires_at      TIMESTAMPTZ,
    rate_per_minute BIGINT,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    -- when a refused use was last audited (at most one audit row per key per quiet period)
    refused_at      TIMESTAMPTZ,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);

CREATE TABLE tenant_api_keys (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key_hash     BYTEA NOT NULL,
    -- the first characters of the key, to recognise it in lists
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    CONSTRAINT tenant_api_keys_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX tenant_api_keys_tenant_idx ON tenant_api_keys (tenant_id, created_at);
