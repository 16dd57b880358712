//! What the two backends share: turning row values into domain types and back, JSON
//! (de)serialisation of features and scope, exact timestamps, and error classification.
//!
//! No statement lives here, only the column lists both dialects select. Each row struct
//! derives `FromRow` generically, so the SQLite and
//! PostgreSQL adapters decode the very same structs; [`Ts`] is the one type whose storage
//! differs (INTEGER unix microseconds on SQLite, `timestamptz` on PostgreSQL).

mod keys;
mod login;
mod outbox;
mod panel;

use std::collections::BTreeMap;

use gatehouse_application::ports::{Conflict, SortDirection, StoreError, TenantSort, TenantSummary};
use gatehouse_domain::session::Session;
use gatehouse_domain::{
    AdminId, AdminStatus, AuditEvent, AuditRecord, DailyUsage, Email, Hostname, Plan, SuperAdmin, Tenant,
    TenantDomain, TenantId, TenantName, TenantScope, TenantSlug, TenantStatus, UsageTotals, Username,
};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Database, Decode, Encode, Type};
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

pub use keys::{API_KEY, ApiKeyRow, ApiKeyValues, TENANT_KEY, TenantKeyRow};
pub use login::{
    KeyStateRow, SYSTEM_SETTINGS, SecondFactorRow, SessionRow, parse_settings, settings_json, stage_str,
};
pub use outbox::{NewOutboxValues, OUTBOX, OutboxRow};
pub use panel::{
    BillingRowRow, CountDeltas, MONTH_USAGE, MonthDelta, MonthUsageRow, PlanDayRow, TenantCountRow,
    auth_quota, quota_per_mille, sum_by_day_and_plan,
};

/// A stored instant, exact to the microsecond on both databases (finer digits are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ts(pub OffsetDateTime);

impl Ts {
    /// Truncates to whole microseconds in UTC, the precision both databases keep.
    pub fn new(at: OffsetDateTime) -> Ts {
        let at = at.to_offset(UtcOffset::UTC);
        Ts(at.replace_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at))
    }

    /// Unix microseconds: SQLite's representation.
    pub fn micros(self) -> i64 {
        i64::try_from(self.0.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
    }

    fn from_micros(micros: i64) -> Result<Ts, BoxDynError> {
        Ok(Ts(OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)?))
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Ts::from_micros(<i64 as Decode<Sqlite>>::decode(value)?)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut <Sqlite as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode(Ts::new(self.0).micros(), buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Ts::new(<OffsetDateTime as Decode<Postgres>>::decode(value)?))
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut <Postgres as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode(Ts::new(self.0).0, buf)
    }
}

/// A stored value the domain refuses: the database was changed behind the application's back.
#[derive(Debug, thiserror::Error)]
#[error("corrupt stored {column}: {message}")]
pub struct CorruptRow {
    column: &'static str,
    message: String,
}

fn corrupt(column: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::backend(CorruptRow { column, message: e.to_string() })
}

/// Any database failure that is not a known uniqueness rule.
pub fn backend(e: sqlx::Error) -> StoreError {
    StoreError::backend(e)
}

/// Maps a failed write to a [`Conflict`] when it broke one of the named unique constraints
/// (PostgreSQL reports the constraint's name, SQLite the table and column); `value` is the
/// slug, hostname or username the failing statement wrote.
pub fn write_error(e: sqlx::Error, value: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        let name = db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned);
        if name.contains("tenants_slug_key") || name.contains("tenants.slug") {
            return Conflict::SlugTaken(value.to_owned()).into();
        }
        if name.contains("tenant_domains_hostname_key") || name.contains("tenant_domains.hostname") {
            return Conflict::DomainTaken(value.to_owned()).into();
        }
        if name.contains("admins_username_key") || name.contains("admins.username") {
            return Conflict::UsernameTaken(value.to_owned()).into();
        }
    }
    backend(e)
}

/// `first … last` of a chunk: a multi-row insert cannot say which of its values clashed.
pub fn span<T>(chunk: &[T], key: impl Fn(&T) -> &str) -> String {
    match (chunk.first(), chunk.last()) {
        (Some(a), Some(b)) if chunk.len() > 1 => format!("one of {} … {}", key(a), key(b)),
        (Some(a), _) => key(a).to_owned(),
        _ => String::new(),
    }
}

/// A counter as the databases store it (signed 64-bit).
pub fn count(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| corrupt("counter", format!("{value} does not fit in 64 bits")))
}

fn unsigned(column: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| corrupt(column, format!("{value} is negative")))
}

/// The position of a plan in the catalogue, for sorting cheapest first.
pub fn plan_rank(plan: Plan) -> i16 {
    match plan {
        Plan::Free => 0,
        Plan::Basic => 1,
        Plan::Premium => 2,
        Plan::Enterprise => 3,
    }
}

/// The position of a status in a tenant's life, for sorting.
pub fn status_rank(status: TenantStatus) -> i16 {
    match status {
        TenantStatus::Pending => 0,
        TenantStatus::Active => 1,
        TenantStatus::Suspended => 2,
        TenantStatus::Cancelled => 3,
    }
}

/// The `ORDER BY` of a tenant list: an indexed key, then the id so pages never overlap.
pub fn tenant_order(sort: TenantSort, direction: SortDirection) -> &'static str {
    use SortDirection::{Asc, Desc};
    match (sort, direction) {
        (TenantSort::Name, Asc) => "name_key ASC, id ASC",
        (TenantSort::Name, Desc) => "name_key DESC, id DESC",
        (TenantSort::Slug, Asc) => "slug ASC, id ASC",
        (TenantSort::Slug, Desc) => "slug DESC, id DESC",
        (TenantSort::Created, Asc) => "created_at ASC, id ASC",
        (TenantSort::Created, Desc) => "created_at DESC, id DESC",
        (TenantSort::Plan, Asc) => "plan_rank ASC, id ASC",
        (TenantSort::Plan, Desc) => "plan_rank DESC, id DESC",
        (TenantSort::Status, Asc) => "status_rank ASC, id ASC",
        (TenantSort::Status, Desc) => "status_rank DESC, id DESC",
    }
}

/// A `LIKE … ESCAPE '\'` pattern matching `input` literally anywhere in the lower-cased
/// `search` column: `%` and `_` typed by a user are not wildcards.
pub fn like_pattern(input: &str) -> String {
    let mut pattern = String::with_capacity(input.len() + 2);
    pattern.push('%');
    for c in input.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The values of a tenant's row, computed once for every backend and statement.
#[derive(Debug)]
pub struct TenantValues {
    pub id: Uuid,
    pub name: String,
    pub name_key: String,
    pub slug: String,
    pub contact_email: String,
    pub status: &'static str,
    pub status_rank: i16,
    pub status_reason: Option<String>,
    pub plan: &'static str,
    pub plan_rank: i16,
    pub features: String,
    pub search: String,
    pub version: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// The monthly authentication quota, for the panel's rollups.
    pub auth_quota: i64,
}

impl TenantValues {
    pub fn of(t: &Tenant) -> Result<TenantValues, StoreError> {
        let mut search = format!("{} {}", t.name.as_str(), t.slug.as_str());
        for d in &t.domains {
            search.push(' ');
            search.push_str(d.hostname.as_str());
            // IDN hostnames are stored as punycode; people type them in Unicode.
            let unicode = d.hostname.to_unicode();
            if unicode != d.hostname.as_str() {
                search.push(' ');
                search.push_str(&unicode);
            }
        }
        Ok(TenantValues {
            id: t.id.as_uuid(),
            name: t.name.as_str().to_owned(),
            name_key: t.name.as_str().to_lowercase(),
            slug: t.slug.as_str().to_owned(),
            contact_email: t.contact_email.as_str().to_owned(),
            status: t.status.as_str(),
            status_rank: status_rank(t.status),
            status_reason: t.status_reason.clone(),
            plan: t.plan.as_str(),
            plan_rank: plan_rank(t.plan),
            features: serde_json::to_string(&t.features).map_err(StoreError::backend)?,
            search: search.to_lowercase(),
            version: t.version,
            created_at: Ts::new(t.created_at),
            updated_at: Ts::new(t.updated_at),
            auth_quota: panel::auth_quota(t)?,
        })
    }
}

/// A `tenants` row.
#[derive(Debug, sqlx::FromRow)]
pub struct TenantRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub contact_email: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub plan: String,
    pub features: String,
    pub version: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A `tenants` row beside one of its domains (`LEFT JOIN tenant_domains`: all `None` for a
/// tenant without domains).
#[derive(Debug, sqlx::FromRow)]
pub struct TenantDomainRow {
    #[sqlx(flatten)]
    pub tenant: TenantRow,
    pub hostname: Option<String>,
    pub is_primary: Option<bool>,
    pub added_at: Option<Ts>,
}

impl TenantDomainRow {
    /// The tenant of `rows` (all of one tenant, in domain order), if there is one.
    pub fn into_tenant(rows: Vec<TenantDomainRow>) -> Result<Option<Tenant>, StoreError> {
        let mut domains = Vec::with_capacity(rows.len());
        let mut tenant = None;
        for row in rows {
            if let (Some(hostname), Some(is_primary), Some(added_at)) =
                (row.hostname, row.is_primary, row.added_at)
            {
                domains.push(DomainRow { hostname, is_primary, added_at });
            }
            tenant.get_or_insert(row.tenant);
        }
        tenant.map(|t| t.into_tenant(domains)).transpose()
    }
}

/// A `tenant_domains` row.
#[derive(Debug, sqlx::FromRow)]
pub struct DomainRow {
    pub hostname: String,
    pub is_primary: bool,
    pub added_at: Ts,
}

impl TenantRow {
    /// The aggregate, with its domains in stored order (primary first).
    pub fn into_tenant(self, domains: Vec<DomainRow>) -> Result<Tenant, StoreError> {
        let domains = domains
            .into_iter()
            .map(|d| {
                Ok(TenantDomain {
                    hostname: Hostname::parse(&d.hostname).map_err(|e| corrupt("hostname", e))?,
                    is_primary: d.is_primary,
                    added_at: d.added_at.0,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Tenant {
            id: TenantId::from_uuid(self.id),
            name: TenantName::parse(&self.name).map_err(|e| corrupt("name", e))?,
            slug: TenantSlug::parse(&self.slug).map_err(|e| corrupt("slug", e))?,
            contact_email: Email::parse(&self.contact_email).map_err(|e| corrupt("contact_email", e))?,
            status: self.status.parse().map_err(|e| corrupt("status", e))?,
            status_reason: self.status_reason,
            plan: self.plan.parse().map_err(|e| corrupt("plan", e))?,
            features: serde_json::from_str(&self.features).map_err(|e| corrupt("features", e))?,
            domains,
            version: self.version,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }
}

/// One row of a tenant list.
#[derive(Debug, sqlx::FromRow)]
pub struct SummaryRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub status: String,
    pub plan: String,
    pub primary_domain: Option<String>,
    pub domain_count: i64,
    pub created_at: Ts,
}

impl TryFrom<SummaryRow> for TenantSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        Ok(TenantSummary {
            id: TenantId::from_uuid(r.id),
            name: r.name,
            slug: r.slug,
            status: r.status.parse().map_err(|e| corrupt("status", e))?,
            plan: r.plan.parse().map_err(|e| corrupt("plan", e))?,
            primary_domain: r.primary_domain,
            domain_count: u32::try_from(r.domain_count).map_err(|e| corrupt("domain_count", e))?,
            created_at: r.created_at.0,
        })
    }
}

/// The counters of a `usage_daily` row, or the change one makes to a `usage_system_daily` row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub auth_attempts: i64,
    pub auth_successes: i64,
    pub auth_failures: i64,
    pub active_users: i64,
    pub api_calls: i64,
    pub sms_sent: i64,
    pub emails_sent: i64,
    /// `avg_response_ms * auth_attempts`, so means can be summed and derived again.
    pub response_ms_weighted: i64,
}

impl Counters {
    pub fn of(d: &DailyUsage) -> Result<Counters, StoreError> {
        let attempts = count(d.auth_attempts)?;
        Ok(Counters {
            auth_attempts: attempts,
            auth_successes: count(d.auth_successes)?,
            auth_failures: count(d.auth_failures)?,
            active_users: count(d.active_users)?,
            api_calls: count(d.api_calls)?,
            sms_sent: count(d.sms_sent)?,
            emails_sent: count(d.emails_sent)?,
            response_ms_weighted: i64::from(d.avg_response_ms).saturating_mul(attempts),
        })
    }

    /// `self - old`: what replacing the `old` day by this one changes in the system totals.
    pub fn minus(self, old: Counters) -> Counters {
        Counters {
            auth_attempts: self.auth_attempts - old.auth_attempts,
            auth_successes: self.auth_successes - old.auth_successes,
            auth_failures: self.auth_failures - old.auth_failures,
            active_users: self.active_users - old.active_users,
            api_calls: self.api_calls - old.api_calls,
            sms_sent: self.sms_sent - old.sms_sent,
            emails_sent: self.emails_sent - old.emails_sent,
            response_ms_weighted: self.response_ms_weighted - old.response_ms_weighted,
        }
    }

    /// Adds `o` to these counters.
    pub fn add(&mut self, o: Counters) {
        *self = Counters {
            auth_attempts: self.auth_attempts + o.auth_attempts,
            auth_successes: self.auth_successes + o.auth_successes,
            auth_failures: self.auth_failures + o.auth_failures,
            active_users: self.active_users + o.active_users,
            api_calls: self.api_calls + o.api_calls,
            sms_sent: self.sms_sent + o.sms_sent,
            emails_sent: self.emails_sent + o.emails_sent,
            response_ms_weighted: self.response_ms_weighted + o.response_ms_weighted,
        };
    }

    /// The system-wide change per day of adding all of `days` (all new tenant-days).
    pub fn sum_by_day(days: &[DailyUsage]) -> Result<BTreeMap<Date, Counters>, StoreError> {
        let mut by_day: BTreeMap<Date, Counters> = BTreeMap::new();
        for d in days {
            by_day.entry(d.day).or_default().add(Counters::of(d)?);
        }
        Ok(by_day)
    }
}

/// The `SET` list adding a row's counters to those stored (`s`), for the system and plan
/// totals' upserts.
pub const ADD_COUNTERS: &str = "auth_attempts = s.auth_attempts + excluded.auth_attempts, \
     auth_successes = s.auth_successes + excluded.auth_successes, \
     auth_failures = s.auth_failures + excluded.auth_failures, \
     active_users = s.active_users + excluded.active_users, \
     api_calls = s.api_calls + excluded.api_calls, sms_sent = s.sms_sent + excluded.sms_sent, \
     emails_sent = s.emails_sent + excluded.emails_sent, \
     response_ms_weighted = s.response_ms_weighted + excluded.response_ms_weighted";

/// Binds the eight counters of a totals row, in the column order of [`ADD_COUNTERS`]'s tables.
pub fn push_counters<DB: sqlx::Database>(
    row: &mut sqlx::query_builder::Separated<'_, DB, &'static str>,
    c: &Counters,
) where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    push_counts(row, c);
    row.push_bind(c.response_ms_weighted);
}

/// Binds the seven counts of `c` (everything but the response time), in the column order every
/// usage table shares.
fn push_counts<DB: sqlx::Database>(
    row: &mut sqlx::query_builder::Separated<'_, DB, &'static str>,
    c: &Counters,
) where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    row.push_bind(c.auth_attempts)
        .push_bind(c.auth_successes)
        .push_bind(c.auth_failures)
        .push_bind(c.active_users)
        .push_bind(c.api_calls)
        .push_bind(c.sms_sent)
        .push_bind(c.emails_sent);
}

/// Binds a `usage_daily` row of `d` (its counters `c`) in the table's column order: tenant,
/// day, the seven counts, the mean response time.
pub fn push_day<DB: sqlx::Database>(
    row: &mut sqlx::query_builder::Separated<'_, DB, &'static str>,
    d: &DailyUsage,
    c: &Counters,
) where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Date: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    row.push_bind(d.tenant_id.as_uuid()).push_bind(d.day);
    push_counts(row, c);
    row.push_bind(i64::from(d.avg_response_ms));
}

/// A `usage_daily` row.
#[derive(Debug, sqlx::FromRow)]
pub struct UsageRow {
    pub tenant_id: Uuid,
    pub day: Date,
    pub auth_attempts: i64,
    pub auth_successes: i64,
    pub auth_failures: i64,
    pub active_users: i64,
    pub api_calls: i64,
    pub sms_sent: i64,
    pub emails_sent: i64,
    pub avg_response_ms: i64,
}

impl TryFrom<UsageRow> for DailyUsage {
    type Error = StoreError;
    fn try_from(r: UsageRow) -> Result<Self, StoreError> {
        Ok(DailyUsage {
            tenant_id: TenantId::from_uuid(r.tenant_id),
            day: r.day,
            auth_attempts: unsigned("auth_attempts", r.auth_attempts)?,
            auth_successes: unsigned("auth_successes", r.auth_successes)?,
            auth_failures: unsigned("auth_failures", r.auth_failures)?,
            active_users: unsigned("active_users", r.active_users)?,
            api_calls: unsigned("api_calls", r.api_calls)?,
            sms_sent: unsigned("sms_sent", r.sms_sent)?,
            emails_sent: unsigned("emails_sent", r.emails_sent)?,
            avg_response_ms: u32::try_from(r.avg_response_ms).map_err(|e| corrupt("avg_response_ms", e))?,
        })
    }
}

/// A `usage_system_daily` row.
#[derive(Debug, sqlx::FromRow)]
pub struct SystemRow {
    pub day: Date,
    pub auth_attempts: i64,
    pub auth_successes: i64,
    pub auth_failures: i64,
    pub active_users: i64,
    pub api_calls: i64,
    pub sms_sent: i64,
    pub emails_sent: i64,
    pub response_ms_weighted: i64,
}

impl SystemRow {
    /// The day's totals; its "peak" active users is the sum over tenants that day.
    pub fn into_totals(self) -> Result<(Date, UsageTotals), StoreError> {
        let attempts = unsigned("auth_attempts", self.auth_attempts)?;
        let weighted = unsigned("response_ms_weighted", self.response_ms_weighted)?;
        let avg = weighted.checked_div(attempts).map_or(0, |ms| u32::try_from(ms).unwrap_or(u32::MAX));
        Ok((
            self.day,
            UsageTotals {
                days: 1,
                auth_attempts: attempts,
                auth_successes: unsigned("auth_successes", self.auth_successes)?,
                auth_failures: unsigned("auth_failures", self.auth_failures)?,
                peak_active_users: unsigned("active_users", self.active_users)?,
                api_calls: unsigned("api_calls", self.api_calls)?,
                sms_sent: unsigned("sms_sent", self.sms_sent)?,
                emails_sent: unsigned("emails_sent", self.emails_sent)?,
                avg_response_ms: avg,
            },
        ))
    }
}

/// The values of an `admins` row.
#[derive(Debug)]
pub struct AdminValues {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub role: &'static str,
    pub scope: String,
    pub status: &'static str,
    pub password_hash: String,
    pub totp_enabled: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
}

fn admin_status_str(status: AdminStatus) -> &'static str {
    match status {
        AdminStatus::Active => "active",
        AdminStatus::Disabled => "disabled",
    }
}

impl AdminValues {
    pub fn of(a: &SuperAdmin) -> Result<AdminValues, StoreError> {
        Ok(AdminValues {
            id: a.id.as_uuid(),
            username: a.username.as_str().to_owned(),
            email: a.email.as_str().to_owned(),
            role: a.role.as_str(),
            scope: serde_json::to_string(&a.scope).map_err(StoreError::backend)?,
            status: admin_status_str(a.status),
            password_hash: a.password_hash.clone(),
            totp_enabled: a.totp_enabled,
            created_at: Ts::new(a.created_at),
            updated_at: Ts::new(a.updated_at),
        })
    }
}

/// An `admins` row.
#[derive(Debug, sqlx::FromRow)]
pub struct AdminRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub status: String,
    pub password_hash: String,
    pub totp_enabled: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A session's row beside its admin's, as [`columns::SESSION_OF_S`] and
/// [`columns::ADMIN_BESIDE_SESSION`] select them.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionAdminRow {
    #[sqlx(flatten)]
    pub session: SessionRow,
    pub username: String,
    pub email: String,
    pub role: String,
    pub scope: String,
    pub status: String,
    pub password_hash: String,
    pub totp_enabled: bool,
    pub admin_created_at: Ts,
    pub updated_at: Ts,
}

impl SessionAdminRow {
    pub fn split(self) -> Result<(Session, SuperAdmin), StoreError> {
        let admin = AdminRow {
            id: self.session.admin_id,
            username: self.username,
            email: self.email,
            role: self.role,
            scope: self.scope,
            status: self.status,
            password_hash: self.password_hash,
            totp_enabled: self.totp_enabled,
            created_at: self.admin_created_at,
            updated_at: self.updated_at,
        };
        Ok((Session::try_from(self.session)?, SuperAdmin::try_from(admin)?))
    }
}

impl TryFrom<AdminRow> for SuperAdmin {
    type Error = StoreError;
    fn try_from(r: AdminRow) -> Result<Self, StoreError> {
        let status = match r.status.as_str() {
            "active" => AdminStatus::Active,
            "disabled" => AdminStatus::Disabled,
            other => return Err(corrupt("status", format!("unknown admin status {other:?}"))),
        };
        Ok(SuperAdmin {
            id: AdminId::from_uuid(r.id),
            username: Username::parse(&r.username).map_err(|e| corrupt("username", e))?,
            email: Email::parse(&r.email).map_err(|e| corrupt("email", e))?,
            role: r.role.parse().map_err(|e| corrupt("role", e))?,
            scope: serde_json::from_str::<TenantScope>(&r.scope).map_err(|e| corrupt("scope", e))?,
            status,
            password_hash: r.password_hash,
            totp_enabled: r.totp_enabled,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// The values of an `audit_log` row. JSON is kept as the exact text that was hashed.
#[derive(Debug)]
pub struct AuditValues {
    pub seq: i64,
    pub id: Uuid,
    pub at: Ts,
    pub kind: &'static str,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub tenant_id: Option<Uuid>,
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditValues {
    pub fn of(r: AuditRecord) -> AuditValues {
        let e = r.event;
        AuditValues {
            seq: r.seq,
            id: e.id,
            at: Ts::new(e.at),
            kind: e.kind.as_str(),
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            tenant_id: e.tenant_id.map(|t| t.as_uuid()),
            outcome: e.outcome.as_str(),
            reason: e.reason,
            ip: e.ip,
            user_agent: e.user_agent,
            before_json: e.before.as_ref().map(ToString::to_string),
            after_json: e.after.as_ref().map(ToString::to_string),
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// An `audit_log` row.
#[derive(Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub id: Uuid,
    pub at: Ts,
    pub kind: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub tenant_id: Option<Uuid>,
    pub outcome: String,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        let json = |column: &'static str, text: Option<String>| {
            text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(column, e))).transpose()
        };
        Ok(AuditRecord {
            seq: r.seq,
            event: AuditEvent {
                id: r.id,
                at: r.at.0,
                kind: r.kind.parse().map_err(|e| corrupt("kind", e))?,
                actor_type: r.actor_type,
                actor_id: r.actor_id,
                actor_label: r.actor_label,
                tenant_id: r.tenant_id.map(TenantId::from_uuid),
                outcome: r.outcome.parse().map_err(|e| corrupt("outcome", e))?,
                reason: r.reason,
                ip: r.ip,
                user_agent: r.user_agent,
                before: json("before_json", r.before_json)?,
                after: json("after_json", r.after_json)?,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

/// Column lists both dialects select, so every query decodes into the structs above.
pub mod columns {
    pub const TENANT: &str = "id, name, slug, contact_email, status, status_reason, plan, features, \
                              version, created_at, updated_at";
    pub const SUMMARY: &str = "t.id, t.name, t.slug, t.status, t.plan, t.created_at, \
        (SELECT d.hostname FROM tenant_domains d WHERE d.tenant_id = t.id AND d.is_primary) AS primary_domain, \
        (SELECT COUNT(*) FROM tenant_domains d WHERE d.tenant_id = t.id) AS domain_count";
    pub const USAGE: &str = "tenant_id, day, auth_attempts, auth_successes, auth_failures, active_users, \
                             api_calls, sms_sent, emails_sent, avg_response_ms";
    pub const SYSTEM: &str = "day, auth_attempts, auth_successes, auth_failures, active_users, \
                              api_calls, sms_sent, emails_sent, response_ms_weighted";
    pub const ADMIN: &str = "id, username, email, role, scope, status, password_hash, totp_enabled, \
                             created_at, updated_at";
    pub const AUDIT: &str = "seq, id, at, kind, actor_type, actor_id, actor_label, tenant_id, outcome, \
                             reason, ip, user_agent, before_json, after_json, prev_hash, hash";
    pub const SESSION: &str = "id, token_hash, admin_id, stage, created_at, last_seen_at, ip, user_agent, \
                               remember, second_factor_failures, return_to, ended_at, end_reason";
    /// [`SESSION`] of `sessions s` in a join with `admins a`.
    pub static SESSION_OF_S: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| of("s", SESSION));

    /// `columns`, each qualified by the table alias `alias`.
    fn of(alias: &str, columns: &str) -> String {
        columns.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
    }
    /// [`ADMIN`] of `admins a` beside [`SESSION_OF_S`]: its id is the session's `admin_id`, its
    /// `created_at` renamed (see `SessionAdminRow`).
    pub const ADMIN_BESIDE_SESSION: &str = "a.username, a.email, a.role, a.scope, a.status, a.password_hash, \
                                            a.totp_enabled, a.created_at AS admin_created_at, a.updated_at";
}
