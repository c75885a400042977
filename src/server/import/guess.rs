//! The mapping form's first proposal: each column's target guessed from its header and its
//! first values, or taken from the mapping saved for the source.
use super::{
    dates::{DateOrder, guess_order, parse_date},
    mapping::{Mapping, Target},
};
use crate::model::import::ColumnDraft;

/// A column's proposed target from its header and sample values.
pub fn guess_column(name: &str, samples: &[String]) -> ColumnDraft {
    let slug = slug(name);
    let (target, key, value_type) = guess_target(&slug, samples);
    ColumnDraft {
        name: name.to_owned(),
        samples: samples.to_vec(),
        target: target.to_owned(),
        key,
        value_type: value_type.to_owned(),
    }
}

/// A column as the saved mapping has it; `None` when the mapping does not name it.
pub fn saved_column(mapping: &Mapping, name: &str, samples: &[String]) -> Option<ColumnDraft> {
    let (target, key, value_type) = match mapping.columns.get(name)? {
        Target::UserId => ("user_id", String::new(), "string"),
        Target::AnonymousId => ("anonymous_id", String::new(), "string"),
        Target::Email => ("email", String::new(), "string"),
        Target::Phone => ("phone", String::new(), "string"),
        Target::External(kind) => ("external", kind.clone(), "string"),
        Target::Trait(trait_name, kind) => ("trait", trait_name.clone(), kind.as_str()),
        Target::Ignore => ("ignore", String::new(), "string"),
    };
    Some(ColumnDraft {
        name: name.to_owned(),
        samples: samples.to_vec(),
        target: target.to_owned(),
        key,
        value_type: value_type.to_owned(),
    })
}

/// `Customer No` → `customer_no`: a trait or id-type name.
pub fn slug(header: &str) -> String {
    let mut out = String::new();
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

fn guess_target(slug: &str, samples: &[String]) -> (&'static str, String, &'static str) {
    let has = |words: &[&str]| words.iter().any(|w| slug.split('_').any(|part| part == *w));
    let filled: Vec<&str> = samples
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if slug.contains("mail") || (!filled.is_empty() && filled.iter().all(|s| s.contains('@'))) {
        return ("email", String::new(), "string");
    }
    if has(&["phone", "mobile", "tel", "telephone", "cell", "handphone"]) {
        return ("phone", String::new(), "string");
    }
    if matches!(slug, "user_id" | "userid" | "uid") {
        return ("user_id", String::new(), "string");
    }
    if matches!(slug, "anonymous_id" | "anonymousid" | "device_id") {
        return ("anonymous_id", String::new(), "string");
    }
    if has(&["id", "no", "number", "code", "key"]) && !has(&["phone", "zip", "post"]) {
        return ("external", slug.to_owned(), "string");
    }
    ("trait", slug.to_owned(), value_type_of(&filled))
}

fn value_type_of(filled: &[&str]) -> &'static str {
    if filled.is_empty() {
        return "string";
    }
    let all = |check: fn(&str) -> bool| filled.iter().all(|s| check(s));
    if all(|s| s.parse::<f64>().is_ok()) {
        "number"
    } else if all(|s| {
        matches!(
            s.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "y" | "n"
        )
    }) {
        "boolean"
    } else if all(|s| {
        parse_date(s, DateOrder::DayFirst).is_some()
            || parse_date(s, DateOrder::MonthFirst).is_some()
    }) {
        "date"
    } else {
        "string"
    }
}

/// The date order the file's slashed dates imply; day first when they do not tell.
pub fn date_order_of(columns: &[ColumnDraft]) -> DateOrder {
    let samples = columns
        .iter()
        .filter(|c| c.value_type == "date")
        .flat_map(|c| c.samples.iter().map(String::as_str));
    guess_order(samples).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, samples: &[&str]) -> (String, String, String) {
        let samples: Vec<String> = samples.iter().map(|s| (*s).to_owned()).collect();
        let c = guess_column(name, &samples);
        (c.target, c.key, c.value_type)
    }

    #[test]
    fn item_06_targets_are_guessed_from_headers_and_values() {
        let t = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
        assert_eq!(target("E-mail", &["a@b.io"]), t("email", "", "string"));
        assert_eq!(target("Contact", &["a@b.io", ""]), t("email", "", "string"));
        assert_eq!(
            target("Mobile", &["010-1234-5678"]),
            t("phone", "", "string")
        );
        assert_eq!(
            target("Customer No", &["C1"]),
            t("external", "customer_no", "string")
        );
        assert_eq!(target("Age", &["41", "7.5"]), t("trait", "age", "number"));
        assert_eq!(target("VIP", &["yes", "no"]), t("trait", "vip", "boolean"));
        assert_eq!(
            target("Joined", &["31/07/2020"]),
            t("trait", "joined", "date")
        );
        assert_eq!(
            target("Full Name", &["Ann Lee"]),
            t("trait", "full_name", "string")
        );
        assert_eq!(target("user_id", &["u1"]), t("user_id", "", "string"));
    }
}
