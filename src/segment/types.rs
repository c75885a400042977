//! Which value tests apply to which field types (the catalog's `types`), for the builder's
//! operator menus and for validation.
use super::ast::{Scalar, ValueTest};

/// The kind of value a field holds, as the builder offers operators for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// Text.
    Text,
    /// Numbers.
    Number,
    /// Booleans.
    Boolean,
    /// ISO-8601 dates and times.
    Date,
    /// Lists.
    List,
}

impl ValueKind {
    /// Every kind, in menu order.
    pub const ALL: [ValueKind; 5] = [
        ValueKind::Text,
        ValueKind::Number,
        ValueKind::Boolean,
        ValueKind::Date,
        ValueKind::List,
    ];

    /// The kind of a catalog type name, if tests exist for it.
    pub fn of_catalog_type(name: &str) -> Option<Self> {
        Some(match name {
            "string" => ValueKind::Text,
            "number" => ValueKind::Number,
            "boolean" => ValueKind::Boolean,
            "date" => ValueKind::Date,
            "array" => ValueKind::List,
            _ => return None,
        })
    }

    /// Label for menus.
    pub fn label(self) -> &'static str {
        match self {
            ValueKind::Text => "text",
            ValueKind::Number => "number",
            ValueKind::Boolean => "true/false",
            ValueKind::Date => "date",
            ValueKind::List => "list",
        }
    }

    /// The operators offered for this kind: (`op` as serialised, label).
    pub fn operators(self) -> &'static [(&'static str, &'static str)] {
        match self {
            ValueKind::Text => &[
                ("equals", "equals"),
                ("not_equals", "does not equal"),
                ("contains", "contains"),
                ("starts_with", "starts with"),
                ("ends_with", "ends with"),
                ("in_list", "is one of"),
                ("not_in_list", "is none of"),
                ("is_empty", "is empty"),
                ("exists", "exists"),
                ("missing", "does not exist"),
            ],
            ValueKind::Number => &[
                ("equals", "="),
                ("not_equals", "≠"),
                ("lt", "<"),
                ("lte", "≤"),
                ("gt", ">"),
                ("gte", "≥"),
                ("between", "between"),
                ("exists", "exists"),
                ("missing", "does not exist"),
            ],
            ValueKind::Boolean => &[
                ("is_true", "is true"),
                ("is_false", "is false"),
                ("exists", "exists"),
                ("missing", "does not exist"),
            ],
            ValueKind::Date => &[
                ("before", "before"),
                ("after", "after"),
                ("date_between", "between"),
                ("within_last", "within the last"),
                ("more_than_days_ago", "more than … days ago"),
                ("on_weekday", "on a weekday"),
                ("anniversary_within", "anniversary in the next … days"),
                ("exists", "exists"),
                ("missing", "does not exist"),
            ],
            ValueKind::List => &[
                ("array_contains", "contains"),
                ("array_contains_any", "contains any of"),
                ("is_empty", "is empty"),
                ("exists", "exists"),
                ("missing", "does not exist"),
            ],
        }
    }
}

/// The kinds a test needs the field to hold; empty when any field will do.
pub fn kinds_needed(test: &ValueTest) -> Vec<ValueKind> {
    use ValueKind::*;
    match test {
        ValueTest::Exists | ValueTest::Missing => Vec::new(),
        ValueTest::IsEmpty => vec![Text, List],
        ValueTest::Equals { value } | ValueTest::NotEquals { value } => vec![scalar_kind(value)],
        ValueTest::InList { values } | ValueTest::NotInList { values } => {
            values.first().map(scalar_kind).into_iter().collect()
        }
        ValueTest::Contains { .. } | ValueTest::StartsWith { .. } | ValueTest::EndsWith { .. } => {
            vec![Text]
        }
        ValueTest::Lt { .. }
        | ValueTest::Lte { .. }
        | ValueTest::Gt { .. }
        | ValueTest::Gte { .. }
        | ValueTest::Between { .. } => vec![Number],
        ValueTest::IsTrue | ValueTest::IsFalse => vec![Boolean],
        ValueTest::ArrayContains { .. } | ValueTest::ArrayContainsAny { .. } => vec![List],
        _ => vec![Date],
    }
}

fn scalar_kind(value: &Scalar) -> ValueKind {
    match value {
        Scalar::Bool(_) => ValueKind::Boolean,
        Scalar::Number(_) => ValueKind::Number,
        Scalar::Text(_) => ValueKind::Text,
    }
}

/// Whether `test` applies to a field whose catalog types are `types`.
pub fn applies_to(test: &ValueTest, types: &[String]) -> bool {
    let needed = kinds_needed(test);
    needed.is_empty()
        || types
            .iter()
            .filter_map(|t| ValueKind::of_catalog_type(t))
            .any(|kind| needed.contains(&kind))
}
