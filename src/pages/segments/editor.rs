//! The visual rule editor: groups (all / any / none) and conditions, each addressed by its path
//! in the tree; every edit replaces the rule in one signal (so undo is a stack of rules).
use crate::{
    model::segment::BuilderCatalog,
    segment::{
        CountOp, EventCondition, GroupKind, PropertyFilter, Rule, ValueTest, types::ValueKind,
    },
};
use leptos::prelude::*;
use serde_json::{Value, json};

/// Where a rule sits: child indexes from the root.
pub type RulePath = Vec<usize>;

/// The rule at `path`, mutably.
pub fn rule_at<'a>(rule: &'a mut Rule, path: &[usize]) -> Option<&'a mut Rule> {
    match path.split_first() {
        None => Some(rule),
        Some((i, rest)) => match rule {
            Rule::Group { rules, .. } => rule_at(rules.get_mut(*i)?, rest),
            _ => None,
        },
    }
}

/// Edits the rule through `change`, remembering the previous one for undo.
#[derive(Clone, Copy)]
pub struct Editing {
    /// The rule being edited.
    pub rule: RwSignal<Rule>,
    /// Earlier rules, newest last.
    pub undo: RwSignal<Vec<Rule>>,
}

impl Editing {
    /// Applies `edit` to the rule at `path`.
    pub fn change(self, path: &[usize], edit: impl FnOnce(&mut Rule)) {
        let before = self.rule.get_untracked();
        let mut after = before.clone();
        if let Some(target) = rule_at(&mut after, path) {
            edit(target);
        }
        if after != before {
            self.undo.update(|u| u.push(before));
            self.rule.set(after);
        }
    }

    /// Removes the rule at `path` (not the root).
    pub fn remove(self, path: &[usize]) {
        if let Some((last, parent)) = path.split_last() {
            let last = *last;
            self.change(parent, move |group| {
                if let Rule::Group { rules, .. } = group {
                    rules.remove(last);
                }
            });
        }
    }

    /// Moves the rule at `path` one place up (`-1`) or down (`1`) among its siblings.
    pub fn shift(self, path: &[usize], by: isize) {
        if let Some((last, parent)) = path.split_last() {
            let from = *last;
            self.change(parent, move |group| {
                if let Rule::Group { rules, .. } = group {
                    let to = from as isize + by;
                    if to >= 0 && (to as usize) < rules.len() {
                        rules.swap(from, to as usize);
                    }
                }
            });
        }
    }
}

/// The condition a freshly picked field starts with.
pub fn new_condition(choice: &str, catalog: &BuilderCatalog) -> Rule {
    let (kind, name) = choice.split_once(':').unwrap_or((choice, ""));
    let types_of = |fields: &[crate::model::segment::CatalogField]| {
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

fn first_test(types: &[String]) -> ValueTest {
    test_for(kinds_of(types)[0].operators()[0].0, kinds_of(types)[0])
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

/// `test` with `field` set to `value` (ignored when the result is not a valid test).
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

/// A new empty group, or a property filter, as added by the buttons.
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
