//! Restricted values are encrypted before anything stores them: in messages as they arrive, and
//! in stored documents when a key is newly classified restricted or keys rotate.
use super::{
    classes::FieldClasses,
    envelope::{is_envelope, is_envelope_json},
    keyring::KeyRing,
};
use crate::error::AppError;
use mongodb::{
    Database,
    bson::{Bson, Document},
};
use serde_json::{Map, Value};

/// Where in a message traits and properties live.
const MESSAGE_CONTAINERS: [&[&str]; 3] = [&["traits"], &["context", "traits"], &["properties"]];

/// The restricted keys in force on `db`.
pub async fn restricted_keys(db: &Database) -> Result<Vec<String>, AppError> {
    Ok(FieldClasses::new(db).current().await?.restricted())
}

/// Whether a JSON value is an envelope (already sealed).
pub fn is_sealed_json(value: &Value) -> bool {
    is_envelope_json(value)
}

/// Seals the restricted values of a message as sent, under a restricted key at any depth of
/// its traits, context traits and properties (`properties.customer.ssn`, `traits.kids[0].ssn`);
/// returns how many were sealed.
pub fn seal_message(
    ring: &KeyRing,
    restricted: &[String],
    raw: &mut Map<String, Value>,
) -> Result<usize, AppError> {
    let mut sealed = 0;
    for path in MESSAGE_CONTAINERS {
        if let Some(container) = object_at(raw, path) {
            sealed += seal_object(ring, restricted, container)?;
        }
    }
    Ok(sealed)
}

/// Whether a message holds a restricted value in clear at any depth of its traits, context
/// traits or properties: the gate seals only messages that do.
pub fn carries_clear(raw: &Map<String, Value>, restricted: &[String]) -> bool {
    MESSAGE_CONTAINERS.into_iter().any(|path| {
        let mut current = Some(raw);
        for key in path {
            current = current.and_then(|c| c.get(*key)).and_then(Value::as_object);
        }
        current.is_some_and(|container| holds_clear(container, restricted))
    })
}

fn holds_clear(object: &Map<String, Value>, restricted: &[String]) -> bool {
    object.iter().any(|(key, value)| {
        let clear = !value.is_null() && !is_sealed_json(value);
        (clear && is_restricted(restricted, key)) || value_holds_clear(value, restricted)
    })
}

fn value_holds_clear(value: &Value, restricted: &[String]) -> bool {
    match value {
        Value::Object(inner) => !is_sealed_json(value) && holds_clear(inner, restricted),
        Value::Array(items) => items.iter().any(|item| value_holds_clear(item, restricted)),
        _ => false,
    }
}

fn is_restricted(restricted: &[String], key: &str) -> bool {
    restricted.iter().any(|r| r == key)
}

fn seal_object(
    ring: &KeyRing,
    restricted: &[String],
    object: &mut Map<String, Value>,
) -> Result<usize, AppError> {
    let mut sealed = 0;
    for (key, value) in object.iter_mut() {
        if is_sealed_json(value) || value.is_null() {
            continue;
        }
        if is_restricted(restricted, key) {
            let envelope = ring.seal(key, value)?;
            *value = Bson::Document(envelope).into_relaxed_extjson();
            sealed += 1;
        } else {
            sealed += seal_json(ring, restricted, value)?;
        }
    }
    Ok(sealed)
}

fn seal_json(ring: &KeyRing, restricted: &[String], value: &mut Value) -> Result<usize, AppError> {
    match value {
        Value::Object(inner) => seal_object(ring, restricted, inner),
        Value::Array(items) => {
            let mut sealed = 0;
            for item in items {
                sealed += seal_json(ring, restricted, item)?;
            }
            Ok(sealed)
        }
        _ => Ok(0),
    }
}

fn object_at<'a>(
    raw: &'a mut Map<String, Value>,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    let mut current = raw;
    for key in path {
        current = current.get_mut(*key)?.as_object_mut()?;
    }
    Some(current)
}

/// Seals restricted values stored in clear anywhere in `doc`: under a restricted key at any
/// depth, and in trait history (`{key: <restricted>, history: [{value}]}`).
pub fn seal_stored(
    ring: &KeyRing,
    restricted: &[String],
    _collection: &str,
    doc: &mut Document,
) -> Result<usize, AppError> {
    let mut sealed = 0;
    let history_of = doc
        .get_str("key")
        .ok()
        .filter(|k| restricted.iter().any(|r| r == k))
        .map(str::to_owned);
    for (key, value) in doc.iter_mut() {
        if restricted.iter().any(|r| r == key) {
            sealed += seal_bson(ring, key, value)?;
        } else if let (Some(field), "history", Bson::Array(items)) =
            (&history_of, key.as_str(), &mut *value)
        {
            for item in items.iter_mut().filter_map(|i| i.as_document_mut()) {
                if let Some(past) = item.get_mut("value") {
                    sealed += seal_bson(ring, field, past)?;
                }
            }
        } else {
            sealed += seal_nested(ring, restricted, value)?;
        }
    }
    Ok(sealed)
}

fn seal_nested(ring: &KeyRing, restricted: &[String], value: &mut Bson) -> Result<usize, AppError> {
    if is_envelope(value) {
        return Ok(0);
    }
    match value {
        Bson::Document(inner) => seal_stored(ring, restricted, "", inner),
        Bson::Array(items) => {
            let mut sealed = 0;
            for item in items {
                sealed += seal_nested(ring, restricted, item)?;
            }
            Ok(sealed)
        }
        _ => Ok(0),
    }
}

fn seal_bson(ring: &KeyRing, field: &str, value: &mut Bson) -> Result<usize, AppError> {
    if matches!(value, Bson::Null) || is_envelope(value) {
        return Ok(0);
    }
    let json = value.clone().into_relaxed_extjson();
    *value = Bson::Document(ring.seal(field, &json)?);
    Ok(1)
}

#[cfg(test)]
#[path = "restricted_tests.rs"]
mod tests;
