use super::*;
use crate::server::{
    db::profile_doc::ProfileDoc,
    ingest::message::{BatchDefaults, parse_message},
    message::Message,
};
use chrono::NaiveDate;
use mongodb::bson::{self, oid::ObjectId};
use serde_json::json;

fn query(filters: serde_json::Value) -> EventQuery {
    EventQuery {
        event: "Order Completed".into(),
        since: None,
        filters: filters.to_string(),
    }
}

fn order(day: u32, properties: serde_json::Value) -> Message {
    let raw = json!({"type": "track", "userId": "u", "event": "Order Completed",
                     "messageId": format!("m{day}-{properties}"),
                     "timestamp": format!("2026-01-{day:02}T08:00:00Z"), "properties": properties});
    parse_message(raw, None, &BatchDefaults::default(), Utc::now(), "").unwrap()
}

fn retention() -> Retention {
    Retention {
        days: 5,
        today: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
    }
}

fn observe_all(profile: &mut ProfileDoc, messages: &[Message], matchers: &[Matcher]) {
    for message in messages {
        let key = message.message_id.clone();
        let touch = Touch {
            message,
            source: "web",
            key: &key,
        };
        observe(profile, touch, matchers, &retention());
    }
}

fn big_red() -> EventQuery {
    query(json!([
        {"path": "properties.total", "test": {"op": "gte", "value": 100}},
        {"path": "properties.item.color", "test": {"op": "in_list", "values": ["red", "crimson"]}}
    ]))
}

#[test]
fn only_events_whose_properties_pass_every_filter_are_counted_per_day() {
    let matcher = Matcher::new(&big_red()).unwrap();
    let mut profile = ProfileDoc::new(ObjectId::new(), bson::DateTime::now());
    observe_all(
        &mut profile,
        &[
            order(9, json!({"total": 150, "item": {"color": "red"}})),
            order(9, json!({"total": 100.0, "item": {"color": "crimson"}})),
            order(10, json!({"total": 99, "item": {"color": "red"}})),
            order(10, json!({"total": "150", "item": {"color": "red"}})),
            order(10, json!({"total": 300, "item": {"color": "blue"}})),
            order(10, json!({"total": 300})),
            // Outside retention (5 days to Jan 10): in the total, not in the days.
            order(1, json!({"total": 500, "item": {"color": "red"}})),
        ],
        std::slice::from_ref(&matcher),
    );
    assert_eq!(count(&profile, &matcher.key, None), 3);
    assert_eq!(count(&profile, &matcher.key, Some("2026-01-06")), 2);
    assert_eq!(count(&profile, &matcher.key, Some("2026-01-10")), 0);
    assert_eq!(count(&profile, "another", None), 0);
}

#[test]
fn the_key_ignores_the_window_and_date_tests_are_not_kept() {
    let windowed = EventQuery {
        since: Some(1_767_225_600_000),
        ..big_red()
    };
    assert_eq!(key_of(&windowed), key_of(&big_red()));
    assert_ne!(key_of(&big_red()), key_of(&query(json!([]))));
    let dated = query(
        json!([{"path": "properties.at", "test": {"op": "within_last", "amount": 3, "unit": "days"}}]),
    );
    assert!(Matcher::new(&dated).is_none());
    assert!(Matcher::new(&query(json!([]))).is_some());
}

#[test]
fn a_merge_adds_both_sides_counts() {
    let matcher = Matcher::new(&big_red()).unwrap();
    let red = |day| order(day, json!({"total": 120, "item": {"color": "red"}}));
    let mut survivor = ProfileDoc::new(ObjectId::new(), bson::DateTime::now());
    let mut absorbed = ProfileDoc::new(ObjectId::new(), bson::DateTime::now());
    observe_all(
        &mut survivor,
        &[red(8), red(9)],
        std::slice::from_ref(&matcher),
    );
    observe_all(&mut absorbed, &[red(9)], std::slice::from_ref(&matcher));
    combine(&mut survivor, &absorbed, &retention());
    assert_eq!(count(&survivor, &matcher.key, None), 3);
    assert_eq!(count(&survivor, &matcher.key, Some("2026-01-09")), 2);
}
