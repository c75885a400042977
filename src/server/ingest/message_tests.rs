use super::*;
use crate::server::ingest::limits::{
    MAX_BATCH_LENGTH, MAX_MESSAGE_BYTES, MAX_REQUEST_BYTES, decode_body, read_batch, read_single,
};
use proptest::prelude::*;
use serde_json::json;
use std::io::Write;

fn at(text: &str) -> DateTime<Utc> {
    parse_time(text).unwrap()
}

fn parse(value: Value) -> Result<Message, AppError> {
    parse_message(
        value,
        None,
        &BatchDefaults::default(),
        at("2026-01-01T12:00:05Z"),
        "",
    )
}

fn field_of(err: AppError) -> String {
    match err {
        AppError::Invalid { field, .. } => field,
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_full_track_call_keeps_every_field_including_unknown_ones() {
    let message = parse(json!({
        "type": "track", "userId": 42, "anonymousId": " anon-1 ", "event": "Order Completed",
        "messageId": "m-1", "properties": {"total": 30.5, "products": [{"sku": "A"}]},
        "context": {"ip": "1.2.3.4"}, "integrations": {"All": true}, "x-custom": 1
    }))
    .unwrap();
    assert_eq!(message.kind, MessageType::Track);
    assert_eq!(message.user_id.as_deref(), Some("42"));
    assert_eq!(message.anonymous_id.as_deref(), Some("anon-1"));
    assert_eq!(message.event.as_deref(), Some("Order Completed"));
    assert_eq!(message.message_id, "m-1");
    assert_eq!(message.raw["x-custom"], 1);
    assert_eq!(message.raw["integrations"]["All"], true);
}

#[test]
fn clock_skew_is_corrected_from_sent_at() {
    // The client's clock runs two hours slow; it sent the event five seconds after it happened.
    let message = parse(json!({
        "type": "page", "anonymousId": "a", "timestamp": "2026-01-01T10:00:00+00:00",
        "sentAt": "2026-01-01T10:00:05Z"
    }))
    .unwrap();
    assert_eq!(message.timestamp, at("2026-01-01T12:00:00Z"));
}

#[test]
fn absurd_times_are_refused_or_capped_never_a_panic() {
    let far_past = parse(json!({"type": "identify", "userId": "u",
        "originalTimestamp": "-200000-01-01T00:00:00", "sentAt": "2025-01-01T00:00:00Z"}));
    assert!(
        matches!(far_past, Err(AppError::Invalid { .. })),
        "{far_past:?}"
    );
    let far_future =
        parse(json!({"type": "identify", "userId": "u", "timestamp": "9999-01-01T00:00:00Z"}))
            .unwrap();
    assert_eq!(
        far_future.timestamp,
        at("2026-01-02T12:00:05Z"),
        "capped at a day ahead"
    );
    let sent_before = parse(json!({"type": "identify", "userId": "u",
        "timestamp": "2026-01-01T10:00:00Z", "sentAt": "2026-01-01T09:00:00Z"}))
    .unwrap();
    assert_eq!(sent_before.timestamp, at("2026-01-01T10:00:00Z"));
}

#[test]
fn offsets_and_missing_times_are_understood() {
    let message = parse(json!({
        "type": "identify", "userId": "u", "timestamp": "2026-01-01T19:00:00+09:00"
    }))
    .unwrap();
    assert_eq!(message.timestamp, at("2026-01-01T10:00:00Z"));
    let untimed = parse(json!({"type": "identify", "userId": "u"})).unwrap();
    assert_eq!(untimed.timestamp, untimed.received_at);
    assert!(
        untimed.message_id.starts_with("enrich-"),
        "a message id is generated"
    );
}

#[test]
fn batch_context_and_sent_at_apply_under_each_message() {
    let body = json!({
        "batch": [
            {"type": "track", "userId": "u", "event": "A", "timestamp": "2026-01-01T10:00:00Z",
             "context": {"ip": "own"}},
        ],
        "context": {"ip": "batch", "library": {"name": "analytics-node"}},
        "sentAt": "2026-01-01T10:00:01Z"
    });
    let messages = read_batch(body.to_string().as_bytes(), at("2026-01-01T12:00:01Z")).unwrap();
    assert_eq!(messages[0].raw["context"]["ip"], "own");
    assert_eq!(
        messages[0].raw["context"]["library"]["name"],
        "analytics-node"
    );
    assert_eq!(messages[0].timestamp, at("2026-01-01T12:00:00Z"));
}

#[test]
fn each_rule_names_its_field() {
    let cases = [
        (json!({"type": "track", "event": "A"}), "userId"),
        (json!({"type": "track", "userId": "u"}), "event"),
        (json!({"type": "group", "userId": "u"}), "groupId"),
        (json!({"type": "alias", "userId": "u"}), "previousId"),
        (json!({"type": "alias", "previousId": "p"}), "userId"),
        (json!({"type": "fly", "userId": "u"}), "type"),
        (json!({"userId": "u"}), "type"),
        (json!({"type": "identify", "userId": ["u"]}), "userId"),
        (
            json!({"type": "identify", "userId": "u", "traits": 3}),
            "traits",
        ),
        (
            json!({"type": "identify", "userId": "u", "timestamp": "yesterday"}),
            "timestamp",
        ),
        (
            json!({"type": "identify", "userId": "u", "traits": {"a.b": 1}}),
            "traits.a.b",
        ),
        (
            json!({"type": "identify", "userId": "u", "traits": {"x": [{"$gt": 1}]}}),
            "traits.x[0].$gt",
        ),
    ];
    for (value, field) in cases {
        assert_eq!(
            field_of(parse(value.clone()).unwrap_err()),
            field,
            "{value}"
        );
    }
}

#[test]
fn a_bad_message_rejects_its_batch_naming_the_index() {
    let body = json!({"batch": [
        {"type": "track", "userId": "u", "event": "A"},
        {"type": "track", "userId": "u"},
    ]});
    let err = read_batch(body.to_string().as_bytes(), Utc::now()).unwrap_err();
    assert_eq!(field_of(err), "batch[1].event");
}

#[test]
fn size_and_count_limits_are_413_naming_the_limit() {
    let big = "x".repeat(MAX_MESSAGE_BYTES);
    let single = json!({"userId": "u", "event": "A", "properties": {"blob": big}});
    match read_single(
        single.to_string().as_bytes(),
        MessageType::Track,
        Utc::now(),
    ) {
        Err(AppError::TooLarge { limit, index, .. }) => {
            assert_eq!((limit.as_str(), index), ("message_size", None));
        }
        other => panic!("{other:?}"),
    }
    let small = json!({"type": "track", "userId": "u", "event": "A"});
    let batch = json!({"batch": [small.clone(), small.clone(), single]});
    match read_batch(batch.to_string().as_bytes(), Utc::now()) {
        Err(AppError::TooLarge { limit, index, .. }) => {
            assert_eq!((limit.as_str(), index), ("message_size", Some(2)));
        }
        other => panic!("{other:?}"),
    }
    let long = json!({"batch": vec![small; MAX_BATCH_LENGTH + 1]});
    let err = read_batch(long.to_string().as_bytes(), Utc::now()).unwrap_err();
    assert!(matches!(err, AppError::TooLarge { ref limit, .. } if limit == "batch_length"));
    assert_eq!(err.status_code(), 413);
}

#[test]
fn gzip_bodies_inflate_but_never_past_the_request_limit() {
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    assert_eq!(
        decode_body(&gzip(b"{\"a\":1}"), true).unwrap(),
        b"{\"a\":1}"
    );
    // 10 MB of zeros compresses to ~10 KB: the bomb is stopped at the limit, not inflated.
    let bomb = gzip(&vec![b'0'; 10 * 1024 * 1024]);
    assert!(bomb.len() < MAX_REQUEST_BYTES);
    assert!(matches!(
        decode_body(&bomb, true),
        Err(AppError::TooLarge { .. })
    ));
    assert!(matches!(
        decode_body(b"not gzip", true),
        Err(AppError::BadRequest { .. })
    ));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z$. ]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z$._]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn message_like() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        Just("type"),
        Just("userId"),
        Just("anonymousId"),
        Just("event"),
        Just("traits"),
        Just("properties"),
        Just("context"),
        Just("timestamp"),
        Just("sentAt"),
        Just("previousId"),
        Just("groupId"),
        Just("messageId"),
    ];
    let value = prop_oneof![
        json_value(),
        Just(json!("track")),
        Just(json!("identify")),
        Just(json!("2026-01-01T10:00:00+02:00")),
    ];
    prop::collection::btree_map(field, value, 0..10)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

proptest! {
    /// Any JSON is either a message or a client error naming a field; never a panic, never a 5xx.
    #[test]
    fn any_input_parses_or_is_a_client_error(value in message_like()) {
        match parse(value.clone()) {
            Ok(message) => {
                prop_assert!(message.user_id.is_some() || message.anonymous_id.is_some()
                    || message.kind == MessageType::Alias);
                for (key, original) in value.as_object().unwrap() {
                    if key != "type" && key != "messageId" {
                        prop_assert_eq!(message.raw.get(key), Some(original));
                    }
                }
            }
            Err(err) => prop_assert!(matches!(err, AppError::Invalid { .. }), "{err:?}"),
        }
    }

    /// A stored message reads back exactly: unmerge rebuilds profiles from stored events.
    #[test]
    fn stored_messages_round_trip_through_bson(value in message_like()) {
        if let Ok(message) = parse(value) {
            let stored = mongodb::bson::to_document(&message).unwrap();
            let back: Message = mongodb::bson::from_document(stored).unwrap();
            prop_assert_eq!(back, message);
        }
    }
}
