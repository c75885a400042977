//! One record → one identify message. A value that breaks its column's rule (a phone without
//! a valid number, a date nobody can read) is left out and reported as a warning; the row is
//! rejected only when nothing in it identifies a person.
use super::{
    dates::parse_date,
    mapping::{Mapping, Target, ValueType},
    rows::Record,
};
use crate::{
    model::import::{FieldWarning, RowError},
    server::{
        identity::identifiers::{IdentityPolicy, normalise_email},
        ingest::message::{Message, MessageType, check_keys},
    },
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A converted row: its message and the fields left out of it.
#[derive(Debug)]
pub struct Converted {
    /// The identify message.
    pub message: Message,
    /// Fields whose values broke their column's rule.
    pub warnings: Vec<FieldWarning>,
}

/// A record as an identify message; warnings are dropped (see [`convert`]).
pub fn to_message(
    mapping: &Mapping,
    record: &Record,
    policy: &IdentityPolicy,
    received_at: DateTime<Utc>,
) -> Result<Message, RowError> {
    convert(mapping, record, policy, received_at).map(|c| c.message)
}

/// A record as an identify message plus the fields left out; rows that are unusable as a
/// whole (bad keys, no identifier) are errors.
pub fn convert(
    mapping: &Mapping,
    (line, record): &Record,
    policy: &IdentityPolicy,
    received_at: DateTime<Utc>,
) -> Result<Converted, RowError> {
    let fail = |message: String| RowError {
        line: *line,
        message,
    };
    check_keys(record, "", 0).map_err(|e| fail(e.to_string()))?;
    let mut warnings = Vec::new();
    let mut warn = |column: &str, rule: &str, value: String| {
        warnings.push(FieldWarning {
            line: *line,
            column: column.to_owned(),
            rule: rule.to_owned(),
            value: Some(value),
        });
    };
    let mut raw = map_columns(mapping, record, policy, &mut warn);
    let timestamp = record_time(mapping, record, &mut warn).unwrap_or(received_at);
    let message_id = format!("import-{}", digest(&raw));
    raw.insert("type".into(), json!("identify"));
    raw.insert("messageId".into(), json!(message_id));
    let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
    let message = Message {
        kind: MessageType::Identify,
        message_id,
        user_id: text("userId"),
        anonymous_id: text("anonymousId"),
        event: None,
        name: None,
        previous_id: None,
        group_id: None,
        timestamp,
        received_at,
        raw,
    };
    if policy.identifiers_of(&message).is_empty() {
        let why = match warnings
            .iter()
            .find(|w| matches!(w.rule.as_str(), "email" | "phone"))
        {
            Some(w) => format!("column {:?} is not a valid {}", w.column, w.rule),
            None => "empty or placeholder values only".to_owned(),
        };
        return Err(fail(format!("no usable identifier ({why})")));
    }
    Ok(Converted { message, warnings })
}

type Warn<'a> = dyn FnMut(&str, &str, String) + 'a;

/// The message body the mapping makes of a record: ids, traits, external ids.
fn map_columns(
    mapping: &Mapping,
    record: &Map<String, Value>,
    policy: &IdentityPolicy,
    warn: &mut Warn<'_>,
) -> Map<String, Value> {
    let (mut raw, mut traits, mut external) = (Map::new(), Map::new(), Vec::new());
    for (column, target) in &mapping.columns {
        let Some(value) = record.get(column) else {
            continue;
        };
        let Some(text) = text_of(value) else { continue };
        match target {
            Target::UserId => {
                raw.insert("userId".into(), json!(text));
            }
            Target::AnonymousId => {
                raw.insert("anonymousId".into(), json!(text));
            }
            Target::Email => match normalise_email(&text) {
                Some(_) => {
                    traits.insert("email".into(), json!(text));
                }
                None => warn(column, "email", text),
            },
            // Stored in E.164: the identity graph reads it with the server's region, which
            // need not be this file's.
            Target::Phone => match policy.normalise_phone(&text) {
                Some(e164) => {
                    traits.insert("phone".into(), json!(e164));
                }
                None => warn(column, "phone", text),
            },
            Target::External(kind) => {
                external.push(json!({"id": text, "type": kind, "collection": "users"}));
            }
            Target::Trait(name, kind) => match typed(value, &text, *kind, mapping) {
                Some(typed) => {
                    traits.insert(name.clone(), typed);
                }
                None => warn(column, kind.as_str(), text),
            },
            Target::Ignore => {}
        }
    }
    raw.insert("traits".into(), Value::Object(traits));
    if !external.is_empty() {
        raw.insert("context".into(), json!({ "externalIds": external }));
    }
    raw
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_owned()),
        other => Some(other.to_string()),
    }
}

/// The record's own time, from the mapping's timestamp column; unreadable → a warning.
fn record_time(
    mapping: &Mapping,
    record: &Map<String, Value>,
    warn: &mut Warn<'_>,
) -> Option<DateTime<Utc>> {
    let column = mapping.timestamp.as_ref()?;
    let text = record.get(column).and_then(text_of)?;
    let at = parse_date(&text, mapping.date_order);
    if at.is_none() {
        warn(column, "date", text);
    }
    at
}

/// The same record content always gets the same id, so re-importing it is a duplicate.
fn digest(raw: &Map<String, Value>) -> String {
    // Keys were inserted in the mapping's (sorted) column order, so the text is stable.
    let text = Value::Object(raw.clone()).to_string();
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn typed(value: &Value, text: &str, kind: ValueType, mapping: &Mapping) -> Option<Value> {
    match kind {
        ValueType::String => Some(match value {
            Value::String(_) => json!(text),
            other => other.clone(),
        }),
        ValueType::Number => match value {
            Value::Number(_) => Some(value.clone()),
            _ => text.parse::<i64>().map(Value::from).ok().or_else(|| {
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
            }),
        },
        ValueType::Boolean => match text.to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(json!(true)),
            "false" | "no" | "n" | "0" => Some(json!(false)),
            _ => None,
        },
        ValueType::Date => parse_date(text, mapping.date_order).map(|at| json!(at.to_rfc3339())),
    }
}
