//! The `fields` collection: the field catalog.
use crate::{error::AppError, model::field::FieldInfo};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Collection name.
pub const COLLECTION: &str = "fields";

/// Changes to one path gathered over a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldUpdate {
    /// `trait` or `property`.
    pub scope: String,
    /// Event, for properties.
    pub event: Option<String>,
    /// Dotted path.
    pub path: String,
    /// Types seen.
    pub types: BTreeSet<String>,
    /// Change in live profiles having it.
    pub profiles: i64,
    /// Messages carrying it.
    pub occurrences: i64,
    /// New sample values (JSON text).
    pub samples: Vec<String>,
    /// Latest time seen.
    pub last_seen: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FieldDoc {
    #[serde(rename = "_id")]
    id: String,
    scope: String,
    #[serde(default)]
    event: Option<String>,
    path: String,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    profiles: i64,
    #[serde(default)]
    occurrences: i64,
    #[serde(default)]
    samples: Vec<String>,
    #[serde(default)]
    last_seen: Option<bson::DateTime>,
}

/// Repository over `fields`.
#[derive(Clone, Debug)]
pub struct Fields {
    collection: Collection<FieldDoc>,
    db: Database,
    /// Event names seen.
    pub events: super::event_names::EventNames,
}

impl Fields {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
            events: super::event_names::EventNames::new(db),
        }
    }

    /// Applies a batch's gathered changes, path id → change, in one ordered command: each
    /// path's counts and types (creating it), then its new samples.
    pub async fn apply_all(
        &self,
        updates: impl IntoIterator<Item = (String, FieldUpdate)>,
    ) -> Result<(), AppError> {
        let mut statements = Vec::new();
        for (id, update) in updates {
            let mut set = doc! { "scope": &update.scope, "path": &update.path };
            if let Some(event) = &update.event {
                set.insert("event", event);
            }
            let mut latest = doc! {};
            if let Some(at) = update.last_seen {
                latest.insert("last_seen", bson::DateTime::from_chrono(at));
            }
            let types: Vec<&String> = update.types.iter().collect();
            let change = doc! {
                "$set": set,
                "$max": latest,
                "$inc": { "profiles": update.profiles, "occurrences": update.occurrences },
                "$addToSet": { "types": { "$each": types } },
            };
            statements.push(doc! { "q": { "_id": &id }, "u": change, "upsert": true });
            if !update.samples.is_empty() {
                // Only while fewer than five are kept: samples stay a handful.
                let room = format!("samples.{}", super::super::catalog::MAX_SAMPLES - 1);
                statements.push(doc! {
                    "q": { "_id": &id, room: { "$exists": false } },
                    "u": { "$addToSet": { "samples": { "$each": &update.samples } } },
                });
            }
        }
        super::update_statements(&self.db, COLLECTION, statements, true).await?;
        Ok(())
    }

    /// Removes sample values (JSON text) from every path: a forgotten person's values must not
    /// linger as examples.
    pub async fn forget_samples(&self, values: &[String]) -> Result<(), AppError> {
        if values.is_empty() {
            return Ok(());
        }
        self.collection
            .update_many(doc! {}, doc! { "$pull": { "samples": { "$in": values } } })
            .await?;
        Ok(())
    }

    /// Catalogued paths with `key` as one of their keys (`traits.a.key`, `properties.key.b`).
    pub async fn paths_through(&self, key: &str) -> Result<Vec<String>, AppError> {
        let docs: Vec<FieldDoc> = self
            .collection
            .find(through(key))
            .projection(doc! { "scope": 1, "path": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| d.path).collect())
    }

    /// Drops the samples of every path with `key` as one of its keys: it became restricted.
    pub async fn drop_samples_through(&self, key: &str) -> Result<(), AppError> {
        self.collection
            .update_many(through(key), doc! { "$set": { "samples": [] } })
            .await?;
        Ok(())
    }

    /// Every catalogued path: traits first, then properties by event.
    pub async fn list(&self) -> Result<Vec<FieldInfo>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "scope": -1, "event": 1, "path": 1 })
            .build();
        let docs: Vec<FieldDoc> = self
            .collection
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| FieldInfo {
                scope: d.scope,
                event: d.event,
                path: d.path,
                types: d.types,
                profiles: d.profiles.max(0),
                occurrences: d.occurrences,
                samples: d
                    .samples
                    .into_iter()
                    .take(super::super::catalog::MAX_SAMPLES)
                    .collect(),
                last_seen: d.last_seen.map(|t| t.to_chrono()).unwrap_or_default(),
                // Classification lives apart (`privacy::classes`); callers fill it in.
                class: Default::default(),
                exposed: false,
            })
            .collect())
    }
}

/// The filter of paths that have `key` as one of their dot-separated keys.
fn through(key: &str) -> Document {
    let pattern = format!(r"(^|\.){}(\.|$)", super::audit::escape_regex(key));
    doc! { "path": bson::Regex { pattern, options: String::new() } }
}
