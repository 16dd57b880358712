//! What a tenant may use: MFA methods, advanced features and quotas, and the one place that
//! says what a plan permits (`Features::validate`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, ValidationError};
use crate::plan::Plan;

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal, $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable machine name (`email_otp`), used in the API, the CLI and storage.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The name people read (`E-mail OTP`).
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().replace('-', "_").to_ascii_lowercase();
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    let names: Vec<_> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ValidationError::new($field, format!("unknown {} {s:?} (expected one of {})", $field, names.join(", ")))
                })
            }
        }
    };
}

named_enum!(
    /// A way for a tenant's end users to prove who they are.
    MfaMethod, "method" {
        Totp => "totp", "TOTP authenticator app",
        EmailOtp => "email_otp", "E-mail one-time code",
        Sms => "sms", "SMS one-time code",
        Passkeys => "passkeys", "Passkeys (WebAuthn)",
        BackupCodes => "backup_codes", "Backup codes",
    }
);

named_enum!(
    /// A capability beyond the MFA methods themselves.
    AdvancedFeature, "feature" {
        RateLimiting => "rate_limiting", "Rate limiting",
        CustomBranding => "custom_branding", "Custom branding",
        ApiAccess => "api_access", "API access",
        PrioritySupport => "priority_support", "Priority support",
        RiskAnalysis => "risk_analysis", "Risk analysis",
        DeviceTracking => "device_tracking", "Device tracking",
        GeoBlocking => "geo_blocking", "Geo-blocking",
        SessionManagement => "session_management", "Session management",
        AuditLogs => "audit_logs", "Audit logs",
        CustomDomains => "custom_domains", "Custom domains",
        WebhookNotifications => "webhook_notifications", "Webhook notifications",
        DedicatedSupport => "dedicated_support", "Dedicated support",
    }
);

/// Per-tenant limits. They start at the plan's figures and may be lowered, never raised above
/// them (except on the enterprise plan, whose quotas are negotiated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotas {
    pub monthly_authentications: u64,
    /// `None`: no limit.
    pub max_users: Option<u64>,
    pub api_requests_per_minute: u32,
    pub api_requests_per_hour: u32,
}

impl Quotas {
    pub fn of_plan(plan: Plan) -> Self {
        let l = plan.limits();
        Quotas {
            monthly_authentications: l.included_monthly_authentications,
            max_users: l.max_users,
            api_requests_per_minute: l.api_requests_per_minute,
            api_requests_per_hour: l.api_requests_per_hour,
        }
    }
}

/// The switches and quotas of one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    pub methods: BTreeSet<MfaMethod>,
    pub advanced: BTreeSet<AdvancedFeature>,
    pub quotas: Quotas,
}

/// One way in which a set of features goes beyond what a plan permits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureViolation {
    MethodNotInPlan { method: MfaMethod, plan: Plan },
    FeatureNotInPlan { feature: AdvancedFeature, plan: Plan },
    QuotaAbovePlan { quota: &'static str, value: u64, limit: u64, plan: Plan },
    NoMethodEnabled,
    QuotaInvalid { quota: &'static str, reason: &'static str },
}

impl fmt::Display for FeatureViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MethodNotInPlan { method, plan } => {
                write!(f, "the {plan} plan does not include the MFA method {method}")
            }
            Self::FeatureNotInPlan { feature, plan } => {
                write!(f, "the {plan} plan does not include the feature {feature}")
            }
            Self::QuotaAbovePlan { quota, value, limit, plan } => {
                write!(f, "{quota} = {value} is above the {plan} plan's {limit}")
            }
            Self::NoMethodEnabled => f.write_str("at least one MFA method must stay enabled"),
            Self::QuotaInvalid { quota, reason } => write!(f, "{quota}: {reason}"),
        }
    }
}

/// Something `Features::restrict_to` switched off or lowered because a new plan forbids it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SwitchedOff {
    Method { method: MfaMethod },
    Feature { feature: AdvancedFeature },
    QuotaLowered { quota: &'static str, from: u64, to: u64 },
}

impl fmt::Display for SwitchedOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Method { method } => write!(f, "MFA method {method} switched off"),
            Self::Feature { feature } => write!(f, "feature {feature} switched off"),
            Self::QuotaLowered { quota, from, to } => write!(f, "{quota} lowered from {from} to {to}"),
        }
    }
}

impl Features {
    /// A new tenant gets everything its plan allows, at the plan's quotas.
    pub fn default_for(plan: Plan) -> Self {
        let l = plan.limits();
        Features {
            methods: l.mfa_methods.iter().copied().collect(),
            advanced: l.advanced_features.iter().copied().collect(),
            quotas: Quotas::of_plan(plan),
        }
    }

    /// Every way these features go beyond `plan`; empty means allowed.
    pub fn violations(&self, plan: Plan) -> Vec<FeatureViolation> {
        let mut out: Vec<FeatureViolation> = Vec::new();
        if self.methods.is_empty() {
            out.push(FeatureViolation::NoMethodEnabled);
        }
        out.extend(
            self.methods
                .iter()
                .filter(|m| !plan.allows_method(**m))
                .map(|&method| FeatureViolation::MethodNotInPlan { method, plan }),
        );
        out.extend(
            self.advanced
                .iter()
                .filter(|f| !plan.allows_feature(**f))
                .map(|&feature| FeatureViolation::FeatureNotInPlan { feature, plan }),
        );
        let q = &self.quotas;
        if q.api_requests_per_minute == 0 {
            out.push(FeatureViolation::QuotaInvalid {
                quota: "api_requests_per_minute",
                reason: "must be at least 1",
            });
        }
        if q.api_requests_per_hour < q.api_requests_per_minute {
            out.push(FeatureViolation::QuotaInvalid {
                quota: "api_requests_per_hour",
                reason: "must be at least api_requests_per_minute",
            });
        }
        if !plan.quotas_are_negotiable() {
            out.extend(
                quota_excesses(q, &Quotas::of_plan(plan)).map(|(quota, value, limit)| {
                    FeatureViolation::QuotaAbovePlan { quota, value, limit, plan }
                }),
            );
        }
        out
    }

    /// Checks these features against `plan`, naming every violation at once.
    pub fn validate(&self, plan: Plan) -> Result<(), DomainError> {
        let violations = self.violations(plan);
        if violations.is_empty() { Ok(()) } else { Err(DomainError::FeaturesNotAllowed(violations)) }
    }

    /// These features cut down to what `plan` permits, with a list of what was switched off.
    /// Used when a tenant moves to a smaller plan; TOTP is kept on if nothing else remains.
    pub fn restrict_to(&self, plan: Plan) -> (Features, Vec<SwitchedOff>) {
        let mut changes = Vec::new();
        let mut methods = BTreeSet::new();
        for &method in &self.methods {
            if plan.allows_method(method) {
                methods.insert(method);
            } else {
                changes.push(SwitchedOff::Method { method });
            }
        }
        if methods.is_empty() {
            methods.insert(MfaMethod::Totp);
        }
        let mut advanced = BTreeSet::new();
        for &feature in &self.advanced {
            if plan.allows_feature(feature) {
                advanced.insert(feature);
            } else {
                changes.push(SwitchedOff::Feature { feature });
            }
        }
        let mut quotas = self.quotas.clone();
        if !plan.quotas_are_negotiable() {
            let limit = Quotas::of_plan(plan);
            for (quota, from, to) in quota_excesses(&self.quotas, &limit) {
                changes.push(SwitchedOff::QuotaLowered { quota, from, to });
            }
            quotas.monthly_authentications =
                quotas.monthly_authentications.min(limit.monthly_authentications);
            quotas.max_users = match (quotas.max_users, limit.max_users) {
                (Some(v), Some(l)) => Some(v.min(l)),
                (None, l) => l,
                (v, None) => v,
            };
            quotas.api_requests_per_minute =
                quotas.api_requests_per_minute.min(limit.api_requests_per_minute);
            quotas.api_requests_per_hour = quotas.api_requests_per_hour.min(limit.api_requests_per_hour);
        }
        (Features { methods, advanced, quotas }, changes)
    }
}

/// `(name, value, limit)` for every quota in `q` above `limit`. A missing `max_users` means
/// unlimited, which exceeds any number.
fn quota_excesses(q: &Quotas, limit: &Quotas) -> impl Iterator<Item = (&'static str, u64, u64)> {
    let users = match (q.max_users, limit.max_users) {
        (_, None) => None,
        (None, Some(l)) => Some(("max_users", u64::MAX, l)),
        (Some(v), Some(l)) => (v > l).then_some(("max_users", v, l)),
    };
    [
        (q.monthly_authentications > limit.monthly_authentications).then_some((
            "monthly_authentications",
            q.monthly_authentications,
            limit.monthly_authentications,
        )),
        users,
        (q.api_requests_per_minute > limit.api_requests_per_minute).then_some((
            "api_requests_per_minute",
            u64::from(q.api_requests_per_minute),
            u64::from(limit.api_requests_per_minute),
        )),
        (q.api_requests_per_hour > limit.api_requests_per_hour).then_some((
            "api_requests_per_hour",
            u64::from(q.api_requests_per_hour),
            u64::from(limit.api_requests_per_hour),
        )),
    ]
    .into_iter()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_of_every_plan_are_valid_for_it() {
        for plan in Plan::ALL {
            assert_eq!(Features::default_for(plan).validate(plan), Ok(()), "{plan}");
        }
    }

    #[test]
    fn validate_names_every_violation() {
        let mut f = Features::default_for(Plan::Enterprise);
        f.quotas.monthly_authentications = 5_000_000;
        let DomainError::FeaturesNotAllowed(v) = f.validate(Plan::Basic).expect_err("too much") else {
            panic!("wrong error")
        };
        assert!(v.contains(&FeatureViolation::MethodNotInPlan { method: MfaMethod::Sms, plan: Plan::Basic }));
        assert!(v.contains(&FeatureViolation::FeatureNotInPlan {
            feature: AdvancedFeature::GeoBlocking,
            plan: Plan::Basic
        }));
        assert!(
            v.iter().any(|x| matches!(
                x,
                FeatureViolation::QuotaAbovePlan { quota: "monthly_authentications", .. }
            ))
        );
        assert!(v.iter().any(|x| matches!(
            x,
            FeatureViolation::QuotaAbovePlan { quota: "max_users", value: u64::MAX, .. }
        )));
    }

    #[test]
    fn enterprise_quotas_may_exceed_the_catalogue_but_not_break_consistency() {
        let mut f = Features::default_for(Plan::Enterprise);
        f.quotas.monthly_authentications = 50_000_000;
        assert_eq!(f.validate(Plan::Enterprise), Ok(()));
        f.quotas.api_requests_per_hour = 10;
        assert!(f.validate(Plan::Enterprise).is_err());
    }

    #[test]
    fn an_empty_method_set_is_refused() {
        let mut f = Features::default_for(Plan::Free);
        f.methods.clear();
        assert_eq!(f.violations(Plan::Free), vec![FeatureViolation::NoMethodEnabled]);
    }

    #[test]
    fn restricting_reports_what_was_switched_off() {
        let premium = Features::default_for(Plan::Premium);
        let (free, changes) = premium.restrict_to(Plan::Free);
        assert_eq!(free.validate(Plan::Free), Ok(()));
        assert!(changes.contains(&SwitchedOff::Method { method: MfaMethod::Sms }));
        assert!(changes.contains(&SwitchedOff::Feature { feature: AdvancedFeature::CustomBranding }));
        assert!(changes.contains(&SwitchedOff::QuotaLowered {
            quota: "monthly_authentications",
            from: 100_000,
            to: 1_000
        }));
        let (same, none) = free.restrict_to(Plan::Premium);
        assert_eq!((same, none), (free, vec![]));
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_explained() {
        for m in MfaMethod::ALL {
            assert_eq!(m.as_str().parse::<MfaMethod>(), Ok(*m));
        }
        assert_eq!("email-otp".parse::<MfaMethod>(), Ok(MfaMethod::EmailOtp));
        let err = "carrier_pigeon".parse::<AdvancedFeature>().expect_err("unknown");
        assert_eq!(err.field, "feature");
        assert!(err.message.contains("geo_blocking"));
    }

    fn any_features() -> impl Strategy<Value = Features> {
        (
            prop::sample::subsequence(MfaMethod::ALL.to_vec(), 0..=MfaMethod::ALL.len()),
            prop::sample::subsequence(AdvancedFeature::ALL.to_vec(), 0..=AdvancedFeature::ALL.len()),
            0u64..2_000_000,
            prop::option::of(0u64..20_000),
            1u32..10_000,
            1u32..500_000,
        )
            .prop_map(|(m, a, auths, users, per_min, per_hour)| Features {
                methods: m.into_iter().collect(),
                advanced: a.into_iter().collect(),
                quotas: Quotas {
                    monthly_authentications: auths,
                    max_users: users,
                    api_requests_per_minute: per_min,
                    api_requests_per_hour: per_hour.max(per_min),
                },
            })
    }

    proptest! {
        #[test]
        fn restrict_to_always_yields_features_the_plan_accepts(f in any_features(), plan in prop::sample::select(Plan::ALL.to_vec())) {
            let (restricted, _) = f.restrict_to(plan);
            prop_assert_eq!(restricted.validate(plan), Ok(()));
            if f.validate(plan).is_ok() {
                prop_assert_eq!(restricted, f);
            }
        }
    }
}
