//! One Segment-spec message, read from JSON and checked: the typed view the pipeline works on,
//! plus the message as sent (unknown fields kept).
pub use super::time::parse_time;
use super::{
    limits::{self, MAX_NESTING},
    time::event_time,
};
use crate::error::AppError;
pub use crate::server::message::{Message, MessageType};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// What a batch supplies to each of its messages.
#[derive(Debug, Clone, Default)]
pub struct BatchDefaults {
    /// Batch-level `context`, under each message's own.
    pub context: Map<String, Value>,
    /// Batch-level `sentAt`.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Reads one message. `forced` is the type implied by the route (`/v1/track`); `path` names
/// the message in errors (`"batch[3]"` or `""`).
pub fn parse_message(
    value: Value,
    forced: Option<MessageType>,
    defaults: &BatchDefaults,
    received_at: DateTime<Utc>,
    path: &str,
) -> Result<Message, AppError> {
    let field = |name: &str| join(path, name);
    let Value::Object(mut raw) = value else {
        let at = if path.is_empty() { "body" } else { path };
        return Err(AppError::invalid(at, "must be a JSON object"));
    };
    let kind = message_kind(&raw, forced, &field)?;
    raw.insert(
        "type".into(),
        serde_json::to_value(kind).unwrap_or_default(),
    );
    merge_context(&mut raw, &defaults.context);
    check_keys(&raw, path, 0)?;
    let text = |name: &str| id_text(&raw, name, &field(name));
    let mut message = Message {
        kind,
        message_id: text("messageId")?.unwrap_or_else(generated_message_id),
        user_id: text("userId")?,
        anonymous_id: text("anonymousId")?,
        event: text("event")?,
        name: text("name")?,
        previous_id: text("previousId")?,
        group_id: text("groupId")?,
        timestamp: received_at,
        received_at,
        raw: Map::new(),
    };
    check_required(&message, &field)?;
    for object in ["traits", "properties", "context"] {
        if raw
            .get(object)
            .is_some_and(|v| !v.is_object() && !v.is_null())
        {
            return Err(AppError::invalid(&field(object), "must be an object"));
        }
    }
    message.timestamp = event_time(&raw, defaults, received_at, &field)?;
    raw.insert(
        "messageId".into(),
        Value::String(message.message_id.clone()),
    );
    message.raw = raw;
    Ok(message)
}

/// The route's type, or the message's own `type` field.
fn message_kind(
    raw: &Map<String, Value>,
    forced: Option<MessageType>,
    field: &dyn Fn(&str) -> String,
) -> Result<MessageType, AppError> {
    if let Some(kind) = forced {
        return Ok(kind);
    }
    match raw.get("type") {
        Some(Value::String(t)) => MessageType::parse(t).ok_or_else(|| {
            let rule = "must be identify, track, page, screen, group or alias";
            AppError::invalid(&field("type"), rule)
        }),
        _ => Err(AppError::invalid(&field("type"), "is required")),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn generated_message_id() -> String {
    format!("enrich-{}", mongodb::bson::oid::ObjectId::new().to_hex())
}

/// Batch context fills in what the message's own context lacks.
fn merge_context(raw: &mut Map<String, Value>, batch: &Map<String, Value>) {
    if batch.is_empty() {
        return;
    }
    let context = raw
        .entry("context")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(own) = context {
        for (key, value) in batch {
            own.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
}

/// Ids may be sent as strings or numbers (SDKs differ); empty strings count as absent.
fn id_text(raw: &Map<String, Value>, name: &str, field: &str) -> Result<Option<String>, AppError> {
    match raw.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) if s.len() > limits::MAX_ID_LENGTH => Err(AppError::invalid(
            field,
            format!("must be at most {} characters", limits::MAX_ID_LENGTH),
        )),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(AppError::invalid(field, "must be a string")),
    }
}

fn check_required(message: &Message, field: &dyn Fn(&str) -> String) -> Result<(), AppError> {
    let missing = |name: &str, rule: &str| Err(AppError::invalid(&field(name), rule));
    match message.kind {
        MessageType::Alias if message.previous_id.is_none() => {
            missing("previousId", "is required for alias")
        }
        MessageType::Alias if message.user_id.is_none() => {
            missing("userId", "is required for alias")
        }
        MessageType::Alias => Ok(()),
        _ if message.user_id.is_none() && message.anonymous_id.is_none() => {
            missing("userId", "userId or anonymousId is required")
        }
        MessageType::Track if message.event.is_none() => missing("event", "is required for track"),
        MessageType::Group if message.group_id.is_none() => {
            missing("groupId", "is required for group")
        }
        _ => Ok(()),
    }
}

/// Keys become MongoDB field names: `$`-prefixed or dotted keys would be read as operators or
/// paths, so they are refused rather than silently rewritten.
pub fn check_keys(object: &Map<String, Value>, path: &str, depth: usize) -> Result<(), AppError> {
    if depth > MAX_NESTING {
        return Err(AppError::invalid(
            path,
            format!("nests deeper than {MAX_NESTING} levels"),
        ));
    }
    for (key, value) in object {
        let here = join(path, key);
        if key.is_empty() || key.starts_with('$') || key.contains('.') || key.contains('\0') {
            return Err(AppError::invalid(
                &here,
                "keys must be non-empty and must not start with '$' or contain '.'",
            ));
        }
        check_value(value, &here, depth + 1)?;
    }
    Ok(())
}

fn check_value(value: &Value, path: &str, depth: usize) -> Result<(), AppError> {
    match value {
        Value::Object(inner) => check_keys(inner, path, depth),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_value(item, &format!("{path}[{i}]"), depth + 1)),
        _ => Ok(()),
    }
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
