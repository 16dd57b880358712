//! The plan catalogue: what each plan includes, allows and costs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::features::{AdvancedFeature, MfaMethod};

/// A tenant's subscription plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Basic,
    Premium,
    Enterprise,
}

/// What a plan includes. Money is in cents of the platform's billing currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLimits {
    pub included_monthly_authentications: u64,
    /// `None`: no limit.
    pub max_users: Option<u64>,
    pub api_requests_per_minute: u32,
    pub api_requests_per_hour: u32,
    pub mfa_methods: &'static [MfaMethod],
    pub advanced_features: &'static [AdvancedFeature],
    pub monthly_price_cents: u64,
    /// Price of each started block of 1,000 authentications above the included amount;
    /// `None` means the plan has a hard cap and no overage.
    pub overage_cents_per_1000: Option<u64>,
}

use AdvancedFeature as F;
use MfaMethod as M;

const FREE: PlanLimits = PlanLimits {
    included_monthly_authentications: 1_000,
    max_users: Some(100),
    api_requests_per_minute: 60,
    api_requests_per_hour: 1_000,
    mfa_methods: &[M::Totp, M::BackupCodes],
    advanced_features: &[],
    monthly_price_cents: 0,
    overage_cents_per_1000: None,
};

const BASIC: PlanLimits = PlanLimits {
    included_monthly_authentications: 10_000,
    max_users: Some(1_000),
    api_requests_per_minute: 300,
    api_requests_per_hour: 10_000,
    mfa_methods: &[M::Totp, M::EmailOtp, M::BackupCodes],
    advanced_features: &[F::RateLimiting, F::ApiAccess, F::AuditLogs, F::SessionManagement],
    monthly_price_cents: 2_900,
    overage_cents_per_1000: Some(50),
};

const PREMIUM: PlanLimits = PlanLimits {
    included_monthly_authentications: 100_000,
    max_users: Some(10_000),
    api_requests_per_minute: 1_000,
    api_requests_per_hour: 50_000,
    mfa_methods: &[M::Totp, M::EmailOtp, M::Sms, M::Passkeys, M::BackupCodes],
    advanced_features: &[
        F::RateLimiting,
        F::CustomBranding,
        F::ApiAccess,
        F::PrioritySupport,
        F::RiskAnalysis,
        F::DeviceTracking,
        F::GeoBlocking,
        F::SessionManagement,
        F::AuditLogs,
        F::CustomDomains,
        F::WebhookNotifications,
    ],
    monthly_price_cents: 19_900,
    overage_cents_per_1000: Some(30),
};

const ENTERPRISE: PlanLimits = PlanLimits {
    included_monthly_authentications: 1_000_000,
    max_users: None,
    api_requests_per_minute: 5_000,
    api_requests_per_hour: 250_000,
    mfa_methods: MfaMethod::ALL,
    advanced_features: AdvancedFeature::ALL,
    monthly_price_cents: 99_900,
    overage_cents_per_1000: Some(20),
};

impl Plan {
    pub const ALL: [Plan; 4] = [Plan::Free, Plan::Basic, Plan::Premium, Plan::Enterprise];

    pub fn limits(self) -> &'static PlanLimits {
        match self {
            Plan::Free => &FREE,
            Plan::Basic => &BASIC,
            Plan::Premium => &PREMIUM,
            Plan::Enterprise => &ENTERPRISE,
        }
    }

    pub fn allows_method(self, method: MfaMethod) -> bool {
        self.limits().mfa_methods.contains(&method)
    }

    pub fn allows_feature(self, feature: AdvancedFeature) -> bool {
        self.limits().advanced_features.contains(&feature)
    }

    /// Enterprise quotas are negotiated per contract, so they may exceed the catalogue figures.
    pub fn quotas_are_negotiable(self) -> bool {
        self == Plan::Enterprise
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Basic => "basic",
            Plan::Premium => "premium",
            Plan::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Plan::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            ValidationError::new(
                "plan",
                format!("unknown plan {s:?} (expected free, basic, premium or enterprise)"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_rejects_unknown_plans() {
        assert_eq!("Premium".parse::<Plan>(), Ok(Plan::Premium));
        let err = "gold".parse::<Plan>().expect_err("unknown");
        assert_eq!(err.field, "plan");
        assert!(err.message.contains("gold"));
    }

    #[test]
    fn higher_plans_include_everything_lower_plans_allow() {
        for pair in Plan::ALL.windows(2) {
            let (lower, higher) = (pair[0].limits(), pair[1].limits());
            assert!(lower.mfa_methods.iter().all(|m| higher.mfa_methods.contains(m)));
            assert!(lower.advanced_features.iter().all(|f| higher.advanced_features.contains(f)));
            assert!(lower.included_monthly_authentications < higher.included_monthly_authentications);
            assert!(lower.api_requests_per_minute < higher.api_requests_per_minute);
        }
    }

    #[test]
    fn every_plan_allows_totp_and_its_hourly_rate_covers_its_minute_rate() {
        for plan in Plan::ALL {
            assert!(plan.allows_method(MfaMethod::Totp), "{plan}");
            let l = plan.limits();
            assert!(l.api_requests_per_hour >= l.api_requests_per_minute, "{plan}");
        }
    }

    #[test]
    fn only_the_free_plan_has_a_hard_cap() {
        assert_eq!(Plan::Free.limits().overage_cents_per_1000, None);
        assert!(Plan::ALL[1..].iter().all(|p| p.limits().overage_cents_per_1000.is_some()));
    }
}
