//! Keeping the field catalog up to date: paths seen on ingest, and how many live profiles have
//! each trait path (adjusted on every profile write, merges and unmerges included).
use super::{
    db::{
        fields::{FieldUpdate, Fields},
        profile_doc::{ProfileDoc, ProfileStatus},
    },
    ingest::message::Message,
};
use super::{ingest::time::parse_date_value, privacy::restricted::is_sealed_json};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Paths taken from one message at most, so a pathological payload cannot flood the catalog.
const MAX_PATHS_PER_MESSAGE: usize = 100;
/// Samples kept per path.
pub const MAX_SAMPLES: usize = 5;

/// Catalog changes gathered over a batch and written once per path.
#[derive(Debug, Default)]
pub struct CatalogBatch {
    updates: BTreeMap<String, FieldUpdate>,
    /// Event name → (events, latest time).
    events: BTreeMap<String, (i64, DateTime<Utc>)>,
}

/// A JSON value's catalog type; ISO-8601 dates and timestamps count as dates.
pub fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(s) if parse_date_value(s).is_some() => "date",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) if is_sealed_json(value) => "encrypted",
        Value::Object(_) => "object",
    }
}

/// Leaf paths of `object` under `prefix` with their values (arrays are leaves).
pub fn leaf_paths<'a>(
    prefix: &str,
    object: &'a serde_json::Map<String, Value>,
    out: &mut Vec<(String, &'a Value)>,
) {
    for (key, value) in object {
        if out.len() >= MAX_PATHS_PER_MESSAGE {
            return;
        }
        let path = format!("{prefix}.{key}");
        match value {
            // An encrypted value is one leaf: its envelope's parts are not fields.
            Value::Object(inner) if !inner.is_empty() && !is_sealed_json(value) => {
                leaf_paths(&path, inner, out)
            }
            _ => out.push((path, value)),
        }
    }
}

/// Trait paths a live profile has (empty for merged ones: they are not people any more).
pub fn trait_paths(profile: &ProfileDoc) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    if profile.status == ProfileStatus::Live {
        collect_bson("traits", &profile.traits, &mut paths);
    }
    paths
}

fn collect_bson(prefix: &str, document: &Document, out: &mut BTreeSet<String>) {
    for (key, value) in document {
        let path = format!("{prefix}.{key}");
        match value {
            Bson::Document(inner) if !inner.is_empty() => collect_bson(&path, inner, out),
            _ => {
                out.insert(path);
            }
        }
    }
}

impl CatalogBatch {
    fn entry(&mut self, scope: &str, event: Option<&str>, path: &str) -> &mut FieldUpdate {
        let id = match event {
            Some(event) => format!("property|{event}|{path}"),
            None => format!("{scope}|{path}"),
        };
        self.updates.entry(id).or_insert_with(|| FieldUpdate {
            scope: scope.to_owned(),
            event: event.map(str::to_owned),
            path: path.to_owned(),
            ..FieldUpdate::default()
        })
    }

    /// Notes the trait and property paths `message` carries.
    pub fn saw_message(&mut self, message: &Message, event: Option<&str>, at: DateTime<Utc>) {
        if let Some(event) = event {
            let seen = self.events.entry(event.to_owned()).or_insert((0, at));
            seen.0 += 1;
            seen.1 = seen.1.max(at);
        }
        let mut paths = Vec::new();
        for traits in super::identity::identifiers::trait_objects(message) {
            leaf_paths("traits", traits, &mut paths);
        }
        let trait_count = paths.len();
        if let (Some(event), Some(Value::Object(properties))) =
            (event, message.raw.get("properties"))
        {
            leaf_paths("properties", properties, &mut paths);
            for (path, value) in paths.drain(trait_count..).collect::<Vec<_>>() {
                self.entry("property", Some(event), &path).saw(value, at);
            }
        }
        for (path, value) in paths {
            self.entry("trait", None, &path).saw(value, at);
        }
    }

    /// Counts a live profile gaining or losing trait paths between `before` and `after`.
    pub fn profile_changed(&mut self, before: &BTreeSet<String>, after: &BTreeSet<String>) {
        for gained in after.difference(before) {
            self.entry("trait", None, gained).profiles += 1;
        }
        for lost in before.difference(after) {
            self.entry("trait", None, lost).profiles -= 1;
        }
    }

    /// Counts a live profile as gone (deleted): it no longer has any of its trait paths.
    pub fn profile_removed(&mut self, profile: &ProfileDoc) {
        self.profile_changed(&trait_paths(profile), &BTreeSet::new());
    }

    /// Writes the gathered changes.
    pub async fn flush(self, fields: &Fields) -> Result<(), AppError> {
        fields.apply_all(self.updates).await?;
        fields.events.saw_all(self.events).await
    }
}

impl FieldUpdate {
    fn saw(&mut self, value: &Value, at: DateTime<Utc>) {
        self.occurrences += 1;
        self.types.insert(type_of(value).to_owned());
        if self.samples.len() < MAX_SAMPLES && !value.is_object() {
            let text = value.to_string();
            if text.len() <= 80 && !self.samples.contains(&text) {
                self.samples.push(text);
            }
        }
        self.last_seen = Some(self.last_seen.map_or(at, |seen| seen.max(at)));
    }
}
