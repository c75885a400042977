//! The tracking API's limits (Segment's own), and reading a request body within them.
use super::message::{BatchDefaults, Message, MessageType, parse_message, parse_time};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::io::Read;

/// Largest message, as JSON.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// Largest request body, after gzip decompression.
pub const MAX_REQUEST_BYTES: usize = 500 * 1024;
/// Most messages in one `/v1/batch`.
pub const MAX_BATCH_LENGTH: usize = 2_500;
/// Longest id (userId, anonymousId, messageId, …).
pub const MAX_ID_LENGTH: usize = 1_024;
/// Deepest nesting of objects and arrays inside a message.
pub const MAX_NESTING: usize = 16;

/// Decompresses a gzip body, reading at most one byte past the request limit so a small
/// compressed body cannot inflate into unbounded memory.
pub fn decode_body(bytes: &[u8], gzip: bool) -> Result<Vec<u8>, AppError> {
    if !gzip {
        return within_request_limit(bytes.to_vec());
    }
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_REQUEST_BYTES as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|e| AppError::BadRequest {
            message: format!("body is not valid gzip: {e}"),
        })?;
    within_request_limit(inflated)
}

fn within_request_limit(body: Vec<u8>) -> Result<Vec<u8>, AppError> {
    if body.len() > MAX_REQUEST_BYTES {
        return Err(AppError::TooLarge {
            limit: "request_size".into(),
            message: format!("a request body must be at most {MAX_REQUEST_BYTES} bytes"),
            index: None,
        });
    }
    Ok(body)
}

fn parse_json(body: &[u8]) -> Result<Value, AppError> {
    serde_json::from_slice(body).map_err(|e| AppError::BadRequest {
        message: format!("body is not valid JSON: {e}"),
    })
}

fn message_size_error(index: Option<usize>) -> AppError {
    AppError::TooLarge {
        limit: "message_size".into(),
        message: format!("a message must be at most {MAX_MESSAGE_BYTES} bytes"),
        index,
    }
}

/// Reads a single-call body (`/v1/track` …) as one message of type `kind`.
pub fn read_single(
    body: &[u8],
    kind: MessageType,
    received_at: DateTime<Utc>,
) -> Result<Message, AppError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(message_size_error(None));
    }
    let value = parse_json(body)?;
    parse_message(
        value,
        Some(kind),
        &BatchDefaults::default(),
        received_at,
        "",
    )
}

/// Reads a `/v1/batch` body. Any invalid message rejects the whole batch, naming its index.
pub fn read_batch(body: &[u8], received_at: DateTime<Utc>) -> Result<Vec<Message>, AppError> {
    let Value::Object(mut envelope) = parse_json(body)? else {
        return Err(AppError::invalid("body", "must be a JSON object"));
    };
    let Some(Value::Array(items)) = envelope.remove("batch") else {
        return Err(AppError::invalid("batch", "must be an array of messages"));
    };
    if items.len() > MAX_BATCH_LENGTH {
        return Err(AppError::TooLarge {
            limit: "batch_length".into(),
            message: format!("a batch must hold at most {MAX_BATCH_LENGTH} messages"),
            index: Some(MAX_BATCH_LENGTH),
        });
    }
    let defaults = batch_defaults(&envelope)?;
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let size = serde_json::to_vec(&item).map_or(usize::MAX, |v| v.len());
            if size > MAX_MESSAGE_BYTES {
                return Err(message_size_error(Some(index)));
            }
            parse_message(
                item,
                None,
                &defaults,
                received_at,
                &format!("batch[{index}]"),
            )
        })
        .collect()
}

fn batch_defaults(envelope: &serde_json::Map<String, Value>) -> Result<BatchDefaults, AppError> {
    let context = match envelope.get("context") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(context)) => context.clone(),
        Some(_) => return Err(AppError::invalid("context", "must be an object")),
    };
    let sent_at = match envelope.get("sentAt") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            parse_time(s)
                .ok_or_else(|| AppError::invalid("sentAt", "must be an ISO-8601 timestamp"))?,
        ),
        Some(_) => return Err(AppError::invalid("sentAt", "must be an ISO-8601 timestamp")),
    };
    Ok(BatchDefaults { context, sent_at })
}
