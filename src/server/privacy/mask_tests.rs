use super::*;
use proptest::prelude::*;
use serde_json::json;

#[test]
fn emails_keep_first_characters_and_the_last_label() {
    assert_eq!(mask_email("john.doe@example.com"), "j***@e***.com");
    assert_eq!(mask_email("a@b.co.uk"), "a***@b***.uk");
    assert_eq!(mask_email("root@localhost"), "r***@l***");
    assert_eq!(mask_email("x@y.com/secret"), "x***@y***");
}

#[test]
fn text_around_an_address_is_masked_as_text() {
    assert_eq!(mask_email("mail ana@example.com please"), "m*** a*** p***");
}

#[test]
fn an_email_without_at_is_masked_as_text() {
    assert_eq!(mask_email("Zelda Quartzfeld"), "Z*** Q***");
}

#[test]
fn phones_keep_country_code_first_group_and_last_four_digits() {
    assert_eq!(mask_phone("+821098765678"), "+82 10-****-5678");
    assert_eq!(mask_phone("+14155552671"), "+1 415-***-2671");
}

#[test]
fn unparseable_phones_keep_only_the_last_two_digits() {
    assert_eq!(mask_phone("12345678"), "******78");
    assert_eq!(mask_phone("12-34-56"), "**-**-56");
    assert_eq!(mask_phone("n/a"), "*/*");
}

#[test]
fn text_keeps_one_character_and_at_most_three_stars_per_word() {
    assert_eq!(mask_text("Zelda Quartzfeld"), "Z*** Q***");
    assert_eq!(mask_text("Jo"), "J*");
    assert_eq!(mask_text("Z"), "*");
    assert_eq!(mask_text(""), "");
    assert_eq!(mask_text("Élodie 김민준"), "É*** 김**");
}

#[test]
fn json_strings_are_masked_by_field_name_or_shape() {
    assert_eq!(
        mask_json("Email", &json!("john.doe@example.com")),
        json!("j***@e***.com")
    );
    assert_eq!(
        mask_json("contact", &json!("x.y@corp.io")),
        json!("x***@c***.io")
    );
    assert_eq!(
        mask_json("mobile_phone", &json!("+821098765678")),
        json!("+82 10-****-5678")
    );
    assert_eq!(
        mask_json("contact", &json!("+14155552671")),
        json!("+1 415-***-2671")
    );
    assert_eq!(
        mask_json("name", &json!("Zelda Quartzfeld")),
        json!("Z*** Q***")
    );
}

#[test]
fn json_dates_do_not_survive() {
    for date in [
        "1990-04-01",
        "01/04/1990",
        "1990-04-01T00:00:00Z",
        "1990-4-1",
    ] {
        assert_eq!(
            mask_json("birthday", &json!(date)),
            json!("****-**-**"),
            "{date}"
        );
    }
    assert_eq!(
        mask_json("email", &json!("1990-04-01")),
        json!("****-**-**")
    );
}

#[test]
fn phone_like_strings_are_not_taken_for_dates() {
    assert_ne!(
        mask_json("note", &json!("010-1234-5678")),
        json!("****-**-**")
    );
}

#[test]
fn json_scalars_follow_their_rules() {
    assert_eq!(mask_json("age", &json!(42)), json!("***"));
    assert_eq!(mask_json("score", &json!(3.5)), json!("***"));
    assert_eq!(mask_json("vip", &json!(true)), json!(true));
    assert_eq!(mask_json("nickname", &json!(null)), json!(null));
}

#[test]
fn every_leaf_of_a_nested_address_is_masked() {
    let address = json!({
        "street": "12 Main Street",
        "city": "Seoul",
        "zip": "04524",
        "geo": {"lat": 37.5665, "lng": 126.978},
        "lines": ["Apt 5", "Floor 2"],
        "contact": {"phone": "+821098765678", "emails": ["ana@example.com"]}
    });
    let expected = json!({
        "street": "1* M*** S***",
        "city": "S***",
        "zip": "0***",
        "geo": {"lat": "***", "lng": "***"},
        "lines": ["A** *", "F*** *"],
        "contact": {"phone": "+82 10-****-5678", "emails": ["a***@e***.com"]}
    });
    assert_eq!(mask_json("address", &address), expected);
}

#[test]
fn a_parent_field_name_still_applies_to_nested_values() {
    let value = json!({"work": "12345678"});
    assert_eq!(mask_json("phones", &value), json!({"work": "******78"}));
}

proptest! {
    /// Neither the whole local part nor the domain's first label survives masking.
    #[test]
    fn masked_emails_hide_local_part_and_domain(
        local in "[a-z]{3,12}",
        label in "[a-z]{3,12}",
        tld in "[a-z]{2,4}",
    ) {
        // The last label is shown on purpose, so it may legitimately contain either part.
        prop_assume!(!tld.contains(&local) && !tld.contains(&label));
        let masked = mask_email(&format!("{local}@{label}.{tld}"));
        prop_assert!(!masked.contains(&local), "{masked}");
        prop_assert!(!masked.contains(&label), "{masked}");
    }

    /// A word of four or more letters never survives masking.
    #[test]
    fn masked_text_hides_the_word(word in "[A-Za-z]{4,20}") {
        let masked = mask_text(&word);
        prop_assert!(!masked.contains(&word), "{masked}");
    }

    /// A Korean mobile number keeps its last four digits and hides the middle four.
    #[test]
    fn masked_korean_mobiles_hide_the_middle_digits(middle in "[0-9]{4}", last in "[0-9]{4}") {
        prop_assume!(middle != last);
        let masked = mask_phone(&format!("+8210{middle}{last}"));
        prop_assert!(masked.starts_with("+82 10-"), "{masked}");
        prop_assert!(masked.ends_with(&last), "{masked}");
        prop_assert!(!masked.contains(&middle), "{masked}");
    }
}
