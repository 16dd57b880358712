//! The features form of a tenant: MFA methods and advanced features as checkboxes, quotas as
//! number fields. What the plan does not include is shown disabled with the reason; the use
//! case remains the judge (a forged POST is refused there).

use std::collections::BTreeSet;
use std::str::FromStr as _;

use gatehouse_domain::{AdvancedFeature, Features, MfaMethod, Plan, Quotas, ValidationError};
use maud::{Markup, html};

use crate::views::components::{FieldError, csrf_input, form_error, thousands};

/// The quota inputs: (form name, label).
const QUOTAS: [(&str, &str); 4] = [
    ("monthly_authentications", "Authentications per month"),
    ("max_users", "Users (empty: no limit)"),
    ("api_requests_per_minute", "API requests per minute"),
    ("api_requests_per_hour", "API requests per hour"),
];

/// The form as typed (or as stored): names of the ticked boxes and the quota texts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeaturesForm {
    pub methods: BTreeSet<String>,
    pub advanced: BTreeSet<String>,
    pub monthly_authentications: String,
    pub max_users: String,
    pub api_requests_per_minute: String,
    pub api_requests_per_hour: String,
}

impl From<&Features> for FeaturesForm {
    fn from(f: &Features) -> Self {
        let q = &f.quotas;
        FeaturesForm {
            methods: f.methods.iter().map(|m| m.as_str().to_owned()).collect(),
            advanced: f.advanced.iter().map(|a| a.as_str().to_owned()).collect(),
            monthly_authentications: q.monthly_authentications.to_string(),
            max_users: q.max_users.map(|n| n.to_string()).unwrap_or_default(),
            api_requests_per_minute: q.api_requests_per_minute.to_string(),
            api_requests_per_hour: q.api_requests_per_hour.to_string(),
        }
    }
}

fn number<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, ValidationError> {
    text.trim().parse::<T>().map_err(|_| ValidationError::new(field, "must be a whole number, 0 or more"))
}

impl FeaturesForm {
    /// Reads the posted fields (`method`, `feature` repeated; the quota fields once).
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let all = |name: &str| -> BTreeSet<String> {
            fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
        };
        let one =
            |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        FeaturesForm {
            methods: all("method"),
            advanced: all("feature"),
            monthly_authentications: one("monthly_authentications"),
            max_users: one("max_users"),
            api_requests_per_minute: one("api_requests_per_minute"),
            api_requests_per_hour: one("api_requests_per_hour"),
        }
    }

    /// The features the form describes; whether the plan allows them is the use case's call.
    pub fn to_features(&self) -> Result<Features, ValidationError> {
        let methods =
            self.methods.iter().map(|m| MfaMethod::from_str(m)).collect::<Result<BTreeSet<_>, _>>()?;
        let advanced =
            self.advanced.iter().map(|a| AdvancedFeature::from_str(a)).collect::<Result<BTreeSet<_>, _>>()?;
        let max_users = match self.max_users.trim() {
            "" => None,
            text => Some(number("max_users", text)?),
        };
        let quotas = Quotas {
            monthly_authentications: number("monthly_authentications", &self.monthly_authentications)?,
            max_users,
            api_requests_per_minute: number("api_requests_per_minute", &self.api_requests_per_minute)?,
            api_requests_per_hour: number("api_requests_per_hour", &self.api_requests_per_hour)?,
        };
        Ok(Features { methods, advanced, quotas })
    }

    fn quota(&self, name: &str) -> &str {
        match name {
            "monthly_authentications" => &self.monthly_authentications,
            "max_users" => &self.max_users,
            "api_requests_per_minute" => &self.api_requests_per_minute,
            _ => &self.api_requests_per_hour,
        }
    }
}

/// The plan's ceiling of a quota, shown as a hint and a `max` (none on enterprise).
fn ceiling(plan: Plan, name: &str) -> Option<u64> {
    if plan.quotas_are_negotiable() {
        return None;
    }
    let l = plan.limits();
    match name {
        "monthly_authentications" => Some(l.included_monthly_authentications),
        "max_users" => l.max_users,
        "api_requests_per_minute" => Some(u64::from(l.api_requests_per_minute)),
        _ => Some(u64::from(l.api_requests_per_hour)),
    }
}

fn checkbox(name: &str, value: &str, label: &str, on: bool, allowed: bool, plan: Plan) -> Markup {
    let id = format!("f-{name}-{value}");
    html! {
        label.inline.feature for=(id) {
            input.check id=(id) type="checkbox" name=(name) value=(value) checked[on && allowed] disabled[!allowed];
            (label)
            @if !allowed { " " span.muted.not-in-plan { "not in the " (plan.as_str()) " plan" } }
        }
    }
}

/// The features section's form.
pub fn form(
    csrf: &str,
    action: &str,
    version: i64,
    plan: Plan,
    f: &FeaturesForm,
    errors: &FieldError,
) -> Markup {
    let quota_names: Vec<&str> = QUOTAS.iter().map(|(n, _)| *n).collect();
    html! {
        form.card.features method="post" action=(action) {
            (csrf_input(csrf))
            input type="hidden" name="version" value=(version);
            (form_error(errors.other(&quota_names)))
            fieldset {
                legend { "MFA methods" }
                @for m in MfaMethod::ALL {
                    (checkbox("method", m.as_str(), m.label(), f.methods.contains(m.as_str()), plan.allows_method(*m), plan))
                }
            }
            fieldset {
                legend { "Advanced features" }
                @for a in AdvancedFeature::ALL {
                    (checkbox("feature", a.as_str(), a.label(), f.advanced.contains(a.as_str()), plan.allows_feature(*a), plan))
                }
            }
            fieldset {
                legend { "Quotas" }
                @for (name, label) in QUOTAS {
                    @let id = format!("f-{name}");
                    @let max = ceiling(plan, name);
                    @let error = errors.on(name);
                    label for=(id) { (label) }
                    input id=(id) type="number" name=(name) value=(f.quota(name)) min="0" max=[max]
                        required[name != "max_users"] aria-invalid=[error.map(|_| "true")];
                    @match max {
                        Some(m) => p.hint { "At most " (thousands(m)) " on the " (plan.as_str()) " plan." },
                        None if plan.quotas_are_negotiable() => p.hint { "Negotiated per contract on the " (plan.as_str()) " plan." },
                        None => {},
                    }
                    @if let Some(m) = error { p.field-error { (m) } }
                }
            }
            button type="submit" { "Save features" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_features_and_names_bad_numbers() {
        let f = Features::default_for(Plan::Premium);
        assert_eq!(FeaturesForm::from(&f).to_features(), Ok(f));
        let bad = FeaturesForm { monthly_authentications: "lots".into(), ..FeaturesForm::default() };
        assert_eq!(bad.to_features().map_err(|e| e.field), Err("monthly_authentications"));
        let forged =
            FeaturesForm { methods: ["carrier_pigeon".to_owned()].into(), ..FeaturesForm::default() };
        assert_eq!(forged.to_features().map_err(|e| e.field), Err("method"));
    }
}
