//! One Segment-spec message, read from JSON and checked: the typed view the pipeline works on,
//! plus the message as sent (unknown fields kept).
use super::limits::{self, MAX_NESTING};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The six Segment call types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    /// Who the person is (traits).
    Identify,
    /// Something the person did (`event`).
    Track,
    /// A web page view.
    Page,
    /// A mobile screen view.
    Screen,
    /// Membership of an account or company.
    Group,
    /// Links `previousId` to `userId`.
    Alias,
}

impl MessageType {
    /// Reads the `type` field of a batch message.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "identify" => Self::Identify,
            "track" => Self::Track,
            "page" => Self::Page,
            "screen" => Self::Screen,
            "group" => Self::Group,
            "alias" => Self::Alias,
            _ => return None,
        })
    }
}

/// A checked message. `raw` is what the client sent, batch context merged in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Call type.
    pub kind: MessageType,
    /// Client-chosen id, unique per source; generated when the client sent none.
    pub message_id: String,
    /// Known user id.
    pub user_id: Option<String>,
    /// Device or cookie id.
    pub anonymous_id: Option<String>,
    /// Track: the event name.
    pub event: Option<String>,
    /// Page / screen: its name.
    pub name: Option<String>,
    /// Alias: the id being linked to `user_id`.
    pub previous_id: Option<String>,
    /// Group: the account id.
    pub group_id: Option<String>,
    /// When it happened, corrected for the client's clock skew.
    pub timestamp: DateTime<Utc>,
    /// When we received it.
    pub received_at: DateTime<Utc>,
    /// The message as sent, unknown fields included.
    pub raw: Map<String, Value>,
}

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
        return Err(AppError::invalid(
            if path.is_empty() { "body" } else { path },
            "must be a JSON object",
        ));
    };
    let kind = match forced {
        Some(kind) => kind,
        None => match raw.get("type") {
            Some(Value::String(t)) => MessageType::parse(t).ok_or_else(|| {
                AppError::invalid(
                    &field("type"),
                    "must be identify, track, page, screen, group or alias",
                )
            })?,
            _ => return Err(AppError::invalid(&field("type"), "is required")),
        },
    };
    raw.insert(
        "type".into(),
        serde_json::to_value(kind).unwrap_or_default(),
    );
    merge_context(&mut raw, &defaults.context);
    check_keys(&raw, path, 0)?;
    let text = |name: &str| id_text(&raw, name, &field(name));
    let user_id = text("userId")?;
    let anonymous_id = text("anonymousId")?;
    let previous_id = text("previousId")?;
    let group_id = text("groupId")?;
    let event = text("event")?;
    let name = text("name")?;
    let message_id = text("messageId")?.unwrap_or_else(generated_message_id);
    check_required(
        kind,
        &user_id,
        &anonymous_id,
        &event,
        &previous_id,
        &group_id,
        &field,
    )?;
    for object in ["traits", "properties", "context"] {
        if raw
            .get(object)
            .is_some_and(|v| !v.is_object() && !v.is_null())
        {
            return Err(AppError::invalid(&field(object), "must be an object"));
        }
    }
    let timestamp = event_time(&raw, defaults, received_at, &field)?;
    raw.insert("messageId".into(), Value::String(message_id.clone()));
    Ok(Message {
        kind,
        message_id,
        user_id,
        anonymous_id,
        event,
        name,
        previous_id,
        group_id,
        timestamp,
        received_at,
        raw,
    })
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

fn check_required(
    kind: MessageType,
    user_id: &Option<String>,
    anonymous_id: &Option<String>,
    event: &Option<String>,
    previous_id: &Option<String>,
    group_id: &Option<String>,
    field: &dyn Fn(&str) -> String,
) -> Result<(), AppError> {
    if kind == MessageType::Alias {
        if previous_id.is_none() {
            return Err(AppError::invalid(
                &field("previousId"),
                "is required for alias",
            ));
        }
        if user_id.is_none() {
            return Err(AppError::invalid(&field("userId"), "is required for alias"));
        }
    } else if user_id.is_none() && anonymous_id.is_none() {
        return Err(AppError::invalid(
            &field("userId"),
            "userId or anonymousId is required",
        ));
    }
    if kind == MessageType::Track && event.is_none() {
        return Err(AppError::invalid(&field("event"), "is required for track"));
    }
    if kind == MessageType::Group && group_id.is_none() {
        return Err(AppError::invalid(
            &field("groupId"),
            "is required for group",
        ));
    }
    Ok(())
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

/// `receivedAt − (sentAt − clientTime)`: the client's clock may be off, but the interval
/// between its two readings is right.
fn event_time(
    raw: &Map<String, Value>,
    defaults: &BatchDefaults,
    received_at: DateTime<Utc>,
    field: &dyn Fn(&str) -> String,
) -> Result<DateTime<Utc>, AppError> {
    let read = |name: &str| match raw.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_time(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid(&field(name), "must be an ISO-8601 timestamp")),
        Some(_) => Err(AppError::invalid(
            &field(name),
            "must be an ISO-8601 timestamp",
        )),
    };
    let client_time = match read("originalTimestamp")? {
        Some(t) => Some(t),
        None => read("timestamp")?,
    };
    let sent_at = read("sentAt")?.or(defaults.sent_at);
    let corrected = match (client_time, sent_at) {
        (Some(at), Some(sent)) => sent
            .signed_duration_since(at)
            .to_std()
            .ok()
            .and_then(|delay| chrono::Duration::from_std(delay).ok())
            .and_then(|delay| received_at.checked_sub_signed(delay))
            // Sent before it happened: the two readings disagree, trust the event time.
            .or(Some(at).filter(|_| sent < at)),
        (Some(at), None) => Some(at),
        (None, _) => Some(received_at),
    };
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    match corrected {
        Some(at) if at < earliest => Err(AppError::invalid(
            &field("timestamp"),
            "must not be before 1970",
        )),
        // A clock far ahead would win every last-write-wins comparison for ever: cap it.
        Some(at) => Ok(at.min(received_at + chrono::Duration::days(1))),
        None => Err(AppError::invalid(&field("timestamp"), "is out of range")),
    }
}

/// RFC 3339 with any offset, or without one (read as UTC).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(at.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
