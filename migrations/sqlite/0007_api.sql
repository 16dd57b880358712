-- The JSON API's own records: idempotency keys (a retried write answers as the first one did)
-- and the API log (every call, bounded to the newest rows by the writer).

CREATE TABLE api_idempotency (
    owner        BLOB NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    body         BLOB,
    PRIMARY KEY (owner, idem_key)
) WITHOUT ROWID;
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

CREATE TABLE api_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    key_id      BLOB,
    tenant_id   BLOB,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    request_id  TEXT NOT NULL
);
CREATE INDEX api_log_tenant_idx ON api_log (tenant_id, id);
