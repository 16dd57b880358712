//! Row mapping of the login tables: sessions, failure counts, second-factor material and
//! system settings.

use gatehouse_application::ports::{KeyState, SecondFactor, StoreError};
use gatehouse_domain::AdminId;
use gatehouse_domain::lockout::FailureCounts;
use gatehouse_domain::session::{EndReason, Session, SessionEnd, SessionStage};
use gatehouse_domain::settings::SystemSettings;
use uuid::Uuid;

use super::{Ts, corrupt, unsigned};

/// The `settings` row that holds [`SystemSettings`] as JSON.
pub const SYSTEM_SETTINGS: &str = "system";

/// The text a session stage is stored as.
pub fn stage_str(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::Partial => "partial",
        SessionStage::Full => "full",
    }
}

/// A `sessions` row, read with [`columns::SESSION`](super::columns::SESSION) and written from
/// a [`Session`] with [`SessionRow::of`].
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub admin_id: Uuid,
    pub stage: String,
    pub created_at: Ts,
    pub last_seen_at: Ts,
    pub ip: String,
    pub user_agent: String,
    pub remember: bool,
    pub second_factor_failures: i32,
    pub return_to: Option<String>,
    pub ended_at: Option<Ts>,
    pub end_reason: Option<String>,
}

impl SessionRow {
    pub fn of(s: &Session) -> Result<SessionRow, StoreError> {
        Ok(SessionRow {
            id: s.id,
            token_hash: s.token_hash.clone(),
            admin_id: s.admin_id.as_uuid(),
            stage: stage_str(s.stage).to_owned(),
            created_at: Ts::new(s.created_at),
            last_seen_at: Ts::new(s.last_seen_at),
            ip: s.ip.clone(),
            user_agent: s.user_agent.clone(),
            remember: s.remember,
            second_factor_failures: i32::try_from(s.second_factor_failures)
                .map_err(|e| corrupt("second_factor_failures", e))?,
            return_to: s.return_to.clone(),
            ended_at: s.ended.map(|e| Ts::new(e.at)),
            end_reason: s.ended.map(|e| e.reason.as_str().to_owned()),
        })
    }
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        let stage = match r.stage.as_str() {
            "partial" => SessionStage::Partial,
            "full" => SessionStage::Full,
            other => return Err(corrupt("stage", format!("unknown session stage {other:?}"))),
        };
        let ended = match (r.ended_at, r.end_reason.as_deref()) {
            (None, None) => None,
            (Some(at), Some(reason)) => Some(SessionEnd {
                at: at.0,
                reason: EndReason::parse(reason)
                    .ok_or_else(|| corrupt("end_reason", format!("unknown end reason {reason:?}")))?,
            }),
            _ => return Err(corrupt("ended_at", "ended_at and end_reason must be set together")),
        };
        Ok(Session {
            id: r.id,
            token_hash: r.token_hash,
            admin_id: AdminId::from_uuid(r.admin_id),
            stage,
            created_at: r.created_at.0,
            last_seen_at: r.last_seen_at.0,
            ip: r.ip,
            user_agent: r.user_agent,
            remember: r.remember,
            second_factor_failures: u32::try_from(r.second_factor_failures)
                .map_err(|e| corrupt("second_factor_failures", e))?,
            return_to: r.return_to,
            ended,
        })
    }
}

/// A throttle key's failures and lock, as counted by one query.
#[derive(Debug, sqlx::FromRow)]
pub struct KeyStateRow {
    pub key: String,
    pub in_window: i64,
    pub in_last_hour: i64,
    pub locked_until: Option<Ts>,
    /// Whether the key has attempts too old to count any more (to be pruned).
    pub stale: bool,
}

impl TryFrom<&KeyStateRow> for KeyState {
    type Error = StoreError;
    fn try_from(r: &KeyStateRow) -> Result<Self, StoreError> {
        let counted = |column, n: i64| u32::try_from(n).map_err(|e| corrupt(column, e));
        Ok(KeyState {
            counts: FailureCounts {
                in_window: counted("in_window", r.in_window)?,
                in_last_hour: counted("in_last_hour", r.in_last_hour)?,
            },
            locked_until: r.locked_until.map(|t| t.0),
        })
    }
}

/// An admin's second-factor columns and the number of unused recovery codes.
#[derive(Debug, sqlx::FromRow)]
pub struct SecondFactorRow {
    pub totp_secret: Option<Vec<u8>>,
    pub totp_pending: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub unused_recovery_codes: i64,
}

impl TryFrom<SecondFactorRow> for SecondFactor {
    type Error = StoreError;
    fn try_from(r: SecondFactorRow) -> Result<Self, StoreError> {
        Ok(SecondFactor {
            totp_secret: r.totp_secret,
            pending_secret: r.totp_pending,
            last_step: r.totp_last_step.map(|s| unsigned("totp_last_step", s)).transpose()?,
            unused_recovery_codes: usize::try_from(r.unused_recovery_codes)
                .map_err(|e| corrupt("unused_recovery_codes", e))?,
        })
    }
}

/// The JSON stored for `settings`.
pub fn settings_json(settings: &SystemSettings) -> Result<String, StoreError> {
    serde_json::to_string(settings).map_err(StoreError::backend)
}

/// The stored settings, or the defaults when they were never saved. Fields added since they
/// were saved take their defaults too (`SystemSettings` is `#[serde(default)]`).
pub fn parse_settings(json: Option<String>) -> Result<SystemSettings, StoreError> {
    json.map_or_else(
        || Ok(SystemSettings::default()),
        |text| serde_json::from_str(&text).map_err(|e| corrupt("settings", e)),
    )
}
