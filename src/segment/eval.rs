//! Evaluating a lowered [`Filter`] against one profile in memory, with MongoDB's matching rules
//! (a list matches a scalar test when one element does; numbers compare by value; a test on a
//! number never matches text).
use super::{
    ast::Scalar,
    filter::{CmpOp, DateTest, FieldTest, Filter, SetKey, TextOp},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What evaluation reads of a profile: the parts of its stored document rules can test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// Profile id (hex).
    pub id: String,
    /// `traits` as stored.
    pub traits: Value,
    /// `computed` as stored.
    pub computed: Value,
    /// Date values found in traits and computed traits.
    pub dates: Vec<DateValue>,
    /// Event counters.
    pub counters: Vec<CounterValue>,
    /// Consent statements: (purpose, granted).
    pub consent: Vec<(String, bool)>,
    /// Kinds of the identifiers held.
    pub identity_kinds: Vec<String>,
    /// Stable bucket in basis points, when assigned.
    pub bucket: Option<u32>,
}

/// One date value of a profile, with its UTC weekday and month-day precomputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateValue {
    /// Document path (`traits.birthday`).
    pub path: String,
    /// Epoch milliseconds.
    pub at: i64,
    /// ISO weekday, 1 = Monday.
    pub weekday: u8,
    /// `month * 100 + day`.
    pub month_day: u32,
}

/// One event counter of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterValue {
    /// Event name.
    pub event: String,
    /// All-time count.
    pub total: i64,
    /// (`YYYY-MM-DD`, count) per UTC day.
    pub daily: Vec<(String, i64)>,
}

/// Answers membership of the sets a filter was lowered with.
pub trait Sets {
    /// Whether the evaluated profile belongs to `key`.
    fn contains(&self, key: &SetKey) -> bool;
}

/// Whether `subject` matches `filter`.
pub fn matches(filter: &Filter, subject: &Subject, sets: &dyn Sets) -> bool {
    match filter {
        Filter::All(parts) => parts.iter().all(|p| matches(p, subject, sets)),
        Filter::Any(parts) => parts.iter().any(|p| matches(p, subject, sets)),
        Filter::NoneOf(parts) => !parts.iter().any(|p| matches(p, subject, sets)),
        Filter::Field { path, test } => field_matches(subject, path, test),
        Filter::Date { path, test } => subject
            .dates
            .iter()
            .any(|d| &d.path == path && date_matches(d, test)),
        Filter::Counter { event, at_least } => subject
            .counters
            .iter()
            .any(|c| &c.event == event && c.total >= i64::from(*at_least)),
        Filter::CounterSince {
            event,
            since_day,
            at_least,
        } => counted_since(subject, event, since_day) >= i64::from(*at_least),
        Filter::Consent(purpose) => subject
            .consent
            .iter()
            .any(|(p, granted)| p == purpose && *granted),
        Filter::Identity(kind) => subject.identity_kinds.iter().any(|k| k == kind),
        Filter::InSet(key) => sets.contains(key),
        Filter::Bucket { from, to } => subject.bucket.is_some_and(|b| *from <= b && b < *to),
    }
}

fn counted_since(subject: &Subject, event: &str, since_day: &str) -> i64 {
    subject
        .counters
        .iter()
        .filter(|c| c.event == event)
        .flat_map(|c| c.daily.iter())
        .filter(|(day, _)| day.as_str() >= since_day)
        .map(|(_, count)| count)
        .sum()
}

fn date_matches(value: &DateValue, test: &DateTest) -> bool {
    match test {
        DateTest::Range { from, to } => {
            from.is_none_or(|f| value.at >= f) && to.is_none_or(|t| value.at < t)
        }
        DateTest::Weekday(days) => days.contains(&value.weekday),
        DateTest::MonthDay(days) => days.contains(&value.month_day),
    }
}

/// A value reached by a path, or the gap left by a list element without the key.
enum Found<'a> {
    Value(&'a Value),
    MissingInList,
}

fn field_matches(subject: &Subject, path: &str, test: &FieldTest) -> bool {
    let mut parts = path.split('.');
    let root = match parts.next() {
        Some("traits") => &subject.traits,
        Some("computed") => &subject.computed,
        _ => return false,
    };
    let rest: Vec<&str> = parts.collect();
    let mut found = Vec::new();
    resolve(root, &rest, false, &mut found);
    value_test(&found, test)
}

/// Everything `path` reaches from `value`, descending into lists of documents like MongoDB.
fn resolve<'a>(value: &'a Value, path: &[&str], in_list: bool, out: &mut Vec<Found<'a>>) {
    let Some((head, tail)) = path.split_first() else {
        out.push(Found::Value(value));
        return;
    };
    match value {
        Value::Object(map) => match map.get(*head) {
            Some(child) => resolve(child, tail, false, out),
            None if in_list => out.push(Found::MissingInList),
            None => {}
        },
        Value::Array(items) if !in_list => {
            for item in items {
                resolve(item, path, true, out);
            }
        }
        _ if in_list => out.push(Found::MissingInList),
        _ => {}
    }
}

/// The values a scalar test looks at: each value found, and the elements of lists found.
fn candidates<'a>(found: &'a [Found<'a>]) -> impl Iterator<Item = &'a Value> {
    found.iter().flat_map(|f| -> Vec<&'a Value> {
        match f {
            Found::Value(Value::Array(items)) => items.iter().collect(),
            Found::Value(value) => vec![*value],
            Found::MissingInList => Vec::new(),
        }
    })
}

fn value_test(found: &[Found<'_>], test: &FieldTest) -> bool {
    match test {
        FieldTest::Present => !found.is_empty() && !has_null(found),
        FieldTest::Eq(scalar) => candidates(found).any(|v| scalar_eq(v, scalar)),
        FieldTest::In(values) => candidates(found).any(|v| values.iter().any(|s| scalar_eq(v, s))),
        FieldTest::Cmp(op, bound) => candidates(found)
            .filter_map(Value::as_f64)
            .any(|n| compare(*op, n, *bound)),
        FieldTest::Text(op, needle) => candidates(found)
            .filter_map(Value::as_str)
            .any(|s| text_matches(*op, s, needle)),
        FieldTest::EmptyArray => found
            .iter()
            .any(|f| matches!(f, Found::Value(Value::Array(items)) if items.is_empty())),
    }
}

/// MongoDB's `{path: null}`: a value found is null, a list holds null, or a list element lacks
/// the key.
fn has_null(found: &[Found<'_>]) -> bool {
    found.iter().any(|f| match f {
        Found::Value(Value::Null) | Found::MissingInList => true,
        Found::Value(Value::Array(items)) => items.iter().any(Value::is_null),
        Found::Value(_) => false,
    })
}

fn scalar_eq(value: &Value, scalar: &Scalar) -> bool {
    match (value, scalar) {
        (Value::Bool(a), Scalar::Bool(b)) => a == b,
        (Value::Number(a), Scalar::Number(b)) => a.as_f64() == Some(*b),
        (Value::String(a), Scalar::Text(b)) => a == b,
        _ => false,
    }
}

fn compare(op: CmpOp, value: f64, bound: f64) -> bool {
    match op {
        CmpOp::Lt => value < bound,
        CmpOp::Lte => value <= bound,
        CmpOp::Gt => value > bound,
        CmpOp::Gte => value >= bound,
    }
}

/// ASCII letters compare without case; everything else exactly (the compiled regex does the same).
fn text_matches(op: TextOp, haystack: &str, needle: &str) -> bool {
    let (hay, pin) = (haystack.as_bytes(), needle.as_bytes());
    let at = |start: usize| hay[start..start + pin.len()].eq_ignore_ascii_case(pin);
    if pin.len() > hay.len() {
        return false;
    }
    match op {
        TextOp::StartsWith => at(0),
        TextOp::EndsWith => at(hay.len() - pin.len()),
        TextOp::Contains => (0..=hay.len() - pin.len()).any(at),
    }
}
