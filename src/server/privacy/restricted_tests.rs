use super::super::keyring;
use super::*;
use serde_json::json;

fn restricted() -> Vec<String> {
    vec!["ssn".to_owned()]
}

fn message(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn restricted_keys_are_sealed_at_any_depth_and_in_lists() {
    let ring = keyring::generate();
    let mut raw = message(json!({
        "traits": { "customer": { "ssn": "1", "tier": "gold" }, "kids": [{ "ssn": "2" }] },
        "context": { "traits": { "a": { "b": { "ssn": "3" } } } },
        "properties": { "ssn": "4", "order": { "ssn": null } },
        "ssn": "outside every container",
    }));
    assert!(carries_clear(&raw, &restricted()));
    assert_eq!(seal_message(&ring, &restricted(), &mut raw).unwrap(), 4);
    for sealed in [
        &raw["traits"]["customer"]["ssn"],
        &raw["traits"]["kids"][0]["ssn"],
        &raw["context"]["traits"]["a"]["b"]["ssn"],
        &raw["properties"]["ssn"],
    ] {
        assert!(is_sealed_json(sealed), "{sealed}");
        assert_eq!(sealed["f"], "ssn");
    }
    assert_eq!(raw["traits"]["customer"]["tier"], "gold");
    assert_eq!(raw["properties"]["order"]["ssn"], Value::Null);
    assert!(!carries_clear(&raw, &restricted()), "nothing left in clear");
    assert_eq!(seal_message(&ring, &restricted(), &mut raw).unwrap(), 0);
}

#[test]
fn a_restricted_object_is_sealed_whole() {
    let ring = keyring::generate();
    let mut raw = message(json!({ "traits": { "ssn": { "number": "1", "country": "US" } } }));
    assert_eq!(seal_message(&ring, &restricted(), &mut raw).unwrap(), 1);
    let envelope = mongodb::bson::to_document(&raw["traits"]["ssn"]).unwrap();
    assert_eq!(
        ring.open("ssn", &envelope).unwrap(),
        json!({ "number": "1", "country": "US" })
    );
}

#[test]
fn messages_without_restricted_values_carry_nothing() {
    let raw = message(json!({
        "traits": { "customer": { "tier": "gold" }, "list": [1, [2, { "x": 3 }]] },
        "properties": { "ssn_note": "not the key" },
    }));
    assert!(!carries_clear(&raw, &restricted()));
}
