//! Restricted values are encrypted before anything stores them: in messages as they arrive, and
//! in stored documents when a key is newly classified restricted or keys rotate.
use super::{classes::FieldClasses, envelope::is_envelope, keyring::KeyRing};
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
    mongodb::bson::to_bson(value).is_ok_and(|b| is_envelope(&b))
}

/// Seals the restricted values of a message as sent; returns how many were sealed.
pub fn seal_message(
    ring: &KeyRing,
    restricted: &[String],
    raw: &mut Map<String, Value>,
) -> Result<usize, AppError> {
    let mut sealed = 0;
    for path in MESSAGE_CONTAINERS {
        let Some(container) = object_at(raw, path) else {
            continue;
        };
        for key in restricted {
            if let Some(value) = container.get_mut(key.as_str())
                && !value.is_null()
                && !is_sealed_json(value)
            {
                let envelope = ring.seal(key, value)?;
                *value = Bson::Document(envelope).into_relaxed_extjson();
                sealed += 1;
            }
        }
    }
    Ok(sealed)
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
