use super::*;
use crate::admin::{AdminId, Role};
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(Uuid::from_u128(n))
}

fn creator(role: Role, scope: TenantScope) -> Actor {
    Actor {
        kind: ActorKind::Admin { id: AdminId::from_uuid(Uuid::nil()), username: "alice".into() },
        permissions: role.permissions().iter().copied().collect(),
        scope,
    }
}

fn grant(scopes: &[Permission], tenants: TenantScope) -> KeyGrant {
    KeyGrant {
        name: KeyName::parse("CRM sync").expect("name"),
        scopes: scopes.iter().copied().collect(),
        tenants,
        expires_at: None,
        rate_per_minute: None,
    }
}

fn issue(g: KeyGrant, by: &Actor) -> Result<ApiKey, DomainError> {
    ApiKey::issue(ApiKeyId::from_uuid(Uuid::from_u128(5)), g, by, NOW)
}

#[test]
fn a_key_carries_what_was_granted_and_acts_with_it() {
    let owner = creator(Role::Owner, TenantScope::All);
    let only = TenantScope::Only([tenant(1)].into());
    let key = issue(grant(&[Permission::TenantsView, Permission::UsageView], only.clone()), &owner)
        .expect("issued");
    assert_eq!(key.created_by, "admin alice");
    assert_eq!(key.state(NOW), KeyStatus::Active);
    let actor = Actor::api_key(&key);
    assert!(actor.require(Permission::TenantsView, Some(tenant(1))).is_ok());
    assert!(actor.require(Permission::TenantsView, Some(tenant(2))).is_err(), "outside its tenants");
    assert!(actor.require(Permission::TenantsUpdate, Some(tenant(1))).is_err(), "not in its scopes");
    assert_eq!(actor.kind, ActorKind::ApiKey { id: key.id.as_uuid(), name: "CRM sync".into() });
}

#[test]
fn no_key_is_stronger_than_its_creator() {
    let operator = creator(Role::Operator, TenantScope::All);
    let err = issue(grant(&[Permission::AdminsManage], TenantScope::All), &operator).expect_err("admins");
    assert_eq!(err, DomainError::Forbidden { permission: Permission::AdminsManage, tenant: None });

    let scoped = creator(Role::Operator, TenantScope::Only([tenant(1), tenant(2)].into()));
    let err = issue(grant(&[Permission::TenantsView], TenantScope::All), &scoped).expect_err("all");
    assert!(matches!(err, DomainError::Invalid(ref v) if v.field == "tenants"), "{err}");
    let err = issue(grant(&[Permission::TenantsView], TenantScope::Only([tenant(3)].into())), &scoped)
        .expect_err("other tenant");
    assert_eq!(
        err,
        DomainError::Forbidden { permission: Permission::ApiKeysManage, tenant: Some(tenant(3)) }
    );
    assert!(issue(grant(&[Permission::TenantsView], TenantScope::Only([tenant(2)].into())), &scoped).is_ok());
}

#[test]
fn bad_grants_name_their_field() {
    let owner = creator(Role::Owner, TenantScope::All);
    let field = |g: KeyGrant| match issue(g, &owner) {
        Err(DomainError::Invalid(v)) => v.field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(grant(&[], TenantScope::All)), "scopes");
    assert_eq!(field(grant(&[Permission::TenantsView], TenantScope::Only(BTreeSet::new()))), "tenants");
    let past = KeyGrant { expires_at: Some(NOW), ..grant(&[Permission::TenantsView], TenantScope::All) };
    assert_eq!(field(past), "expires_at");
    for rate in [0, MAX_RATE_PER_MINUTE + 1] {
        let g =
            KeyGrant { rate_per_minute: Some(rate), ..grant(&[Permission::TenantsView], TenantScope::All) };
        assert_eq!(field(g), "rate_per_minute");
    }
    assert!(KeyName::parse("  ").is_err() && KeyName::parse(&"k".repeat(101)).is_err());
    assert!(KeyName::parse("a\u{7}b").is_err());
    assert_eq!(KeyName::parse("  Nightly export ").map(String::from), Ok("Nightly export".into()));
}

#[test]
fn keys_expire_and_revocation_wins() {
    let owner = creator(Role::Owner, TenantScope::All);
    let g = KeyGrant {
        expires_at: Some(NOW + Duration::days(1)),
        ..grant(&[Permission::TenantsView], TenantScope::All)
    };
    let mut key = issue(g, &owner).expect("issued");
    assert_eq!(key.state(NOW + Duration::hours(23)), KeyStatus::Active);
    assert_eq!(key.state(NOW + Duration::days(1)), KeyStatus::Expired);
    key.revoke(NOW).expect("revoked");
    assert_eq!(key.state(NOW + Duration::days(2)), KeyStatus::Revoked);
    assert_eq!(key.revoke(NOW).expect_err("twice").field, "key");
}

#[test]
fn restricted_admins_see_only_keys_within_their_tenants() {
    let owner = creator(Role::Owner, TenantScope::All);
    let key = issue(grant(&[Permission::TenantsView], TenantScope::Only([tenant(1)].into())), &owner)
        .expect("issued");
    assert!(key.within(&TenantScope::All));
    assert!(key.within(&TenantScope::Only([tenant(1), tenant(2)].into())));
    assert!(!key.within(&TenantScope::Only([tenant(2)].into())));
    let everywhere = issue(grant(&[Permission::TenantsView], TenantScope::All), &owner).expect("issued");
    assert!(!everywhere.within(&TenantScope::Only([tenant(1)].into())));
}

#[test]
fn key_text_round_trips_and_other_shapes_are_unknown() {
    let id = Uuid::from_u128(0x0190_abcd_0000_7000_8000_0000_0000_0001);
    let secret = "A".repeat(SECRET_LEN);
    let text = key_text(KeyKind::Operator, id, &secret);
    assert_eq!(text, format!("gh_0190abcd000070008000000000000001_{secret}"));
    assert_eq!(parse_key(&text), Some((KeyKind::Operator, id)));
    let tenant_text = key_text(KeyKind::Tenant, id, &secret);
    assert_eq!(parse_key(&tenant_text), Some((KeyKind::Tenant, id)));
    let key = TenantApiKey::issue(TenantKeyId::from_uuid(id), tenant(1), &tenant_text, NOW);
    assert_eq!(key.prefix, "ght_0190abcd0000");
    for bad in [
        String::new(),
        secret.clone(),
        text.to_uppercase(),
        format!("{text}x"),
        text[..text.len() - 1].to_owned(),
        text.replace("gh_", "gx_"),
        text.replacen('A', "+", 1),
        format!("gh_{}_{secret}", id.hyphenated()),
        format!(" {text}"),
    ] {
        assert_eq!(parse_key(&bad), None, "{bad}");
    }
}

proptest! {
    #[test]
    fn key_parser_never_panics(input in "\\PC{0,90}") {
        if let Some((kind, id)) = parse_key(&input) {
            prop_assert!(input.starts_with(kind.prefix()));
            prop_assert!(input.contains(&id.simple().to_string()));
        }
    }

    #[test]
    fn key_names_are_trimmed_single_lines(input in "\\PC{0,120}") {
        if let Ok(name) = KeyName::parse(&input) {
            prop_assert_eq!(KeyName::parse(name.as_str()), Ok(name.clone()));
            prop_assert!((1..=100).contains(&name.as_str().chars().count()));
        }
    }
}
