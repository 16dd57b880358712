-- The JSON API's own records: idempotency keys (a retried write answers as the first one did)
-- and the API log (every call, bounded to the newest rows by the writer).

CREATE TABLE api_idempotency (
    owner        UUID NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BYTEA,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

CREATE TABLE api_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    key_id      UUID,
    tenant_id   UUID,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    request_id  TEXT NOT NULL
);
CREATE INDEX api_log_tenant_idx ON api_log (tenant_id, id);
