use super::*;
use crate::model::computed::{AGGREGATES, compute};
use proptest::prelude::*;
use serde_json::json;

fn definition(aggregate: Aggregate, within_days: Option<u32>) -> ComputedTraitDef {
    ComputedTraitDef {
        name: "t".into(),
        event: "E".into(),
        aggregate,
        property: (aggregate != Aggregate::Count).then(|| "p".to_owned()),
        within_days,
    }
}

fn now() -> DateTime<Utc> {
    "2026-03-31T12:00:00Z".parse().unwrap()
}

/// An event `days` before `now()`, `minutes` into that day.
fn at(days: u32, minutes: u32) -> DateTime<Utc> {
    let day = now().date_naive() - Days::new(u64::from(days));
    day.and_hms_opt(0, 0, 0).unwrap().and_utc() + chrono::Duration::minutes(i64::from(minutes))
}

/// What reading the events sorted by (time, id) inside the window and computing gives.
fn expected(
    definition: &ComputedTraitDef,
    events: &[(DateTime<Utc>, String, Option<Value>)],
) -> Value {
    let first = first_day(definition, now());
    let mut inside: Vec<_> = events
        .iter()
        .filter(|(at, _, _)| {
            first
                .as_ref()
                .is_none_or(|f| &at.format("%Y-%m-%d").to_string() >= f)
        })
        .collect();
    inside.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let inputs: Vec<(DateTime<Utc>, Option<Value>)> = inside
        .into_iter()
        .map(|(at, _, v)| (*at, v.clone()))
        .collect();
    compute(definition.aggregate, &inputs)
}

fn observed(event: &(DateTime<Utc>, String, Option<Value>)) -> Observed<'_> {
    Observed {
        at: event.0,
        key: &event.1,
        value: event.2.as_ref(),
    }
}

fn value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(Value::Null)),
        (-4i64..5).prop_map(|n| Some(json!(n))),
        (-4i64..5).prop_map(|n| Some(json!(n as f64 + 0.5))),
        prop::sample::select(vec!["a", "b", "c"]).prop_map(|s| Some(json!(s))),
    ]
}

fn events() -> impl Strategy<Value = Vec<(DateTime<Utc>, String, Option<Value>)>> {
    prop::collection::vec((0u32..40, 0u32..3, 0u32..50, value()), 0..30).prop_map(|raw| {
        // Ids are unique, as stored events' are; their order against time is random.
        raw.into_iter()
            .enumerate()
            .map(|(n, (days, minutes, id, value))| {
                (at(days, minutes), format!("s:{id:03}:{n}"), value)
            })
            .collect()
    })
}

proptest! {
    /// Kept state gives what reading the history gives, whatever the order events arrive in,
    /// and however they are split between two people who are then merged.
    #[test]
    fn kept_state_equals_reading_the_history(
        events in events(),
        aggregate in prop::sample::select(AGGREGATES.iter().map(|(a, _, _)| *a).collect::<Vec<_>>()),
        window in prop::option::of(1u32..45),
        split in 0usize..31,
    ) {
        let definition = definition(aggregate, window);
        let want = expected(&definition, &events);
        let mut one = TraitState::default();
        for event in events.iter().rev() {
            one.observe(&definition, &observed(event));
        }
        prop_assert_eq!(one.value(&definition, now()), want.clone(), "one state");
        let (a, b) = events.split_at(split.min(events.len()));
        let (mut left, mut right) = (TraitState::default(), TraitState::default());
        a.iter().for_each(|e| left.observe(&definition, &observed(e)));
        b.iter().for_each(|e| right.observe(&definition, &observed(e)));
        right.absorb(&left);
        prop_assert_eq!(right.value(&definition, now()), want.clone(), "merged");
        right.age(&definition, now());
        prop_assert_eq!(right.value(&definition, now()), want, "aged");
    }
}

#[test]
fn a_windowed_value_goes_down_as_days_leave_the_window() {
    let definition = definition(Aggregate::Sum, Some(7));
    let mut state = TraitState::default();
    for (days, amount) in [(0, 5), (6, 10), (7, 100)] {
        let v = json!(amount);
        let key = format!("s:{days}");
        state.observe(
            &definition,
            &Observed {
                at: at(days, 0),
                key: &key,
                value: Some(&v),
            },
        );
    }
    assert_eq!(
        state.value(&definition, now()),
        json!(15),
        "today and the 6 days before"
    );
    let tomorrow = now() + chrono::Duration::days(1);
    assert_eq!(state.value(&definition, tomorrow), json!(5));
    assert!(state.age(&definition, tomorrow));
    assert_eq!(
        state.buckets.len(),
        1,
        "days outside the window are dropped"
    );
    assert!(!state.age(&definition, tomorrow));
    let unwindowed = definition_all_time();
    assert!(!TraitState::default().age(&unwindowed, tomorrow));
}

fn definition_all_time() -> ComputedTraitDef {
    definition(Aggregate::Count, None)
}

#[test]
fn distinct_values_are_bounded() {
    let definition = definition(Aggregate::UniqueCount, None);
    let mut state = TraitState::default();
    for n in 0..MAX_DISTINCT + 20 {
        let v = json!(n);
        let key = format!("s:{n}");
        state.observe(
            &definition,
            &Observed {
                at: at(0, 0),
                key: &key,
                value: Some(&v),
            },
        );
    }
    assert_eq!(state.value(&definition, now()), json!(MAX_DISTINCT));
    assert_eq!(state.buckets[0].count, (MAX_DISTINCT + 20) as i64);
}

#[test]
fn state_round_trips_through_serde() {
    let definition = definition(Aggregate::Last, Some(30));
    let mut state = TraitState::default();
    let v = json!({ "sku": "A-1" });
    state.observe(
        &definition,
        &Observed {
            at: at(2, 5),
            key: "s:1",
            value: Some(&v),
        },
    );
    let stored = serde_round_trip(&state);
    assert_eq!(stored, state);
    assert_eq!(stored.value(&definition, now()), v);
}

/// Through serde, as the profile stores it (the model is shared with the browser build).
fn serde_round_trip(state: &TraitState) -> TraitState {
    serde_json::from_value(serde_json::to_value(state).unwrap()).unwrap()
}
