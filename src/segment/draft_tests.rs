use super::*;
use crate::segment::TimeUnit;

#[test]
fn item_01_typed_amounts_reach_every_relative_date_test() {
    let cases = [
        ("within_last", "amount", "365"),
        ("more_than_days_ago", "days", "50"),
        ("anniversary_within", "days", "60"),
    ];
    for (op, field, typed) in cases {
        let test = test_for(op, ValueKind::Date);
        let current = test_json(&test)[field].clone();
        let changed = with_value(
            &test,
            field,
            input_value(field, typed, ValueKind::Date, &current),
        );
        assert_eq!(
            test_json(&changed)[field],
            json!(typed.parse::<u32>().unwrap()),
            "{op}"
        );
    }
}

#[test]
fn whole_numbers_accept_decimals_and_spaces() {
    assert_eq!(whole(" 365 "), 365);
    assert_eq!(whole("365.0"), 365);
    assert_eq!(whole("abc"), 0);
}

#[test]
fn weekday_lists_stay_lists_and_units_stay_units() {
    let test = test_for("on_weekday", ValueKind::Date);
    let days = input_value("days", "1, 5,7", ValueKind::Date, &json!([1]));
    assert_eq!(
        with_value(&test, "days", days),
        ValueTest::OnWeekday {
            days: vec![1, 5, 7]
        }
    );
    let within = test_for("within_last", ValueKind::Date);
    let weeks = input_value("unit", "weeks", ValueKind::Date, &json!("days"));
    assert_eq!(
        with_value(&within, "unit", weeks),
        ValueTest::WithinLast {
            amount: 7,
            unit: TimeUnit::Weeks
        }
    );
}

#[test]
fn typed_text_splits_on_commas_and_drops_blanks() {
    assert_eq!(pieces(" gold, vip ,, "), ["gold", "vip"]);
    assert!(pieces("  ").is_empty());
}

#[test]
fn chips_show_texts_bare_and_other_values_as_json() {
    assert_eq!(chip_text(&json!("gold")), "gold");
    assert_eq!(chip_text(&json!(30.5)), "30.5");
}
