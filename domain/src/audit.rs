//! The audit trail: every event kind, the event itself, and the hash chain that makes
//! tampering detectable (S26, S28).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::actor::{Actor, ActorKind};
use crate::admin::keyword_enum;
use crate::error::ValidationError;
use crate::tenant::TenantId;
use crate::text::escape_control;

keyword_enum!(
    /// Every kind of event the audit trail records. The names follow the OWASP logging
    /// vocabulary where it has one (`authn_login_fail`, `session_expired`, `authz_fail`).
    AuditKind, "kind" {
        TenantCreated => "tenant_created",
        TenantUpdated => "tenant_updated",
        TenantActivated => "tenant_activated",
        TenantSuspended => "tenant_suspended",
        TenantCancelled => "tenant_cancelled",
        TenantPlanChanged => "tenant_plan_changed",
        TenantFeaturesUpdated => "tenant_features_updated",
        DomainAdded => "domain_added",
        DomainRemoved => "domain_removed",
        DomainPrimaryChanged => "domain_primary_changed",
        TenantAccess => "tenant_access",
        TenantSupportAccess => "tenant_support_access",
        DemoSeeded => "demo_seeded",
        AuthnLoginSuccess => "authn_login_success",
        AuthnLoginFail => "authn_login_fail",
        AuthnLoginLocked => "authn_login_locked",
        AuthnAccountUnlocked => "authn_account_unlocked",
        Authn2faSuccess => "authn_2fa_success",
        Authn2faFail => "authn_2fa_fail",
        Authn2faReplay => "authn_2fa_replay",
        Authn2faEnabled => "authn_2fa_enabled",
        Authn2faDisabled => "authn_2fa_disabled",
        Authn2faReset => "authn_2fa_reset",
        AuthnRecoveryCodeUsed => "authn_recovery_code_used",
        AuthnRecoveryCodesRegenerated => "authn_recovery_codes_regenerated",
        AuthnPasswordChanged => "authn_password_changed",
        SessionCreated => "session_created",
        SessionExpired => "session_expired",
        SessionEnded => "session_ended",
        SessionRevoked => "session_revoked",
        SessionHijackSuspected => "session_hijack_suspected",
        AuthzFail => "authz_fail",
        AdminCreated => "admin_created",
        AdminUpdated => "admin_updated",
        AdminDisabled => "admin_disabled",
        AdminEnabled => "admin_enabled",
        AdminRoleChanged => "admin_role_changed",
        ApiKeyCreated => "api_key_created",
        ApiKeyRevoked => "api_key_revoked",
        /// A known API key was presented but refused (revoked, expired or a wrong secret).
        AuthnTokenReuse => "authn_token_reuse",
        TenantKeyIssued => "tenant_key_issued",
        TenantKeyRevoked => "tenant_key_revoked",
        SettingsChanged => "settings_changed",
        SyncRun => "sync_run",
        UsageIngested => "usage_ingested",
        NotificationSent => "notification_sent",
        NotificationRetried => "notification_retried",
    }
);

keyword_enum!(
    /// How the attempted action ended.
    Outcome, "outcome" {
        Success => "success",
        Failure => "failure",
        Denied => "denied",
    }
);

/// One audit event, before it is chained into the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: Uuid,
    /// UTC, truncated to whole microseconds so it round-trips through every database exactly.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: AuditKind,
    /// `admin`, `api_key`, `cli`, `system` or `anonymous`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub tenant_id: Option<TenantId>,
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEvent {
    pub fn new(id: Uuid, now: OffsetDateTime, kind: AuditKind, actor: &Actor, outcome: Outcome) -> Self {
        let (actor_type, actor_id, actor_label) = match &actor.kind {
            ActorKind::Admin { id, username } => ("admin", Some(id.to_string()), username.clone()),
            ActorKind::ApiKey { id, name } => ("api_key", Some(id.to_string()), name.clone()),
            ActorKind::Cli { user } => ("cli", None, user.clone()),
            ActorKind::System => ("system", None, "gatehouse".to_owned()),
        };
        Self::with_actor(id, now, kind, actor_type, actor_id, &actor_label, outcome)
    }

    /// An event with no authenticated actor yet (a failed login names only what was typed).
    pub fn anonymous(
        id: Uuid,
        now: OffsetDateTime,
        kind: AuditKind,
        claimed: &str,
        outcome: Outcome,
    ) -> Self {
        Self::with_actor(id, now, kind, "anonymous", None, claimed, outcome)
    }

    fn with_actor(
        id: Uuid,
        now: OffsetDateTime,
        kind: AuditKind,
        actor_type: &str,
        actor_id: Option<String>,
        actor_label: &str,
        outcome: Outcome,
    ) -> Self {
        let at = now.to_offset(time::UtcOffset::UTC);
        let at = at.replace_nanosecond(at.nanosecond() / 1000 * 1000).unwrap_or(at);
        AuditEvent {
            id,
            at,
            kind,
            actor_type: actor_type.to_owned(),
            actor_id,
            actor_label: bounded(actor_label, 200),
            tenant_id: None,
            outcome,
            reason: None,
            ip: None,
            user_agent: None,
            before: None,
            after: None,
        }
    }

    pub fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant_id = Some(tenant);
        self
    }

    pub fn reason(mut self, reason: impl AsRef<str>) -> Self {
        self.reason = Some(bounded(reason.as_ref(), 1000));
        self
    }

    pub fn client(mut self, ip: &str, user_agent: &str) -> Self {
        self.ip = Some(bounded(ip, 64));
        self.user_agent = Some(bounded(user_agent, 500));
        self
    }

    pub fn change(mut self, before: Option<Value>, after: Option<Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }

    /// The exact bytes the chain hashes: a JSON array of every field in a fixed order.
    fn canonical(&self) -> String {
        let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
        serde_json::json!([
            self.id.to_string(),
            self.at.unix_timestamp_nanos() / 1000,
            self.kind.as_str(),
            self.actor_type,
            self.actor_id,
            self.actor_label,
            self.tenant_id.map(|t| t.to_string()),
            self.outcome.as_str(),
            self.reason,
            self.ip,
            self.user_agent,
            json(&self.before),
            json(&self.after),
        ])
        .to_string()
    }

    /// The hash of this event chained after the one whose hash is `prev_hash`.
    pub fn chained_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        hex(&h.finalize())
    }
}

/// Escapes control characters and bounds the length so a value cannot flood or forge the log.
fn bounded(value: &str, max_chars: usize) -> String {
    escape_control(&value.chars().take(max_chars).collect::<String>())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The `prev_hash` of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored: its place in the chain and the hashes that link it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// Chains `event` after `previous` (or as the first record).
    pub fn chain(previous: Option<(i64, &str)>, event: AuditEvent) -> Self {
        let (seq, prev_hash) = previous.map_or((1, GENESIS_HASH), |(s, h)| (s + 1, h));
        let hash = event.chained_hash(prev_hash);
        AuditRecord { seq, event, prev_hash: prev_hash.to_owned(), hash }
    }
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at record {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks records one by one in `seq` order, so a log of any length verifies in constant memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { next_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    pub fn feed(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        let broken = |reason: String| Err(ChainBreak { seq: r.seq, reason });
        if r.seq != self.next_seq {
            return broken(format!("expected record {} (a record was deleted or inserted)", self.next_seq));
        }
        if r.prev_hash != self.prev_hash {
            return broken("its link to the previous record does not match".into());
        }
        if r.event.chained_hash(&r.prev_hash) != r.hash {
            return broken("its content does not match its hash (the record was altered)".into());
        }
        self.next_seq += 1;
        self.prev_hash.clone_from(&r.hash);
        Ok(())
    }

    /// Records verified so far.
    pub fn verified(&self) -> i64 {
        self.next_seq - 1
    }

    /// The hash of the last verified record: write it down elsewhere to detect a cut-off tail later.
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

impl fmt::Display for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {} by {} {}",
            self.seq, self.event.at, self.event.kind, self.event.actor_type, self.event.actor_label
        )
    }
}

impl FromStr for ChainVerifier {
    type Err = ValidationError;
    /// Resumes verification after a known-good head written as `seq:hash`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ValidationError::new("head", "expected SEQ:HASH");
        let (seq, hash) = s.split_once(':').ok_or_else(err)?;
        let seq: i64 = seq.parse().map_err(|_| err())?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || seq < 0 {
            return Err(err());
        }
        Ok(ChainVerifier { next_seq: seq + 1, prev_hash: hash.to_ascii_lowercase() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn chain(n: u32) -> Vec<AuditRecord> {
        let actor = Actor::cli("root");
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let ev = AuditEvent::new(
                Uuid::from_u128(u128::from(i)),
                datetime!(2026-11-21 12:00:00.123456789 UTC),
                AuditKind::TenantCreated,
                &actor,
                Outcome::Success,
            )
            .reason(format!("line\n{i}"))
            .change(None, Some(serde_json::json!({"b": 1, "a": [1.5, null]})));
            let prev = out.last().map(|r| (r.seq, r.hash.as_str()));
            out.push(AuditRecord::chain(prev, ev));
        }
        out
    }

    fn verify(records: &[AuditRecord]) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        records.iter().try_for_each(|r| v.feed(r))?;
        Ok(v.verified())
    }

    #[test]
    fn events_are_truncated_to_microseconds_and_escaped() {
        let r = &chain(1)[0];
        assert_eq!(r.event.at.nanosecond(), 123_456_000);
        assert_eq!(r.event.reason.as_deref(), Some("line\\n0"));
        assert_eq!(r.prev_hash, GENESIS_HASH);
        assert_eq!(r.hash.len(), 64);
    }

    #[test]
    fn an_intact_chain_verifies_s28() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn an_altered_record_breaks_the_chain_s28() {
        let mut records = chain(5);
        records[2].event.outcome = Outcome::Failure;
        assert_eq!(verify(&records).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn a_deleted_record_breaks_the_chain_s28() {
        let mut records = chain(5);
        records.remove(1);
        assert_eq!(verify(&records).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn a_rehashed_record_breaks_the_next_link_s28() {
        let mut records = chain(5);
        records[1].event.reason = Some("forged".into());
        records[1].hash = records[1].event.chained_hash(&records[1].prev_hash);
        assert_eq!(verify(&records).map_err(|b| b.seq), Err(3));
    }

    #[test]
    fn verification_resumes_from_a_recorded_head() {
        let records = chain(4);
        let mut v: ChainVerifier = format!("2:{}", records[1].hash).parse().expect("head");
        assert!(records[2..].iter().try_for_each(|r| v.feed(r)).is_ok());
        assert_eq!(v.verified(), 4);
        assert!("x".parse::<ChainVerifier>().is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for k in AuditKind::ALL {
            assert_eq!(k.as_str().parse::<AuditKind>(), Ok(*k));
        }
    }
}
