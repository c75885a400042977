//! Rules as the builder drafts them: the condition a picked field starts with, default tests per
//! operator, and the one reading of what a person typed into a value input (shared by the
//! hydrated editor and the server reading a no-JavaScript form, so both store the same rule).
use super::{
    CountOp, EventCondition, GroupKind, PropertyFilter, Rule, ValueTest, types::ValueKind,
};
use crate::model::segment::{BuilderCatalog, CatalogField};
use serde_json::{Value, json};

/// The condition a freshly picked field (`trait:traits.plan`, `event:Order Completed`, …)
/// starts with.
pub fn new_condition(choice: &str, catalog: &BuilderCatalog) -> Rule {
    let (kind, name) = choice.split_once(':').unwrap_or((choice, ""));
    let types_of = |fields: &[CatalogField]| {
        fields
            .iter()
            .find(|f| f.path == name)
            .map(|f| f.types.clone())
            .unwrap_or_default()
    };
    match kind {
        "computed" => Rule::Computed {
            name: name.into(),
            test: first_test(&types_of(&catalog.computed)),
        },
        "event" => Rule::Event(EventCondition {
            event: name.into(),
            count: CountOp::AtLeast,
            times: 1,
            within_days: None,
            filters: Vec::new(),
        }),
        "consent" => Rule::Consent {
            purpose: name.into(),
        },
        "identity" => Rule::Identity { kind: name.into() },
        "segment" => Rule::Segment {
            segment: name.into(),
            member: true,
        },
        "bucket" => Rule::Bucket { from: 0, to: 10 },
        _ => Rule::Trait {
            path: name.into(),
            test: first_test(&types_of(&catalog.traits)),
        },
    }
}

/// The picker value of a condition (`trait:traits.plan`); empty for groups.
pub fn choice_of(rule: &Rule) -> String {
    match rule {
        Rule::Trait { path, .. } => format!("trait:{path}"),
        Rule::Computed { name, .. } => format!("computed:{name}"),
        Rule::Event(c) => format!("event:{}", c.event),
        Rule::Consent { purpose } => format!("consent:{purpose}"),
        Rule::Identity { kind } => format!("identity:{kind}"),
        Rule::Segment { segment, .. } => format!("segment:{segment}"),
        Rule::Bucket { .. } => "bucket".into(),
        Rule::Group { .. } => String::new(),
    }
}

/// The value kinds of catalog `types`, in menu order (any kind when none is known).
pub fn kinds_of(types: &[String]) -> Vec<ValueKind> {
    let kinds: Vec<ValueKind> = ValueKind::ALL
        .into_iter()
        .filter(|k| {
            types
                .iter()
                .any(|t| ValueKind::of_catalog_type(t) == Some(*k))
        })
        .collect();
    if kinds.is_empty() {
        vec![ValueKind::Text]
    } else {
        kinds
    }
}

/// The first operator's test for a field of catalog `types`.
pub fn first_test(types: &[String]) -> ValueTest {
    let kind = kinds_of(types)[0];
    test_for(kind.operators()[0].0, kind)
}

/// The kind `test` is shown as among `kinds` (the first kind offering its operator).
pub fn kind_of_test(test: &ValueTest, kinds: &[ValueKind]) -> ValueKind {
    let op = test_json(test)["op"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    kinds
        .iter()
        .copied()
        .find(|k| k.operators().iter().any(|(o, _)| *o == op))
        .unwrap_or(kinds[0])
}

/// A test for operator `op` with default values for a field of `kind`.
pub fn test_for(op: &str, kind: ValueKind) -> ValueTest {
    let value = if kind == ValueKind::Number {
        json!(0)
    } else {
        json!("")
    };
    // A fixed start date: the browser build has no clock in chrono, and the user edits it anyway.
    let now = "2025-01-01T00:00:00Z";
    let body = match op {
        "equals" | "not_equals" | "array_contains" => json!({ "value": value }),
        // An empty list: the chips input starts blank rather than with an empty chip.
        "in_list" | "not_in_list" | "array_contains_any" => json!({ "values": [] }),
        "contains" | "starts_with" | "ends_with" => json!({ "text": "" }),
        "lt" | "lte" | "gt" | "gte" => json!({ "value": 0 }),
        "between" => json!({ "min": 0, "max": 100 }),
        "before" | "after" => json!({ "at": now }),
        "date_between" => json!({ "from": now, "to": now }),
        "within_last" => json!({ "amount": 7, "unit": "days" }),
        "more_than_days_ago" | "anniversary_within" => json!({ "days": 7 }),
        "on_weekday" => json!({ "days": [1] }),
        _ => json!({}),
    };
    let mut test = body;
    test["op"] = json!(op);
    serde_json::from_value(test).unwrap_or(ValueTest::Exists)
}

/// The test's operator name and values as JSON.
pub fn test_json(test: &ValueTest) -> Value {
    serde_json::to_value(test).unwrap_or_else(|_| json!({ "op": "exists" }))
}

/// `test` with `field` set to `value` (unchanged when the result is not a valid test).
pub fn with_value(test: &ValueTest, field: &str, value: Value) -> ValueTest {
    let mut body = test_json(test);
    body[field] = value;
    serde_json::from_value(body).unwrap_or_else(|_| test.clone())
}

/// Reads text typed for a value of `kind`: numbers for numeric fields, `true`/`false` for
/// booleans, text otherwise.
pub fn typed_value(text: &str, kind: ValueKind) -> Value {
    match kind {
        ValueKind::Number => text
            .trim()
            .parse::<f64>()
            .map(|n| json!(n))
            .unwrap_or(json!(0)),
        ValueKind::Boolean => json!(text.trim() == "true"),
        _ => json!(text),
    }
}

/// What `raw`, typed into input `field` of a test on a field of `kind`, stores; `current` is
/// the value it replaces (a list of weekdays stays a list). Whole-number fields (`amount`,
/// `days`) stay whole numbers: the rule's counts are integers, and a decimal `365.0` does not
/// fit them (which once silently kept the default 7).
pub fn input_value(field: &str, raw: &str, kind: ValueKind, current: &Value) -> Value {
    let trimmed = raw.trim();
    match field {
        _ if current.is_array() => json!(
            raw.split(',')
                .filter_map(|v| v.trim().parse::<u8>().ok())
                .collect::<Vec<_>>()
        ),
        "value" => typed_value(raw, kind),
        // The picker gives `YYYY-MM-DDTHH:MM`; dates in rules are UTC instants.
        "at" | "from" | "to" => json!(format!("{trimmed}:00Z")),
        "text" | "unit" => json!(raw),
        "amount" | "days" => json!(whole(trimmed)),
        _ => trimmed.parse::<f64>().map_or(json!(0), |n| json!(n)),
    }
}

/// A whole number typed as `365`, `365.0` or ` 365 ` (0 when it is none).
pub fn whole(text: &str) -> u32 {
    let text = text.trim();
    text.parse::<u32>()
        .ok()
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .map(|n| n.round().clamp(0.0, f64::from(u32::MAX)) as u32)
        })
        .unwrap_or(0)
}

/// A new empty group, as the "Add group" button adds.
pub fn new_group() -> Rule {
    Rule::group(GroupKind::All, Vec::new())
}

/// A property filter on the first property of `event`.
pub fn new_filter(event: &str, catalog: &BuilderCatalog) -> Option<PropertyFilter> {
    let field = catalog
        .events
        .iter()
        .find(|e| e.name == event)?
        .properties
        .first()?;
    Some(PropertyFilter {
        path: field.path.clone(),
        test: first_test(&field.types),
    })
}

/// The rule at `path` (child indexes from the root), mutably.
pub fn rule_at<'a>(rule: &'a mut Rule, path: &[usize]) -> Option<&'a mut Rule> {
    match path.split_first() {
        None => Some(rule),
        Some((i, rest)) => match rule {
            Rule::Group { rules, .. } => rule_at(rules.get_mut(*i)?, rest),
            _ => None,
        },
    }
}

/// The text of one list value as a chip shows it.
pub fn chip_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

/// `typed` split on commas into the values to add (blank pieces dropped).
pub fn pieces(typed: &str) -> Vec<String> {
    typed
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;
