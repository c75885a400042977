//! File → records (CSV with a header row, or JSON Lines) → identify messages.
use super::mapping::{Mapping, Target, ValueType};
use crate::{
    model::import::RowError,
    server::{
        identity::identifiers::{IdentityPolicy, normalise_email},
        ingest::message::{Message, MessageType, check_keys, parse_time},
    },
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// One record: its 1-based line and its columns.
pub type Record = (u64, Map<String, Value>);

/// Reads CSV (header row first) or, for `.jsonl` / `.ndjson` / `.json` names, JSON Lines.
/// Unreadable rows are errors; the others are records.
pub fn read_records(file_name: &str, bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    let lower = file_name.to_lowercase();
    if [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        read_json_lines(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_json_lines(bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let line_no = index as u64 + 1;
            match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(record)) => Ok((line_no, record)),
                Ok(_) => Err(row_error(line_no, "must be a JSON object")),
                Err(e) => Err(row_error(line_no, &format!("not valid JSON: {e}"))),
            }
        })
        .collect()
}

fn read_csv(bytes: &[u8]) -> Vec<Result<Record, RowError>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect::<Vec<_>>(),
        Err(e) => return vec![Err(row_error(1, &format!("unreadable header row: {e}")))],
    };
    reader
        .records()
        .map(|row| {
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                row_error(line, &format!("unreadable row: {e}"))
            })?;
            let line = row.position().map_or(0, |p| p.line());
            let record = headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
                .collect();
            Ok((line, record))
        })
        .collect()
}

fn row_error(line: u64, message: &str) -> RowError {
    RowError {
        line,
        message: message.to_owned(),
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_owned()),
        other => Some(other.to_string()),
    }
}

/// A record as an identify message; rows with bad values or no identifier are errors.
pub fn to_message(
    mapping: &Mapping,
    (line, record): &Record,
    policy: &IdentityPolicy,
    received_at: DateTime<Utc>,
) -> Result<Message, RowError> {
    let fail = |message: String| RowError {
        line: *line,
        message,
    };
    check_keys(record, "", 0).map_err(|e| fail(e.to_string()))?;
    let mut raw = map_columns(mapping, record, policy).map_err(fail)?;
    let timestamp = record_time(mapping, record)
        .map_err(fail)?
        .unwrap_or(received_at);
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
        return Err(fail(
            "no usable identifier (empty or placeholder values only)".into(),
        ));
    }
    Ok(message)
}

/// The message body the mapping makes of a record: ids, traits, external ids.
fn map_columns(
    mapping: &Mapping,
    record: &Map<String, Value>,
    policy: &IdentityPolicy,
) -> Result<Map<String, Value>, String> {
    let (mut raw, mut traits, mut external) = (Map::new(), Map::new(), Vec::new());
    for (column, target) in &mapping.columns {
        let Some(value) = record.get(column) else {
            continue;
        };
        let Some(text) = text_of(value) else { continue };
        // Never the value itself: import errors are shown to roles that may not see PII.
        let invalid = |what: &str| format!("column {column:?}: the value is not a {what}");
        match target {
            Target::UserId => {
                raw.insert("userId".into(), json!(text));
            }
            Target::AnonymousId => {
                raw.insert("anonymousId".into(), json!(text));
            }
            Target::Email => {
                normalise_email(&text).ok_or_else(|| invalid("valid email"))?;
                traits.insert("email".into(), json!(text));
            }
            Target::Phone => {
                policy
                    .normalise_phone(&text)
                    .ok_or_else(|| invalid("valid phone number"))?;
                traits.insert("phone".into(), json!(text));
            }
            Target::External(kind) => {
                external.push(json!({"id": text, "type": kind, "collection": "users"}));
            }
            Target::Trait(name, kind) => {
                let typed = typed(value, &text, *kind)
                    .ok_or_else(|| invalid(&format!("{kind:?}").to_lowercase()))?;
                traits.insert(name.clone(), typed);
            }
            Target::Ignore => {}
        }
    }
    raw.insert("traits".into(), Value::Object(traits));
    if !external.is_empty() {
        raw.insert("context".into(), json!({ "externalIds": external }));
    }
    Ok(raw)
}

/// The record's own time, from the mapping's timestamp column (a date means its midnight UTC).
fn record_time(
    mapping: &Mapping,
    record: &Map<String, Value>,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = mapping
        .timestamp
        .as_ref()
        .and_then(|c| record.get(c))
        .and_then(text_of)
    else {
        return Ok(None);
    };
    parse_time(&text)
        .or_else(|| parse_time(&format!("{text}T00:00:00Z")))
        .map(Some)
        .ok_or_else(|| "the timestamp is not an ISO-8601 date or time".to_owned())
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

fn typed(value: &Value, text: &str, kind: ValueType) -> Option<Value> {
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
        ValueType::Date => parse_time(text)
            .or_else(|| parse_time(&format!("{text}T00:00:00Z")))
            .map(|at| json!(at.to_rfc3339())),
    }
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
