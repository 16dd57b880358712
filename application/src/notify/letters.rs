//! The tenant notification e-mails: each one is a [`Letter`] of a few blocks, rendered once as
//! plain text and once as HTML. Every value that reaches the HTML passes through [`escape`]
//! (names, reasons and e-mail addresses are typed by people).

use gatehouse_domain::{EmailMessage, Features, Month, Plan, SwitchedOff, Tenant, UsageTotals};

/// One part of a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Para(String),
    /// `label: value` lines (a table in HTML).
    Facts(Vec<(&'static str, String)>),
    /// A bulleted list.
    List(Vec<String>),
}

/// A notification before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub blocks: Vec<Block>,
}

const SIGNATURE: &str = "This message was sent by Gatehouse, the control panel of your MFA service. \
                         Reply to your account manager if anything here is unexpected.";

impl Letter {
    fn new(tenant: &Tenant, subject: &str, blocks: Vec<Block>) -> Self {
        let subject: String =
            format!("{}: {subject}", tenant.name.as_str()).chars().take(EmailMessage::MAX_SUBJECT).collect();
        Letter { subject, blocks }
    }

    /// The e-mail to `tenant`'s contact address.
    pub fn to(self, tenant: &Tenant) -> EmailMessage {
        EmailMessage {
            to: tenant.contact_email.clone(),
            text: self.text(),
            html: self.html(),
            subject: self.subject,
        }
    }

    fn text(&self) -> String {
        let mut out = String::from("Hello,\n\n");
        for block in &self.blocks {
            match block {
                Block::Para(p) => out.push_str(p),
                Block::Facts(facts) => {
                    let lines: Vec<String> = facts.iter().map(|(k, v)| format!("  {k}: {v}")).collect();
                    out.push_str(&lines.join("\n"));
                }
                Block::List(items) => {
                    let lines: Vec<String> = items.iter().map(|i| format!("  - {i}")).collect();
                    out.push_str(&lines.join("\n"));
                }
            }
            out.push_str("\n\n");
        }
        out.push_str("-- \n");
        out.push_str(SIGNATURE);
        out.push('\n');
        out
    }

    fn html(&self) -> String {
        let mut out =
            String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        out.push_str(&escape(&self.subject));
        out.push_str(
            "</title></head><body style=\"font-family:sans-serif;line-height:1.5\">\n<p>Hello,</p>\n",
        );
        for block in &self.blocks {
            match block {
                Block::Para(p) => element(&mut out, "<p>", p, "</p>\n"),
                Block::Facts(facts) => {
                    out.push_str("<table>\n");
                    for (k, v) in facts {
                        element(&mut out, "<tr><th align=\"left\">", k, "</th>");
                        element(&mut out, "<td>", v, "</td></tr>\n");
                    }
                    out.push_str("</table>\n");
                }
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        element(&mut out, "<li>", i, "</li>\n");
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
        element(&mut out, "<hr>\n<p><small>", SIGNATURE, "</small></p>\n</body></html>\n");
        out
    }
}

/// Appends `open`, `text` escaped, then `close` (the tags are fixed markup, never input).
fn element(out: &mut String, open: &str, text: &str, close: &str) {
    out.push_str(open);
    out.push_str(&escape(text));
    out.push_str(close);
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn service(tenant: &Tenant) -> String {
    format!("The MFA service of {} ({})", tenant.name.as_str(), tenant.slug.as_str())
}

fn reason(tenant: &Tenant) -> Block {
    Block::Facts(vec![("Reason", tenant.status_reason.clone().unwrap_or_else(|| "not given".into()))])
}

pub fn activated(t: &Tenant) -> Letter {
    let body = vec![Block::Para(format!("{} is now active: your users can sign in with MFA.", service(t)))];
    Letter::new(t, "your MFA service is active", body)
}

pub fn reactivated(t: &Tenant) -> Letter {
    let body = vec![Block::Para(format!("{} is active again: your users can sign in with MFA.", service(t)))];
    Letter::new(t, "your MFA service is active again", body)
}

pub fn suspended(t: &Tenant) -> Letter {
    let body = vec![
        Block::Para(format!("{} has been suspended.", service(t))),
        reason(t),
        Block::Para(
            "While it is suspended, MFA sign-ins on your sites are refused and your API keys are revoked. \
             Contact us to have it reactivated."
                .into(),
        ),
    ];
    Letter::new(t, "your MFA service is suspended", body)
}

pub fn cancelled(t: &Tenant) -> Letter {
    let body = vec![
        Block::Para(format!("{} has been cancelled.", service(t))),
        reason(t),
        Block::Para(
            "Your sites are no longer served and your API keys are revoked. Cancelling is final.".into(),
        ),
    ];
    Letter::new(t, "your MFA service is cancelled", body)
}

fn features(f: &Features) -> Block {
    let join = |names: Vec<&str>| if names.is_empty() { "none".to_owned() } else { names.join(", ") };
    let q = &f.quotas;
    Block::Facts(vec![
        ("MFA methods", join(f.methods.iter().map(|m| m.label()).collect())),
        ("Advanced features", join(f.advanced.iter().map(|a| a.label()).collect())),
        ("Authentications per month", q.monthly_authentications.to_string()),
        ("Users", q.max_users.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())),
        (
            "API requests",
            format!("{} per minute, {} per hour", q.api_requests_per_minute, q.api_requests_per_hour),
        ),
    ])
}

pub fn plan_changed(t: &Tenant, from: Plan, switched_off: &[SwitchedOff]) -> Letter {
    let mut body = vec![Block::Para(format!(
        "{} moved from the {from} plan to the {} plan. It now includes:",
        service(t),
        t.plan
    ))];
    body.push(features(&t.features));
    if !switched_off.is_empty() {
        body.push(Block::Para("The new plan switched off or lowered:".into()));
        body.push(Block::List(switched_off.iter().map(ToString::to_string).collect()));
    }
    Letter::new(t, format!("your plan is now {}", t.plan).as_str(), body)
}

pub fn features_changed(t: &Tenant) -> Letter {
    let body = vec![
        Block::Para(format!(
            "The features of the MFA service of {} ({}) were changed. It now includes:",
            t.name.as_str(),
            t.slug.as_str()
        )),
        features(&t.features),
    ];
    Letter::new(t, "your MFA features changed", body)
}

/// The month's authentications reached 80 % (`reached == false`) or 100 % of the quota.
pub fn quota(t: &Tenant, month: Month, used: &UsageTotals, reached: bool) -> Letter {
    let quota = t.features.quotas.monthly_authentications;
    let percent = used.auth_attempts.saturating_mul(100).checked_div(quota).unwrap_or(100);
    let beyond = match t.plan.limits().overage_cents_per_1000 {
        None => "The free plan stops at its quota: further sign-ins are refused until next month. \
                 Moving to a paid plan lifts the limit."
            .to_owned(),
        Some(_) => {
            "Authentications beyond the quota are billed as overage, per started block of 1,000.".to_owned()
        }
    };
    let (subject, opening) = if reached {
        ("the monthly authentication quota is used up", "has used its whole monthly authentication quota")
    } else {
        ("80 % of the monthly authentication quota used", "has used 80 % of its monthly authentication quota")
    };
    let body = vec![
        Block::Para(format!("{} {opening}.", service(t))),
        Block::Facts(vec![
            ("Month", month.to_string()),
            ("Authentications", format!("{} of {quota} ({percent} %)", used.auth_attempts)),
        ]),
        Block::Para(beyond),
    ];
    Letter::new(t, subject, body)
}

/// Support looked at the tenant's end users and authentication logs, and why.
pub fn support_access(t: &Tenant, grant: &gatehouse_domain::SupportGrant) -> Letter {
    let mut facts = vec![
        ("Who", grant.holder_label.clone()),
        ("Reason", grant.reason.clone()),
        ("Access until", grant.expires_at.to_string()),
    ];
    if let Some(ticket) = &grant.ticket {
        facts.push(("Ticket", ticket.clone()));
    }
    let body = vec![
        Block::Para(format!(
            "Our support team opened the support view of {}: for 15 minutes they can see your end users \
             and your recent sign-in logs.",
            service(t)
        )),
        Block::Facts(facts),
    ];
    Letter::new(t, "support looked at your MFA data", body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tenant;
    use gatehouse_domain::{TenantName, TenantStatus};

    #[test]
    fn everything_typed_by_people_is_escaped_in_html_and_kept_in_text() {
        let mut t = tenant(TenantStatus::Suspended);
        t.name = TenantName::parse("Acme <script>alert('x')</script> & Co").expect("name");
        t.status_reason = Some("unpaid \"invoice\" <b>42</b>".into());
        let email = suspended(&t).to(&t);
        assert!(!email.html.contains("<script>") && !email.html.contains("<b>42"), "{}", email.html);
        assert!(email.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
        assert!(email.html.contains("unpaid &quot;invoice&quot; &lt;b&gt;42&lt;/b&gt;"));
        assert!(email.text.contains("Reason: unpaid \"invoice\" <b>42</b>"), "{}", email.text);
        assert!(email.subject.starts_with("Acme <script>"), "the subject is a header, not HTML");
        assert_eq!(email.to.as_str(), "ops@acme.example");
    }

    #[test]
    fn plan_and_quota_letters_say_what_changed() {
        let mut t = tenant(TenantStatus::Active);
        let (features, off) = t.features.restrict_to(Plan::Free);
        t.plan = Plan::Free;
        t.features = features;
        let email = plan_changed(&t, Plan::Basic, &off).to(&t);
        assert!(email.subject.ends_with("your plan is now free"), "{}", email.subject);
        assert!(email.text.contains("from the basic plan to the free plan"), "{}", email.text);
        assert!(email.text.contains("  - MFA method email_otp switched off"), "{}", email.text);
        assert!(email.html.contains("<li>MFA method email_otp switched off</li>"));

        let used = UsageTotals { auth_attempts: 850, ..UsageTotals::default() };
        let email = quota(&t, "2026-11".parse().expect("month"), &used, false).to(&t);
        assert!(email.text.contains("850 of 1000 (85 %)"), "{}", email.text);
        assert!(email.text.contains("further sign-ins are refused"), "{}", email.text);
    }

    #[test]
    fn long_names_keep_the_subject_bounded() {
        let mut t = tenant(TenantStatus::Active);
        t.name = TenantName::parse(&"x".repeat(100)).expect("name");
        let long = features_changed(&t).to(&t);
        assert!(long.subject.chars().count() <= EmailMessage::MAX_SUBJECT);
        assert!(long.text.contains("the MFA service of"), "{}", long.text);
    }
}
