-- The SuperAdmin login: server-side sessions, failure counting and locks, second-factor
-- material, system settings and first-run setup tokens. Same conventions as 0001.

CREATE TABLE sessions (
    id                     BLOB PRIMARY KEY NOT NULL,
    -- SHA-256 of the cookie's token; the token itself is never stored (S16)
    token_hash             BLOB NOT NULL,
    admin_id               BLOB NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    stage                  TEXT NOT NULL,
    created_at             INTEGER NOT NULL,
    last_seen_at           INTEGER NOT NULL,
    ip                     TEXT NOT NULL,
    user_agent             TEXT NOT NULL,
    remember               INTEGER NOT NULL,
    second_factor_failures INTEGER NOT NULL,
    return_to              TEXT,
    ended_at               INTEGER,
    end_reason             TEXT,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_admin_idx ON sessions (admin_id, created_at);

-- One row per key an attempt is counted against; deleted when the attempt succeeds.
CREATE TABLE login_attempts (
    attempt_id BLOB NOT NULL,
    key        TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, key)
) WITHOUT ROWID;
CREATE INDEX login_attempts_key_idx ON login_attempts (key, at);

CREATE TABLE login_locks (
    key          TEXT PRIMARY KEY NOT NULL,
    locked_until INTEGER NOT NULL
) WITHOUT ROWID;

-- Secrets are sealed by the server key (S6); the last step refuses replays (S8).
ALTER TABLE admins ADD COLUMN totp_secret BLOB;
ALTER TABLE admins ADD COLUMN totp_pending BLOB;
ALTER TABLE admins ADD COLUMN totp_last_step INTEGER;

CREATE TABLE admin_recovery_codes (
    admin_id  BLOB NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at   INTEGER,
    PRIMARY KEY (admin_id, code_hash)
) WITHOUT ROWID;

-- name 'system' holds SystemSettings as JSON; no row means the defaults.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE setup_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
