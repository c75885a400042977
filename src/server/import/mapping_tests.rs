use super::*;

#[test]
fn the_example_mapping_parses() {
    let mapping = parse_mapping(crate::model::import::EXAMPLE_MAPPING).unwrap();
    assert_eq!(mapping.columns["E-mail"], Target::Email);
    assert_eq!(
        mapping.columns["Customer No"],
        Target::External("crm_id".into())
    );
    assert_eq!(
        mapping.columns["Age"],
        Target::Trait("age".into(), ValueType::Number)
    );
}

#[test]
fn bad_mappings_say_what_is_wrong() {
    for (text, needle) in [
        ("[columns]\nA = \"trait:x:colour\"", "column \"A\""),
        ("[columns]\nA = \"trait:name\"", "at least one column"),
        ("[columns]\nA = \"external:\"", "unknown target"),
        ("[columns]\nA = \"trait:a.b\"", "unknown target"),
        ("columns = 3", "invalid type"),
        ("[columns]\nA = \"email\"\n[extra]\n", "unknown field"),
    ] {
        let err = parse_mapping(text).unwrap_err();
        let message = err.message_for("mapping").unwrap();
        assert!(message.contains(needle), "{text}: {message}");
    }
}

#[test]
fn options_round_trip_through_the_saved_text() {
    let text = "[columns]\nMobile = \"phone\"\n\"Joined on\" = \"trait:joined:date\"\n\
                [options]\ndate_order = \"mdy\"\nphone_region = \"kr\"\ntimestamp = \"Updated\"\n";
    let mapping = parse_mapping(text).unwrap();
    assert_eq!(mapping.date_order, DateOrder::MonthFirst);
    assert_eq!(mapping.phone_region, Some(phonenumber::country::Id::KR));
    assert_eq!(parse_mapping(&mapping.to_toml()).unwrap(), mapping);
    let bad = parse_mapping("[columns]\nA = \"email\"\n[options]\nphone_region = \"Korea\"\n");
    assert!(bad.unwrap_err().message_for("phone_region").is_some());
}
