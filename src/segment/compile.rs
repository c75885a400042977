//! Lowered filters as MongoDB queries over `profiles`. Every path and value comes from the typed
//! tree; user text only ever lands in a query value position, an escaped regex, or — inside an
//! aggregation expression, where `$`-strings are field paths and variables — a `$literal`.
use super::{
    ast::Scalar,
    filter::{CmpOp, DateTest, FieldTest, Filter, SetKey, TextOp},
};
use mongodb::bson::{Bson, DateTime, Document, doc, oid::ObjectId};
use std::collections::HashMap;

/// Members of each resolved set, by key.
pub type ResolvedSets = HashMap<SetKey, Vec<ObjectId>>;

/// The query for `filter`. Sets missing from `sets` count as empty.
pub fn compile(filter: &Filter, sets: &ResolvedSets) -> Document {
    match filter {
        Filter::All(parts) if parts.is_empty() => Document::new(),
        Filter::All(parts) => doc! { "$and": compile_all(parts, sets) },
        Filter::Any(parts) if parts.is_empty() => nobody(),
        Filter::Any(parts) => doc! { "$or": compile_all(parts, sets) },
        Filter::NoneOf(parts) if parts.is_empty() => Document::new(),
        Filter::NoneOf(parts) => doc! { "$nor": compile_all(parts, sets) },
        Filter::Field { path, test } => compile_field(path, test),
        Filter::Date { path, test } => compile_date(path, test),
        Filter::Counter { event, at_least } => doc! {
            "counters": { "$elemMatch": { "event": event, "total": { "$gte": i64::from(*at_least) } } }
        },
        Filter::CounterSince {
            event,
            since_day,
            at_least,
        } => counter_since(event, since_day, *at_least),
        Filter::Consent(purpose) => {
            doc! { "consent": { "$elemMatch": { "purpose": purpose, "granted": true } } }
        }
        Filter::Identity(kind) => doc! { "identities.kind": kind },
        Filter::InSet(key) => {
            let ids = sets.get(key).cloned().unwrap_or_default();
            doc! { "_id": { "$in": ids } }
        }
        Filter::Bucket { from, to } => {
            doc! { "bucket": { "$gte": i64::from(*from), "$lt": i64::from(*to) } }
        }
    }
}

fn compile_all(parts: &[Filter], sets: &ResolvedSets) -> Vec<Document> {
    parts.iter().map(|p| compile(p, sets)).collect()
}

/// Matches no document.
fn nobody() -> Document {
    doc! { "_id": { "$in": Vec::<Bson>::new() } }
}

/// The query for a value test at `path` (also used on event documents).
pub fn compile_field(path: &str, test: &FieldTest) -> Document {
    let condition: Bson = match test {
        FieldTest::Present => doc! { "$exists": true, "$ne": Bson::Null }.into(),
        FieldTest::Eq(value) => scalar(value),
        FieldTest::In(values) => {
            doc! { "$in": values.iter().map(scalar).collect::<Vec<_>>() }.into()
        }
        FieldTest::Cmp(op, bound) => {
            let op = match op {
                CmpOp::Lt => "$lt",
                CmpOp::Lte => "$lte",
                CmpOp::Gt => "$gt",
                CmpOp::Gte => "$gte",
            };
            doc! { op: *bound }.into()
        }
        FieldTest::Text(op, text) => return text_query(path, text_pattern(*op, text)),
        FieldTest::EmptyArray => doc! { "$size": 0 }.into(),
    };
    let mut query = Document::new();
    query.insert(path, condition);
    query
}

/// A regex test kept to text: some servers also match regexes against numbers and documents,
/// and combine `$regex` with `$type` in one clause wrongly, hence two clauses.
fn text_query(path: &str, pattern: String) -> Document {
    let mut regex = Document::new();
    regex.insert(path, doc! { "$regex": pattern });
    let mut text = Document::new();
    text.insert(path, doc! { "$type": "string" });
    doc! { "$and": [regex, text] }
}

fn scalar(value: &Scalar) -> Bson {
    match value {
        Scalar::Bool(b) => Bson::Boolean(*b),
        Scalar::Number(n) => Bson::Double(*n),
        Scalar::Text(t) => Bson::String(t.clone()),
    }
}

/// A regex for `text` where ASCII letters match either case and every other ASCII character is
/// escaped as `\xHH` (the same in PCRE and Java regexes).
pub fn text_pattern(op: TextOp, text: &str) -> String {
    let mut body = String::with_capacity(text.len() * 4);
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            body.push('[');
            body.push(c.to_ascii_lowercase());
            body.push(c.to_ascii_uppercase());
            body.push(']');
        } else if c.is_ascii_digit() || !c.is_ascii() {
            body.push(c);
        } else {
            body.push_str(&format!("\\x{:02x}", c as u32));
        }
    }
    match op {
        TextOp::Contains => body,
        TextOp::StartsWith => format!("\\A{body}"),
        TextOp::EndsWith => format!("{body}\\z"),
    }
}

fn compile_date(path: &str, test: &DateTest) -> Document {
    let mut element = doc! { "path": path };
    match test {
        DateTest::Range { from, to } => {
            let mut range = Document::new();
            if let Some(from) = from {
                range.insert("$gte", DateTime::from_millis(*from));
            }
            if let Some(to) = to {
                range.insert("$lt", DateTime::from_millis(*to));
            }
            if range.is_empty() {
                range.insert("$exists", true);
            }
            element.insert("at", range);
        }
        DateTest::Weekday(days) => {
            let days: Vec<i32> = days.iter().map(|d| i32::from(*d)).collect();
            element.insert("weekday", doc! { "$in": days });
        }
        DateTest::MonthDay(days) => {
            let days: Vec<i64> = days.iter().map(|d| i64::from(*d)).collect();
            element.insert("month_day", doc! { "$in": days });
        }
    }
    doc! { "dates": { "$elemMatch": element } }
}

/// `value` as an aggregation-expression operand that is never read as a path or variable (an
/// event named `$$c.event` would otherwise compare the counter's own name with itself).
fn literal(value: &str) -> Document {
    doc! { "$literal": value }
}

/// Daily counters of `event` from `since_day` on, summed in an `$expr`. Counters are walked by
/// index: names are compared through the `counters.event` field path and a variable only ever
/// holds a counter read for its `daily` list, because some MongoDB-wire servers evaluate again a
/// `$`-string a variable resolves to (so a variable holding a name like `$$x` would fail).
fn counter_since(event: &str, since_day: &str, at_least: u32) -> Document {
    let days_in_window = doc! { "$filter": {
        "input": { "$ifNull": ["$$c.daily", []] },
        "as": "d",
        "cond": { "$gte": ["$$d.day", literal(since_day)] },
    } };
    let per_counter =
        doc! { "$sum": { "$map": { "input": days_in_window, "as": "d", "in": "$$d.count" } } };
    let counter_at_i = doc! { "$sum": { "$map": {
        "input": [{ "$arrayElemAt": ["$counters", "$$i"] }],
        "as": "c",
        "in": per_counter,
    } } };
    let named = doc! { "$eq": [{ "$arrayElemAt": ["$counters.event", "$$i"] }, literal(event)] };
    let indexes = doc! { "$range": [0, { "$size": { "$ifNull": ["$counters.event", []] } }] };
    let per_index = doc! { "$cond": [named, counter_at_i, 0] };
    let total = doc! { "$sum": { "$map": { "input": indexes, "as": "i", "in": per_index } } };
    doc! { "$expr": { "$gte": [total, i64::from(at_least)] } }
}
