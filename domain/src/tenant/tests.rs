use proptest::prelude::*;
use time::macros::datetime;

use super::*;
use crate::features::MfaMethod;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn host(s: &str) -> Hostname {
    Hostname::parse(s).expect("test hostname")
}

fn acme(plan: Plan) -> Tenant {
    let name = TenantName::parse("Acme Corp.").expect("name");
    Tenant::register(
        TenantId::from_uuid(Uuid::nil()),
        NewTenant {
            slug: TenantSlug::from_name(&name).expect("slug"),
            name,
            contact_email: Email::parse("ops@acme.example").expect("email"),
            plan,
            domains: vec![host("acme.example"), host("www.acme.example")],
            features: None,
        },
        NOW,
    )
    .expect("valid tenant")
}

#[test]
fn registration_starts_pending_with_the_first_domain_primary() {
    let t = acme(Plan::Basic);
    assert_eq!(t.slug.as_str(), "acme-corp");
    assert_eq!(t.status, TenantStatus::Pending);
    assert_eq!(t.primary_domain(), Some(&host("acme.example")));
    assert_eq!(t.features, Features::default_for(Plan::Basic));
    assert_eq!(t.version, 1);
}

#[test]
fn registration_needs_a_domain_and_allowed_features() {
    let mut new = NewTenant {
        name: TenantName::parse("X").expect("name"),
        slug: TenantSlug::parse("xyz").expect("slug"),
        contact_email: Email::parse("a@b.example").expect("email"),
        plan: Plan::Free,
        domains: vec![],
        features: None,
    };
    assert!(
        matches!(Tenant::register(TenantId::from_uuid(Uuid::nil()), new.clone(), NOW), Err(DomainError::Invalid(e)) if e.field == "domain")
    );
    new.domains = vec![host("x.example"), host("X.example")];
    assert!(
        Tenant::register(TenantId::from_uuid(Uuid::nil()), new.clone(), NOW).is_err(),
        "duplicate domain"
    );
    new.domains = vec![host("x.example")];
    new.features = Some(Features::default_for(Plan::Premium));
    assert!(matches!(
        Tenant::register(TenantId::from_uuid(Uuid::nil()), new, NOW),
        Err(DomainError::FeaturesNotAllowed(_))
    ));
}

#[test]
fn status_changes_follow_the_table_and_suspension_needs_a_reason() {
    let mut t = acme(Plan::Basic);
    assert!(
        t.change_status(TenantStatus::Suspended, Some("late"), NOW).is_err(),
        "pending cannot be suspended"
    );
    t.change_status(TenantStatus::Active, None, NOW).expect("activate");
    let err = t.change_status(TenantStatus::Suspended, None, NOW).expect_err("no reason");
    assert!(matches!(err, DomainError::Invalid(ref e) if e.field == "reason"));
    assert_eq!(t.status, TenantStatus::Active, "a refused change changes nothing");
    t.change_status(TenantStatus::Suspended, Some("invoice unpaid"), NOW).expect("suspend");
    assert_eq!(t.status_reason.as_deref(), Some("invoice unpaid"));
    t.change_status(TenantStatus::Active, None, NOW).expect("reactivate");
    assert_eq!(t.status_reason, None);
    t.change_status(TenantStatus::Cancelled, Some("closed"), NOW).expect("cancel");
    for to in TenantStatus::ALL {
        assert!(matches!(t.change_status(to, Some("x"), NOW), Err(DomainError::IllegalTransition { .. })));
    }
}

#[test]
fn plan_change_switches_off_what_the_new_plan_forbids() {
    let mut t = acme(Plan::Premium);
    let off = t.change_plan(Plan::Free, NOW);
    assert!(off.iter().any(|c| matches!(c, SwitchedOff::Method { method: MfaMethod::Sms })));
    assert_eq!(t.plan, Plan::Free);
    assert_eq!(t.features.validate(Plan::Free), Ok(()));
}

#[test]
fn set_features_refuses_and_keeps_the_old_ones() {
    let mut t = acme(Plan::Free);
    let before = t.features.clone();
    assert!(t.set_features(Features::default_for(Plan::Premium), NOW).is_err());
    assert_eq!(t.features, before);
}

#[test]
fn domain_rules_keep_exactly_one_primary() {
    let mut t = acme(Plan::Basic);
    let www = host("www.acme.example");
    assert!(t.remove_domain(&host("acme.example"), NOW).is_err(), "primary cannot go");
    t.set_primary_domain(&www, NOW).expect("set primary");
    assert_eq!(t.primary_domain(), Some(&www));
    assert_eq!(t.domains[0].hostname, www);
    t.remove_domain(&host("acme.example"), NOW).expect("remove former primary");
    assert!(t.remove_domain(&www, NOW).is_err(), "last domain cannot go");
    assert!(t.remove_domain(&host("other.example"), NOW).is_err(), "unknown domain");
    assert_eq!(t.domains.iter().filter(|d| d.is_primary).count(), 1);
}

#[test]
fn slugs_and_emails_are_validated() {
    for bad in ["ab", "Acme", "a_b_c", "-abc", "abc-", "a--b", &"a".repeat(64)] {
        assert_eq!(TenantSlug::parse(bad).expect_err(bad).field, "slug");
    }
    assert!(TenantSlug::from_name(&TenantName::parse("!!").expect("name")).is_err());
    assert_eq!(
        Email::parse(" Ops@Bücher.example ").map(String::from),
        Ok("Ops@xn--bcher-kva.example".into())
    );
    for bad in ["", "no-at", "@x.example", "a@", "a b@x.example", "a@localhost"] {
        assert_eq!(Email::parse(bad).expect_err(bad).field, "email");
    }
}

fn any_status() -> impl Strategy<Value = TenantStatus> {
    prop::sample::select(TenantStatus::ALL.to_vec())
}

proptest! {
    #[test]
    fn cancelled_is_final_and_refused_transitions_change_nothing(path in prop::collection::vec(any_status(), 0..20)) {
        let mut t = acme(Plan::Basic);
        let mut was_cancelled = false;
        for to in path {
            let before = t.clone();
            if t.change_status(to, Some("reason"), NOW).is_ok() {
                prop_assert!(!was_cancelled);
                prop_assert!(before.status.can_become(to));
            } else {
                prop_assert_eq!(&t, &before);
            }
            was_cancelled |= t.status == TenantStatus::Cancelled;
        }
    }

    #[test]
    fn slug_parser_never_panics_and_accepts_only_its_alphabet(input in "\\PC{0,70}") {
        if let Ok(slug) = TenantSlug::parse(&input) {
            prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
    }

    #[test]
    fn names_always_derive_a_valid_slug_or_a_clear_error(input in "[A-Za-z0-9 .,&-]{1,100}") {
        if let Ok(name) = TenantName::parse(&input) {
            match TenantSlug::from_name(&name) {
                Ok(slug) => prop_assert_eq!(TenantSlug::parse(slug.as_str()), Ok(slug.clone())),
                Err(e) => prop_assert_eq!(e.field, "slug"),
            }
        }
    }

    #[test]
    fn email_parser_never_panics(input in "\\PC{0,80}") {
        let _ = Email::parse(&input);
    }
}
