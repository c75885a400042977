use super::*;
use mongodb::bson::oid::ObjectId;
use proptest::prelude::*;

fn profile() -> ProfileDoc {
    ProfileDoc::new(ObjectId::new(), bson::DateTime::from_millis(0))
}

fn write(key: &'static str, value: i32, message: &'static str, at: i64) -> TraitWrite<'static> {
    TraitWrite {
        key,
        value: Bson::Int32(value),
        source: "web",
        message_id: message,
        at: bson::DateTime::from_millis(at),
    }
}

#[test]
fn the_latest_event_time_wins_whatever_the_arrival_order() {
    let mut p = profile();
    set_trait(&mut p, write("plan", 2, "m2", 2_000));
    set_trait(&mut p, write("plan", 1, "m1", 1_000));
    assert_eq!(p.traits.get_i32("plan").unwrap(), 2);
    let held = &p.provenance[0];
    assert_eq!(
        (held.message_id.as_str(), held.at.timestamp_millis()),
        ("m2", 2_000)
    );
    assert_eq!(held.history.len(), 1);
    assert_eq!(held.history[0].value, Bson::Int32(1));
}

#[test]
fn a_newer_value_pushes_the_old_one_into_bounded_history() {
    let mut p = profile();
    for i in 0..(HISTORY_LIMIT as i32 + 5) {
        let id: &'static str = Box::leak(format!("m{i}").into_boxed_str());
        set_trait(&mut p, write("n", i, id, i64::from(i) * 10));
    }
    let held = &p.provenance[0];
    assert_eq!(p.traits.get_i32("n").unwrap(), HISTORY_LIMIT as i32 + 4);
    assert_eq!(held.history.len(), HISTORY_LIMIT);
    assert_eq!(
        held.history[0].value,
        Bson::Int32(HISTORY_LIMIT as i32 + 3),
        "newest first"
    );
}

#[test]
fn reapplying_a_write_changes_nothing() {
    let mut p = profile();
    set_trait(&mut p, write("a", 1, "m1", 10));
    set_trait(&mut p, write("a", 2, "m2", 20));
    let before = p.clone();
    set_trait(&mut p, write("a", 2, "m2", 20));
    set_trait(&mut p, write("a", 1, "m1", 10));
    assert_eq!(p, before);
}

proptest! {
    /// The value held is the one written at the latest (time, message id), in any order.
    #[test]
    fn current_value_is_independent_of_arrival_order(
        writes in prop::collection::vec((0i32..5, 0i64..6), 1..12),
        seed in any::<u64>(),
    ) {
        let ids: Vec<&'static str> = (0..writes.len())
            .map(|i| &*Box::leak(format!("m{i:02}").into_boxed_str()))
            .collect();
        let all: Vec<TraitWrite<'_>> = writes.iter().zip(&ids)
            .map(|((v, t), id)| write("k", *v, id, *t)).collect();
        let mut shuffled = all.clone();
        let n = shuffled.len();
        for i in 0..n {
            shuffled.swap(i, (seed as usize).wrapping_mul(31).wrapping_add(i * 7) % n);
        }
        let (mut a, mut b) = (profile(), profile());
        all.into_iter().for_each(|w| set_trait(&mut a, w));
        shuffled.into_iter().for_each(|w| set_trait(&mut b, w));
        prop_assert_eq!(a.traits.get("k"), b.traits.get("k"));
        prop_assert_eq!(&a.provenance[0].message_id, &b.provenance[0].message_id);
    }
}
