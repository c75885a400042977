use super::*;
use serde_json::json;

fn at(day: u32) -> DateTime<Utc> {
    format!("2026-01-{day:02}T00:00:00Z").parse().unwrap()
}

#[test]
fn each_aggregate_over_the_same_events() {
    let events = vec![
        (at(1), Some(json!(10))),
        (at(2), Some(json!("x"))),
        (at(3), Some(json!(2.5))),
        (at(4), Some(json!(10))),
        (at(5), None),
    ];
    let expect = [
        (Aggregate::Count, json!(5)),
        (Aggregate::Sum, json!(22.5)),
        (Aggregate::Min, json!(2.5)),
        (Aggregate::Max, json!(10)),
        (Aggregate::First, json!(10)),
        (Aggregate::Last, json!("2026-01-05T00:00:00+00:00")),
        (Aggregate::MostFrequent, json!(10)),
        (Aggregate::UniqueCount, json!(3)),
    ];
    for (aggregate, value) in expect {
        assert_eq!(compute(aggregate, &events), value, "{aggregate:?}");
    }
    assert_eq!(compute(Aggregate::Sum, &[]), json!(0));
    assert_eq!(compute(Aggregate::Max, &[]), Value::Null);
}

#[test]
fn definitions_are_validated_field_by_field() {
    let ok = parse_definition("lifetime_value", "Order Completed", "sum", "total", "365").unwrap();
    assert_eq!(ok.property.as_deref(), Some("total"));
    assert_eq!(ok.within_days, Some(365));
    let cases = [
        (("", "E", "count", "", ""), "name"),
        (("n", " ", "count", "", ""), "event"),
        (("n", "E", "median", "", ""), "aggregate"),
        (("n", "E", "sum", "", ""), "property"),
        (("n", "E", "count", "x", ""), "property"),
        (("n", "E", "sum", "a..b", ""), "property"),
        (("n", "E", "sum", "$where", ""), "property"),
        (("n", "E", "count", "", "0"), "within_days"),
        (("n", "E", "count", "", "abc"), "within_days"),
    ];
    for ((name, event, aggregate, property, days), field) in cases {
        let err = parse_definition(name, event, aggregate, property, days).unwrap_err();
        assert!(err.message_for(field).is_some(), "{field}: {err:?}");
    }
}
