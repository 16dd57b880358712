//! Governed support access to a tenant's end users and authentication logs: asked for with a
//! reason (and an optional ticket), granted to one actor for one tenant for
//! [`SUPPORT_WINDOW`], and on the record as cross-tenant access.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::actor::{Actor, ActorKind};
use crate::error::ValidationError;
use crate::tenant::TenantId;
use crate::text::single_line;

/// How long one grant lasts.
pub const SUPPORT_WINDOW: Duration = Duration::minutes(15);

/// One actor's time-boxed access to one tenant's live data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportGrant {
    pub id: Uuid,
    pub tenant: TenantId,
    /// Who holds it: [`actor_key`] of the actor.
    pub holder: String,
    /// The holder's label, for people reading the record.
    pub holder_label: String,
    pub reason: String,
    pub ticket: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl SupportGrant {
    /// A grant to `actor` on `tenant` from `now`; the reason is required (5–500 characters),
    /// the ticket optional (at most 100).
    pub fn open(
        id: Uuid,
        tenant: TenantId,
        actor: &Actor,
        reason: &str,
        ticket: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Self, ValidationError> {
        let reason = single_line("reason", reason, 5, 500)?;
        let ticket = match ticket.map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(single_line("ticket", t, 1, 100)?),
        };
        Ok(SupportGrant {
            id,
            tenant,
            holder: actor_key(actor),
            holder_label: actor.kind.to_string(),
            reason,
            ticket,
            granted_at: now,
            expires_at: now + SUPPORT_WINDOW,
        })
    }

    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }

    /// Whole minutes left (rounded up), zero once over.
    pub fn minutes_left(&self, now: OffsetDateTime) -> i64 {
        let left = self.expires_at - now;
        if left.is_positive() { (left.whole_seconds() + 59) / 60 } else { 0 }
    }
}

/// A stable name of who is acting, to match grants to their holder.
pub fn actor_key(actor: &Actor) -> String {
    match &actor.kind {
        ActorKind::Admin { id, .. } => format!("admin:{id}"),
        ActorKind::ApiKey { id, .. } => format!("api_key:{id}"),
        ActorKind::Cli { user } => format!("cli:{user}"),
        ActorKind::System => "system".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_grant_needs_a_reason_and_lasts_fifteen_minutes() {
        let now = datetime!(2026-11-22 10:00 UTC);
        let t = TenantId::from_uuid(Uuid::from_u128(7));
        let actor = Actor::cli("ops");
        assert_eq!(
            SupportGrant::open(Uuid::nil(), t, &actor, " ", None, now).expect_err("no reason").field,
            "reason"
        );
        let g = SupportGrant::open(Uuid::nil(), t, &actor, "ticket about login loops", Some(" T-42 "), now)
            .expect("granted");
        assert_eq!((g.ticket.as_deref(), g.holder.as_str()), (Some("T-42"), "cli:ops"));
        assert!(g.is_active(now + Duration::minutes(14)));
        assert!(!g.is_active(now + SUPPORT_WINDOW));
        assert_eq!(g.minutes_left(now + Duration::seconds(30)), 15);
        assert_eq!(g.minutes_left(now + Duration::minutes(20)), 0);
    }
}
