use super::super::keyring;
use super::*;
use mongodb::bson::doc;
use proptest::prelude::*;
use serde_json::json;

/// `ring` without the key line `id`, re-read from its text form.
fn without_key(ring: &KeyRing, id: &str) -> KeyRing {
    let prefix = format!("{id} ");
    let text: String = ring
        .to_text()
        .lines()
        .filter(|line| !line.starts_with(&prefix))
        .map(|line| format!("{line}\n"))
        .collect();
    keyring::parse(&text).unwrap()
}

/// `envelope` with one byte of its ciphertext flipped.
fn tampered(envelope: &Document) -> Document {
    let mut blob = STANDARD.decode(envelope.get_str(ENC).unwrap()).unwrap();
    let last = blob.len() - 1;
    blob[last] ^= 0x01;
    let mut changed = envelope.clone();
    changed.insert(ENC, STANDARD.encode(blob));
    changed
}

#[test]
fn a_sealed_value_opens_to_the_same_value() {
    let ring = keyring::generate();
    let value = json!({"number": "AB 123 456", "issued": 2019, "verified": true});
    let envelope = ring.seal("traits.national_id", &value).unwrap();
    assert_eq!(envelope.len(), 4);
    assert_eq!(envelope.get_str("kid").unwrap(), "k1");
    assert_eq!(envelope.get_str("f").unwrap(), "traits.national_id");
    assert!(!envelope.get_str("enc").unwrap().contains("AB 123"));
    assert_eq!(ring.open("traits.national_id", &envelope).unwrap(), value);
}

#[test]
fn sealing_twice_gives_different_ciphertexts_but_the_same_blind_index() {
    let ring = keyring::generate();
    let a = ring.seal("email", &json!("a@example.com")).unwrap();
    let b = ring.seal("email", &json!("a@example.com")).unwrap();
    assert_ne!(a.get_str("enc").unwrap(), b.get_str("enc").unwrap());
    assert_eq!(a.get_str("bidx").unwrap(), b.get_str("bidx").unwrap());
}

#[test]
fn an_envelope_does_not_open_as_another_field() {
    let ring = keyring::generate();
    let envelope = ring.seal("traits.national_id", &json!("AB123")).unwrap();
    assert!(ring.open("traits.passport", &envelope).is_err());
    // Relabelling the envelope does not help: the field is the associated data.
    let mut moved = envelope;
    moved.insert("f", "traits.passport");
    assert!(ring.open("traits.passport", &moved).is_err());
}

#[test]
fn a_tampered_ciphertext_does_not_open() {
    let ring = keyring::generate();
    let envelope = ring.seal("phone", &json!("+44 20 7946 0000")).unwrap();
    assert!(ring.open("phone", &tampered(&envelope)).is_err());
    let mut garbled = envelope.clone();
    garbled.insert("enc", "not base64!");
    assert!(ring.open("phone", &garbled).is_err());
    let mut short = envelope;
    short.insert("enc", STANDARD.encode([0u8; 5]));
    assert!(ring.open("phone", &short).is_err());
}

#[test]
fn the_blind_index_ignores_case_and_surrounding_space_but_not_the_field() {
    let ring = keyring::generate();
    let padded = ring.blind_index("name", &json!(" Foo "));
    assert_eq!(padded, ring.blind_index("name", &json!("foo")));
    assert_ne!(padded, ring.blind_index("nickname", &json!("foo")));
    assert_ne!(padded, ring.blind_index("name", &json!("bar")));
    let sealed = ring.seal("name", &json!("FOO")).unwrap();
    assert_eq!(sealed.get_str("bidx").unwrap(), padded);
    // Only the index is normalised; the value itself is kept as given.
    assert_eq!(ring.open("name", &sealed).unwrap(), json!("FOO"));
}

#[test]
fn the_blind_index_distinguishes_types_and_ignores_key_order() {
    let ring = keyring::generate();
    assert_ne!(
        ring.blind_index("n", &json!("1")),
        ring.blind_index("n", &json!(1))
    );
    let mut ab = serde_json::Map::new();
    ab.insert("a".into(), json!(1));
    ab.insert("b".into(), json!(2));
    let mut ba = serde_json::Map::new();
    ba.insert("b".into(), json!(2));
    ba.insert("a".into(), json!(1));
    assert_eq!(
        ring.blind_index("o", &Value::Object(ab)),
        ring.blind_index("o", &Value::Object(ba))
    );
}

#[test]
fn the_blind_index_depends_on_the_blind_key() {
    let value = json!("foo");
    let one = keyring::generate().blind_index("name", &value);
    assert_ne!(one, keyring::generate().blind_index("name", &value));
}

#[test]
fn only_four_string_keys_make_an_envelope() {
    let ring = keyring::generate();
    let envelope = ring.seal("x", &json!(1)).unwrap();
    assert!(is_envelope(&Bson::Document(envelope.clone())));
    let mut extra = envelope.clone();
    extra.insert("other", "y");
    assert!(!is_envelope(&Bson::Document(extra)));
    let mut numeric = envelope.clone();
    numeric.insert("kid", 1);
    assert!(!is_envelope(&Bson::Document(numeric)));
    let mut missing = envelope;
    missing.remove("f");
    assert!(!is_envelope(&Bson::Document(missing)));
    assert!(!is_envelope(&Bson::String("x".into())));
}

/// Where envelopes sit in [`nested_profile`] (keys, and indexes into arrays), the field each
/// was sealed for, and its value.
fn nested() -> [(&'static str, &'static str, Value); 3] {
    [
        ("traits.national_id", "traits.national_id", json!("AB123")),
        (
            "provenance.1.history.0.value",
            "provenance.history.value",
            json!(42),
        ),
        (
            "message.raw.traits.national_id",
            "message.raw.traits.national_id",
            json!({"n": "ab"}),
        ),
    ]
}

/// A profile-like document with envelopes sealed by `ring` in sub-documents and arrays.
fn nested_profile(ring: &KeyRing) -> Document {
    let [id, past, raw] = nested().map(|(_, field, value)| ring.seal(field, &value).unwrap());
    doc! {
        "traits": { "national_id": id, "plan": "pro" },
        "provenance": [ { "key": "plan" }, { "history": [ { "value": past } ] } ],
        "message": { "raw": { "traits": { "national_id": raw } } },
    }
}

/// The document at `path` in `doc`: dot-separated keys, and indexes into arrays.
fn at<'a>(doc: &'a Document, path: &str) -> &'a Document {
    let mut steps = path.split('.');
    let mut node = doc.get(steps.next().unwrap()).unwrap();
    for step in steps {
        node = match node {
            Bson::Document(inner) => inner.get(step),
            Bson::Array(items) => items.get(step.parse::<usize>().unwrap()),
            other => panic!("{other} has no {step}"),
        }
        .unwrap();
    }
    node.as_document().unwrap()
}

#[test]
fn rewrap_moves_nested_envelopes_to_the_current_key() {
    let old = keyring::generate();
    let mut profile = nested_profile(&old);
    let before = profile.clone();
    let new = old.with_new_key();
    assert_eq!(new.rewrap(&mut profile).unwrap(), 3);
    assert_eq!(new.rewrap(&mut profile).unwrap(), 0);
    for (path, field, value) in nested() {
        let envelope = at(&profile, path);
        assert_eq!(envelope.get_str("kid").unwrap(), "k2");
        let bidx = at(&before, path).get_str("bidx").unwrap();
        assert_eq!(envelope.get_str("bidx").unwrap(), bidx);
        assert_eq!(new.open(field, envelope).unwrap(), value);
    }
    assert_eq!(at(&profile, "traits").get_str("plan").unwrap(), "pro");
    assert_eq!(at(&profile, "provenance.0").get_str("key").unwrap(), "plan");
}

#[test]
fn once_rewrapped_the_old_key_can_go() {
    let old = keyring::generate();
    let mut profile = nested_profile(&old);
    let new = old.with_new_key();
    new.rewrap(&mut profile).unwrap();
    let pruned = without_key(&new, "k1");
    assert_eq!(pruned.ids(), vec!["k2".to_owned()]);
    for (path, field, value) in nested() {
        assert_eq!(pruned.open(field, at(&profile, path)).unwrap(), value);
    }
}

#[test]
fn rewrap_of_a_top_level_envelope_replaces_it() {
    let old = keyring::generate();
    let mut envelope = old.seal("email", &json!("a@example.com")).unwrap();
    let new = old.with_new_key();
    assert_eq!(new.rewrap(&mut envelope).unwrap(), 1);
    assert_eq!(envelope.get_str("kid").unwrap(), new.current_id());
    assert_eq!(
        new.open("email", &envelope).unwrap(),
        json!("a@example.com")
    );
}

#[test]
fn rewrap_fails_on_an_envelope_it_cannot_open() {
    let ring = keyring::generate();
    let envelope = ring.seal("email", &json!("a@example.com")).unwrap();
    let mut doc = doc! { "email": tampered(&envelope) };
    assert!(ring.with_new_key().rewrap(&mut doc).is_err());
}

#[test]
fn a_ring_without_the_old_key_cannot_open_its_envelopes() {
    let old = keyring::generate();
    let envelope = old.seal("email", &json!("a@example.com")).unwrap();
    let pruned = without_key(&old.with_new_key(), "k1");
    assert!(pruned.open("email", &envelope).is_err());
    assert!(keyring::generate().open("email", &envelope).is_err());
}

/// JSON values built from strings, integers and booleans, nested in arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_value_round_trips_through_seal_and_open(
        value in json_value(),
        field in "[a-z_.]{1,20}",
    ) {
        let ring = keyring::generate();
        let envelope = ring.seal(&field, &value).unwrap();
        prop_assert!(is_envelope(&Bson::Document(envelope.clone())));
        prop_assert_eq!(ring.open(&field, &envelope).unwrap(), value);
    }
}
