-- Support grants: one actor's time-boxed access to one tenant's live end-user data.
CREATE TABLE support_grants (
    id           BLOB PRIMARY KEY NOT NULL,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    holder       TEXT NOT NULL,
    holder_label TEXT NOT NULL,
    reason       TEXT NOT NULL,
    ticket       TEXT,
    granted_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX support_grants_holder_idx ON support_grants (tenant_id, holder, expires_at);
