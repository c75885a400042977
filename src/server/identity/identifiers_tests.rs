use super::*;
use crate::server::ingest::message::{BatchDefaults, parse_message};
use serde_json::json;

fn message(value: serde_json::Value) -> Message {
    parse_message(
        value,
        None,
        &BatchDefaults::default(),
        chrono::Utc::now(),
        "",
    )
    .unwrap()
}

fn keys(ids: &[Identifier]) -> Vec<String> {
    ids.iter().map(Identifier::key).collect()
}

#[test]
fn every_identifier_is_found_normalised_strongest_first() {
    let policy = IdentityPolicy {
        default_region: phonenumber::country::Id::KR,
        ..IdentityPolicy::default()
    };
    let found = policy.identifiers_of(&message(json!({
        "type": "identify", "userId": "u1", "anonymousId": "a1",
        "traits": {"email": "  Ana@Example.COM ", "phone": "010-1234-5678"},
        "context": {"externalIds": [{"id": 77, "type": "crm_id", "collection": "users"}]}
    })));
    assert_eq!(
        keys(&found),
        [
            "user_id:u1",
            "external:crm_id:77",
            "email:ana@example.com",
            "phone:+821012345678",
            "anonymous_id:a1"
        ]
    );
}

#[test]
fn the_same_phone_written_differently_is_one_identifier() {
    let policy = IdentityPolicy::default();
    let a = policy.normalise(IdentityKind::Phone, "+1 (415) 555-2671");
    let b = policy.normalise(IdentityKind::Phone, "415.555.2671");
    assert!(a.is_some());
    assert_eq!(a, b);
    assert_eq!(policy.normalise(IdentityKind::Phone, "12"), None);
}

#[test]
fn blocked_and_malformed_values_identify_nobody() {
    let policy = IdentityPolicy::default();
    for (kind, value) in [
        (IdentityKind::UserId, "null"),
        (IdentityKind::UserId, " UNDEFINED "),
        (IdentityKind::AnonymousId, "0"),
        (IdentityKind::Email, "TEST@test.com"),
        (IdentityKind::Email, "not-an-email"),
        (IdentityKind::Email, "a b@c.com"),
    ] {
        assert_eq!(policy.normalise(kind, value), None, "{kind:?} {value:?}");
    }
    let custom = IdentityPolicy {
        blocked: vec!["guest".into()],
        ..IdentityPolicy::default()
    };
    assert_eq!(custom.normalise(IdentityKind::UserId, "Guest"), None);
    assert!(custom.normalise(IdentityKind::UserId, "null").is_some());
}

#[test]
fn only_identify_traits_and_context_traits_identify() {
    let policy = IdentityPolicy::default();
    let track = policy.identifiers_of(&message(json!({
        "type": "track", "userId": "u", "event": "E",
        "properties": {"email": "friend@example.com"},
        "context": {"traits": {"email": "me@example.com"}}
    })));
    assert_eq!(keys(&track), ["user_id:u", "email:me@example.com"]);
}

/// Real numbers from eight countries, written internationally (any default region) and
/// nationally (with that country as the default), all normalise to the same E.164 number.
#[test]
fn item_02_phones_of_every_country_normalise_to_e164() {
    use phonenumber::country::Id;
    let cases = [
        (Id::KR, "+82 10 1234 5678", "010-1234-5678", "+821012345678"),
        (Id::KR, "+82 2-312-3456", "02-312-3456", "+8223123456"),
        (Id::US, "+1 201-555-0123", "(201) 555-0123", "+12015550123"),
        (Id::GB, "+44 7400 123456", "07400 123456", "+447400123456"),
        (
            Id::FR,
            "+33 6 12 34 56 78",
            "06 12 34 56 78",
            "+33612345678",
        ),
        (
            Id::DE,
            "+49 1512 3456789",
            "01512 3456789",
            "+4915123456789",
        ),
        (Id::DE, "+49 30 1234567", "030 1234567", "+49301234567"),
        (Id::JP, "+81 90-1234-5678", "090-1234-5678", "+819012345678"),
        (
            Id::BR,
            "+55 11 96123-4567",
            "(11) 96123-4567",
            "+5511961234567",
        ),
        (Id::IN, "+91 81234 56789", "081234 56789", "+918123456789"),
    ];
    for (region, international, national, e164) in cases {
        for default_region in [Id::US, Id::KR, Id::DE, region] {
            let policy = IdentityPolicy {
                default_region,
                ..IdentityPolicy::default()
            };
            let got = policy.normalise_phone(international);
            assert_eq!(
                got.as_deref(),
                Some(e164),
                "{international} ({default_region:?})"
            );
        }
        let policy = IdentityPolicy {
            default_region: region,
            ..IdentityPolicy::default()
        };
        assert_eq!(
            policy.normalise_phone(national).as_deref(),
            Some(e164),
            "{national} ({region:?})"
        );
        let compact = e164.trim_start_matches('+');
        assert_eq!(
            policy.normalise_phone(&format!("+{compact}")).as_deref(),
            Some(e164)
        );
    }
}
