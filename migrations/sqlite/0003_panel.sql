-- Rollups behind the admin panel (dashboard, tenant usage, analytics, billing), so that no
-- page reads the per-tenant daily rows of every tenant. The storage adapter keeps them in step
-- in the transaction of every write of usage or tenants; this migration fills them from the
-- rows that already exist.

-- The tenant's monthly authentication quota (from its features), as a column so that SQL can
-- rate usage against it.
ALTER TABLE tenants ADD COLUMN auth_quota INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET auth_quota = COALESCE(json_extract(features, '$.quotas.monthly_authentications'), 0);

-- One row per tenant and month with usage: the month's counters, recomputed from usage_daily
-- whenever a day of that tenant and month is written, so they are always exact. plan and
-- auth_quota are the tenant's when its usage or quota last changed (a bill of a past month
-- keeps what held then); quota_per_mille = auth_attempts * 1000 / auth_quota (1000 for a zero
-- quota), so "at 80 % or more" is an index range.
CREATE TABLE usage_tenant_monthly (
    tenant_id            BLOB NOT NULL,
    month                TEXT NOT NULL,
    days                 INTEGER NOT NULL,
    auth_attempts        INTEGER NOT NULL,
    auth_successes       INTEGER NOT NULL,
    auth_failures        INTEGER NOT NULL,
    peak_active_users    INTEGER NOT NULL,
    api_calls            INTEGER NOT NULL,
    sms_sent             INTEGER NOT NULL,
    emails_sent          INTEGER NOT NULL,
    -- sum of avg_response_ms * auth_attempts: the month's mean is this / auth_attempts
    response_ms_weighted INTEGER NOT NULL,
    plan                 TEXT NOT NULL,
    auth_quota           INTEGER NOT NULL,
    quota_per_mille      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, month)
) WITHOUT ROWID;
CREATE INDEX usage_tenant_monthly_volume_idx ON usage_tenant_monthly (month, auth_attempts DESC, tenant_id);
CREATE INDEX usage_tenant_monthly_quota_idx ON usage_tenant_monthly (month, quota_per_mille DESC, tenant_id);

INSERT INTO usage_tenant_monthly (tenant_id, month, days, auth_attempts, auth_successes, auth_failures,
    peak_active_users, api_calls, sms_sent, emails_sent, response_ms_weighted, plan, auth_quota, quota_per_mille)
SELECT d.tenant_id, substr(d.day, 1, 7), COUNT(*), SUM(d.auth_attempts), SUM(d.auth_successes),
    SUM(d.auth_failures), MAX(d.active_users), SUM(d.api_calls), SUM(d.sms_sent), SUM(d.emails_sent),
    SUM(d.avg_response_ms * d.auth_attempts), COALESCE(t.plan, 'free'), COALESCE(t.auth_quota, 0),
    CASE WHEN COALESCE(t.auth_quota, 0) = 0 THEN 1000 ELSE SUM(d.auth_attempts) * 1000 / t.auth_quota END
FROM usage_daily d LEFT JOIN tenants t ON t.id = d.tenant_id
GROUP BY d.tenant_id, substr(d.day, 1, 7), t.plan, t.auth_quota;

-- All tenants' counters per day and plan, adjusted by the difference of every write (like
-- usage_system_daily), under the tenant's plan at the time of the write. Usage of a tenant id
-- that names no tenant is in the system totals only.
CREATE TABLE usage_plan_daily (
    day                  TEXT NOT NULL,
    plan                 TEXT NOT NULL,
    auth_attempts        INTEGER NOT NULL,
    auth_successes       INTEGER NOT NULL,
    auth_failures        INTEGER NOT NULL,
    active_users         INTEGER NOT NULL,
    api_calls            INTEGER NOT NULL,
    sms_sent             INTEGER NOT NULL,
    emails_sent          INTEGER NOT NULL,
    response_ms_weighted INTEGER NOT NULL,
    PRIMARY KEY (day, plan)
) WITHOUT ROWID;

INSERT INTO usage_plan_daily (day, plan, auth_attempts, auth_successes, auth_failures, active_users,
    api_calls, sms_sent, emails_sent, response_ms_weighted)
SELECT d.day, t.plan, SUM(d.auth_attempts), SUM(d.auth_successes), SUM(d.auth_failures),
    SUM(d.active_users), SUM(d.api_calls), SUM(d.sms_sent), SUM(d.emails_sent),
    SUM(d.avg_response_ms * d.auth_attempts)
FROM usage_daily d JOIN tenants t ON t.id = d.tenant_id
GROUP BY d.day, t.plan;

-- How many tenants have each status on each plan, adjusted on every tenant insert and update.
CREATE TABLE tenant_counts (
    status  TEXT NOT NULL,
    plan    TEXT NOT NULL,
    tenants INTEGER NOT NULL,
    PRIMARY KEY (status, plan)
) WITHOUT ROWID;

INSERT INTO tenant_counts (status, plan, tenants)
SELECT status, plan, COUNT(*) FROM tenants GROUP BY status, plan;

