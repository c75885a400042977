use super::*;
use crate::server::{
    enrich::{Retention, combine},
    ingest::message::{BatchDefaults, parse_message},
};
use chrono::{NaiveDate, Utc};
use mongodb::bson::oid::ObjectId;
use serde_json::json;

fn message(value: serde_json::Value) -> Message {
    parse_message(value, None, &BatchDefaults::default(), Utc::now(), "").unwrap()
}

fn retention() -> Retention {
    Retention {
        days: 3,
        today: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
    }
}

fn touch<'a>(message: &'a Message, key: &'a str) -> Touch<'a> {
    Touch {
        message,
        source: "web",
        key,
    }
}

fn profile() -> ProfileDoc {
    ProfileDoc::new(ObjectId::new(), bson::DateTime::now())
}

fn track(day: u32, event: &str, id: &str) -> Message {
    message(
        json!({"type": "track", "userId": "u", "event": event, "messageId": id,
                   "timestamp": format!("2026-01-{day:02}T08:00:00Z")}),
    )
}

#[test]
fn counters_keep_totals_forever_and_days_within_retention() {
    let mut p = profile();
    let policy = IdentityPolicy::default();
    for (day, id) in [(1, "a"), (9, "b"), (10, "c"), (10, "d")] {
        let m = track(day, "Product Viewed", id);
        assert!(apply(&mut p, touch(&m, id), &policy, &retention()));
    }
    let counter = &p.counters[0];
    assert_eq!(counter.total, 4);
    let days: Vec<(&str, i64)> = counter
        .daily
        .iter()
        .map(|d| (d.day.as_str(), d.count))
        .collect();
    assert_eq!(days, [("2026-01-09", 1), ("2026-01-10", 2)]);
    assert_eq!(p.event_count, 4);
    assert_eq!(p.last_event.as_ref().unwrap().name, "Product Viewed");
}

#[test]
fn a_message_is_applied_once() {
    let mut p = profile();
    let m = track(10, "E", "same");
    let policy = IdentityPolicy::default();
    assert!(apply(&mut p, touch(&m, "web:same"), &policy, &retention()));
    let after_first = p.clone();
    assert!(!apply(&mut p, touch(&m, "web:same"), &policy, &retention()));
    assert_eq!(p, after_first);
}

#[test]
fn page_calls_set_last_page_seen_times_and_device() {
    let mut p = profile();
    let policy = IdentityPolicy::default();
    let later = message(json!({
        "type": "page", "anonymousId": "a", "name": "Pricing", "messageId": "p2",
        "timestamp": "2026-01-10T10:00:00Z",
        "properties": {"url": "https://x.io/pricing?a=1", "path": "/pricing", "referrer": "https://g.co"},
        "context": {"userAgent": "Mozilla/5.0", "ip": "10.0.0.1", "location": {"city": "Seoul"}}
    }));
    let earlier = message(json!({
        "type": "page", "anonymousId": "a", "messageId": "p1", "timestamp": "2026-01-09T10:00:00Z",
        "properties": {"path": "/home"}
    }));
    apply(&mut p, touch(&later, "p2"), &policy, &retention());
    apply(&mut p, touch(&earlier, "p1"), &policy, &retention());
    let page = p.last_page.as_ref().unwrap();
    assert_eq!(page.path.as_deref(), Some("/pricing"));
    assert_eq!(page.title.as_deref(), Some("Pricing"));
    assert_eq!(page.referrer.as_deref(), Some("https://g.co"));
    assert_eq!(
        p.first_seen.unwrap().to_chrono().to_rfc3339(),
        "2026-01-09T10:00:00+00:00"
    );
    assert_eq!(
        p.last_seen.unwrap().to_chrono().to_rfc3339(),
        "2026-01-10T10:00:00+00:00"
    );
    let device = &p.device.as_ref().unwrap().context;
    assert_eq!(
        device
            .get_document("location")
            .unwrap()
            .get_str("city")
            .unwrap(),
        "Seoul"
    );
    assert_eq!(p.counters[0].event, "Page Viewed");
}

#[test]
fn identify_traits_set_display_fields_but_do_not_count_as_activity() {
    let mut p = profile();
    let policy = IdentityPolicy::default();
    let m = message(json!({"type": "identify", "userId": "u", "messageId": "i",
        "traits": {"firstName": "Ana", "lastName": "Silva", "email": "ANA@X.IO",
                   "address": {"city": "Porto"}}}));
    apply(&mut p, touch(&m, "i"), &policy, &retention());
    assert_eq!(p.name, "Ana Silva");
    assert_eq!(p.email.as_deref(), Some("ana@x.io"));
    assert_eq!(
        p.traits
            .get_document("address")
            .unwrap()
            .get_str("city")
            .unwrap(),
        "Porto"
    );
    assert!(p.last_seen.is_none());
    assert!(p.counters.is_empty());
}

#[test]
fn combining_adds_counters_and_keeps_the_newest_traits() {
    let policy = IdentityPolicy::default();
    let (mut older, mut newer) = (profile(), profile());
    let plan_old = message(json!({"type": "identify", "userId": "u", "messageId": "1",
        "timestamp": "2026-01-08T00:00:00Z", "traits": {"plan": "free", "city": "Oslo"}}));
    let plan_new = message(
        json!({"type": "identify", "anonymousId": "a", "messageId": "2",
        "timestamp": "2026-01-09T00:00:00Z", "traits": {"plan": "pro"}}),
    );
    apply(&mut older, touch(&plan_old, "1"), &policy, &retention());
    apply(&mut newer, touch(&plan_new, "2"), &policy, &retention());
    for (p, id) in [(&mut older, "3"), (&mut newer, "4")] {
        let m = track(10, "E", id);
        apply(p, touch(&m, id), &policy, &retention());
    }
    combine(&mut older, &newer, &policy, &retention());
    assert_eq!(older.traits.get_str("plan").unwrap(), "pro");
    assert_eq!(older.traits.get_str("city").unwrap(), "Oslo");
    assert_eq!(
        older
            .provenance
            .iter()
            .find(|p| p.key == "plan")
            .unwrap()
            .history
            .len(),
        1
    );
    assert_eq!(older.counters[0].total, 2);
    assert_eq!(older.counters[0].daily[0].count, 2);
    assert_eq!(older.event_count, 4);
    assert_eq!(older.absorbed, [newer.id]);
}
