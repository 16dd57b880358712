-- The outbox (docs/design.md, "Outbox and notifications"): messages written in the transaction
-- of their cause and delivered by background workers. Two kinds: 'email' (a tenant
-- notification: recipient, subject, text and HTML bodies) and 'upstream_push' (push the
-- tenant's current state to the MFA upstream; the worker reads that state when it delivers).
-- The tenant-facing notifications are the rows with a `notification` kind. Same conventions as
-- 0001 (timestamps are INTEGER unix microseconds, UUIDs 16-byte blobs).

CREATE TABLE outbox (
    id              BLOB PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    tenant_id       BLOB,
    -- quota_80, quota_100, suspended, … for tenant notifications
    notification    TEXT,
    -- at most one message per cause (insert-or-ignore); NULL never clashes
    dedupe_key      TEXT,
    recipient       TEXT,
    subject         TEXT,
    body_text       TEXT,
    body_html       TEXT,
    -- pending | sent | dead
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    -- the lease of the worker delivering it
    claimed_by      TEXT,
    claimed_until   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    CONSTRAINT outbox_dedupe_key_key UNIQUE (dedupe_key),
    CONSTRAINT outbox_kind_check CHECK (kind IN ('email', 'upstream_push')),
    CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sent', 'dead')),
    CONSTRAINT outbox_email_check CHECK (kind <> 'email' OR (recipient IS NOT NULL AND subject IS NOT NULL
        AND body_text IS NOT NULL AND body_html IS NOT NULL)),
    CONSTRAINT outbox_push_check CHECK (kind <> 'upstream_push' OR tenant_id IS NOT NULL)
);
-- What the workers claim: pending messages by due time.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE state = 'pending';
-- The panel's lists: all, by state, by tenant; newest first.
CREATE INDEX outbox_created_idx ON outbox (created_at, id);
CREATE INDEX outbox_state_idx ON outbox (state, created_at, id);
CREATE INDEX outbox_tenant_idx ON outbox (tenant_id, created_at, id);
