use super::*;
use crate::{
    model::computed::Aggregate,
    server::ingest::message::{BatchDefaults, parse_message},
};
use mongodb::bson::oid::ObjectId;
use serde_json::json;

fn now() -> DateTime<Utc> {
    "2026-03-31T12:00:00Z".parse().unwrap()
}

fn order(day: u32, amount: serde_json::Value, id: &str) -> Message {
    let raw = json!({"type": "track", "userId": "u", "event": "Order Completed", "messageId": id,
                     "timestamp": format!("2026-03-{day:02}T08:00:00Z"),
                     "properties": {"order": {"total": amount}}});
    parse_message(raw, None, &BatchDefaults::default(), now(), "").unwrap()
}

fn spend(within_days: Option<u32>) -> ComputedTraitDef {
    ComputedTraitDef {
        name: "spend".into(),
        event: "Order Completed".into(),
        aggregate: Aggregate::Sum,
        property: Some("order.total".into()),
        within_days,
    }
}

fn profile() -> ProfileDoc {
    ProfileDoc::new(ObjectId::new(), bson::DateTime::now())
}

fn observe_all(profile: &mut ProfileDoc, messages: &[Message], definitions: &[ComputedTraitDef]) {
    for message in messages {
        let key = format!("src:{}", message.message_id);
        let touch = Touch {
            message,
            source: "web",
            key: &key,
        };
        observe(profile, touch, definitions, now());
    }
}

fn value(profile: &ProfileDoc, name: &str) -> Option<Bson> {
    profile.computed.get(name).cloned()
}

#[test]
fn a_windowed_sum_counts_the_nested_property_of_events_inside_the_window_only() {
    let messages = [
        order(31, json!(10), "a"),
        order(25, json!(2.5), "b"),
        // Ten days before: outside a 7-day window (today and the 6 days before).
        order(21, json!(100), "c"),
    ];
    let all_time = ComputedTraitDef {
        name: "spend_ever".into(),
        ..spend(None)
    };
    let mut person = profile();
    observe_all(&mut person, &messages, &[spend(Some(7)), all_time]);
    assert_eq!(value(&person, "spend"), Some(Bson::Double(12.5)));
    assert_eq!(value(&person, "spend_ever"), Some(Bson::Double(112.5)));
    // The day outside the window left no bucket behind.
    assert_eq!(person.computed_state["spend"].buckets.len(), 2);
    assert_eq!(person.computed_state["spend_ever"].buckets.len(), 1);
}

#[test]
fn other_events_and_missing_properties_change_nothing_they_should_not() {
    let mut person = profile();
    let page = parse_message(
        json!({"type": "page", "userId": "u", "messageId": "p", "timestamp": "2026-03-31T08:00:00Z"}),
        None,
        &BatchDefaults::default(),
        now(),
        "",
    )
    .unwrap();
    observe_all(&mut person, &[page], &[spend(None)]);
    assert!(person.computed_state.is_empty());
    assert_eq!(value(&person, "spend"), None);

    observe_all(&mut person, &[order(30, json!(null), "n")], &[spend(None)]);
    assert_eq!(value(&person, "spend"), Some(Bson::Int64(0)));
    assert_eq!(person.computed_state["spend"].buckets[0].count, 1);
}

#[test]
fn a_merge_gives_what_one_person_with_both_histories_would_have() {
    let definitions = [spend(Some(30))];
    let (left, right) = (
        [order(2, json!(5), "a"), order(30, json!(7), "b")],
        [order(30, json!(1), "c")],
    );
    let mut survivor = profile();
    observe_all(&mut survivor, &left, &definitions);
    let mut absorbed = profile();
    observe_all(&mut absorbed, &right, &definitions);
    absorb(&mut survivor, &absorbed);
    refresh(&mut survivor, &definitions, now());

    let mut together = profile();
    observe_all(
        &mut together,
        &[left.as_slice(), right.as_slice()].concat(),
        &definitions,
    );
    assert_eq!(survivor.computed_state, together.computed_state);
    assert_eq!(value(&survivor, "spend"), Some(Bson::Int64(13)));
}

#[test]
fn aging_drops_the_days_that_left_the_window_and_lowers_the_value() {
    let definition = spend(Some(7));
    let mut person = profile();
    observe_all(
        &mut person,
        &[order(25, json!(4), "a"), order(31, json!(6), "b")],
        std::slice::from_ref(&definition),
    );
    assert_eq!(value(&person, "spend"), Some(Bson::Int64(10)));
    assert!(
        !age(&mut person, &definition, now()),
        "nothing left the window yet"
    );

    let a_week_later: DateTime<Utc> = "2026-04-06T00:00:01Z".parse().unwrap();
    assert!(age(&mut person, &definition, a_week_later));
    assert_eq!(value(&person, "spend"), Some(Bson::Int64(6)));
    assert!(!age(&mut person, &definition, a_week_later), "aged once");
}
