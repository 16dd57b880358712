-- The SuperAdmin login: server-side sessions, failure counting and locks, second-factor
-- material, system settings and first-run setup tokens. Same conventions as 0001.

CREATE TABLE sessions (
    id                     UUID PRIMARY KEY,
    -- SHA-256 of the cookie's token; the token itself is never stored (S16)
    token_hash             BYTEA NOT NULL,
    admin_id               UUID NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    stage                  TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    last_seen_at           TIMESTAMPTZ NOT NULL,
    ip                     TEXT NOT NULL,
    user_agent             TEXT NOT NULL,
    remember               BOOLEAN NOT NULL,
    second_factor_failures INTEGER NOT NULL,
    return_to              TEXT,
    ended_at               TIMESTAMPTZ,
    end_reason             TEXT,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_admin_idx ON sessions (admin_id, created_at);

-- One row per key an attempt is counted against; deleted when the attempt succeeds.
CREATE TABLE login_attempts (
    attempt_id UUID NOT NULL,
    key        TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (attempt_id, key)
);
CREATE INDEX login_attempts_key_idx ON login_attempts (key, at);

CREATE TABLE login_locks (
    key          TEXT PRIMARY KEY,
    locked_until TIMESTAMPTZ NOT NULL
);

-- Secrets are sealed by the server key (S6); the last step refuses replays (S8).
ALTER TABLE admins ADD COLUMN totp_secret BYTEA;
ALTER TABLE admins ADD COLUMN totp_pending BYTEA;
ALTER TABLE admins ADD COLUMN totp_last_step BIGINT;

CREATE TABLE admin_recovery_codes (
    admin_id  UUID NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    code_hash BYTEA NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (admin_id, code_hash)
);

-- name 'system' holds SystemSettings as JSON; no row means the defaults.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE setup_tokens (
    token_hash BYTEA PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
