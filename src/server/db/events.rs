//! The `events` collection: every accepted message, once per (source, messageId).
use crate::{error::AppError, server::message::Message};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Collection name.
pub const COLLECTION: &str = "events";

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDoc {
    /// `sourceId:messageId`: the natural key is the primary key, so the duplicate check of a
    /// whole batch is one `_id $in` lookup on any server.
    #[serde(rename = "_id")]
    pub id: String,
    /// The sending source.
    pub source_id: ObjectId,
    /// Its name, for display.
    pub source: String,
    /// The client's message id (unique per source).
    pub message_id: String,
    /// Counted event name (track event, `Page Viewed`, …), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The profile it belongs to now (re-pointed by merges), if it identified anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<ObjectId>,
    /// The profile it was first applied to; unmerge moves events back by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_profile_id: Option<ObjectId>,
    /// Event time (skew-corrected).
    pub timestamp: bson::DateTime,
    /// Arrival time.
    pub received_at: bson::DateTime,
    /// The message.
    pub message: Message,
    /// Catalog products an e-commerce event named (omitted for other events).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<ProductLink>,
}

/// A catalog product an event named, as stored on the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductLink {
    /// The catalog product.
    pub product_id: String,
    /// The variant, when the event named a known SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// An event's id: its source and the client's message id.
pub fn event_key(source_id: ObjectId, message_id: &str) -> String {
    format!("{source_id}:{message_id}")
}

/// Repository over `events`.
#[derive(Clone, Debug)]
pub struct Events {
    collection: Collection<EventDoc>,
}

impl Events {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Which of `message_ids` from `source_id` are stored already.
    pub async fn stored_ids(
        &self,
        source_id: ObjectId,
        message_ids: &[String],
    ) -> Result<HashSet<String>, AppError> {
        let keys: Vec<String> = message_ids
            .iter()
            .map(|m| event_key(source_id, m))
            .collect();
        let options = FindOptions::builder()
            .projection(doc! { "message_id": 1 })
            .build();
        let found: Vec<bson::Document> = self
            .collection
            .clone_with_type::<bson::Document>()
            .find(doc! { "_id": { "$in": keys } })
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(found
            .iter()
            .filter_map(|d| d.get_str("message_id").ok().map(str::to_owned))
            .collect())
    }

    /// Stores `events`; ones stored meanwhile by a concurrent retry are not an error.
    pub async fn insert_all(&self, events: &[EventDoc]) -> Result<(), AppError> {
        if events.is_empty() {
            return Ok(());
        }
        match self.collection.insert_many(events).ordered(false).await {
            Ok(_) => Ok(()),
            Err(err) if super::duplicate_indexes(&err).is_some() => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Events of `from` now belong to `to`.
    pub async fn repoint_all(&self, from: ObjectId, to: ObjectId) -> Result<(), AppError> {
        self.collection
            .update_many(
                doc! { "profile_id": from },
                doc! { "$set": { "profile_id": to } },
            )
            .await?;
        Ok(())
    }

    /// Events now on `from` first applied to one of `homes` go to `to`.
    pub async fn repoint_homes(
        &self,
        from: ObjectId,
        homes: &[ObjectId],
        to: ObjectId,
    ) -> Result<(), AppError> {
        self.collection
            .update_many(
                doc! { "profile_id": from, "home_profile_id": { "$in": homes } },
                doc! { "$set": { "profile_id": to } },
            )
            .await?;
        Ok(())
    }

    /// The fields `projection` names of the events matching `filter` (a back-fill's read).
    pub async fn find_projected(
        &self,
        filter: bson::Document,
        projection: bson::Document,
    ) -> Result<Vec<bson::Document>, AppError> {
        Ok(self
            .collection
            .clone_with_type::<bson::Document>()
            .find(filter)
            .projection(projection)
            .await?
            .try_collect()
            .await?)
    }

    /// Events of `profile_id`: all of them oldest first, or the newest `limit`.
    pub async fn of_profile(
        &self,
        profile_id: ObjectId,
        newest: Option<i64>,
    ) -> Result<Vec<EventDoc>, AppError> {
        let order = if newest.is_some() { -1 } else { 1 };
        let options = FindOptions::builder()
            .sort(doc! { "timestamp": order, "_id": order })
            .limit(newest)
            .build();
        Ok(self
            .collection
            .find(doc! { "profile_id": profile_id })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Up to `limit` events of `profile_id`, newest first, older than `before` (time, id), of
    /// call type `kind` if given.
    pub async fn page(
        &self,
        profile_id: ObjectId,
        kind: Option<&str>,
        before: Option<(bson::DateTime, String)>,
        limit: i64,
    ) -> Result<Vec<EventDoc>, AppError> {
        let mut filter = doc! { "profile_id": profile_id };
        if let Some(kind) = kind {
            filter.insert("message.kind", kind);
        }
        if let Some((at, id)) = before {
            filter.insert(
                "$or",
                vec![
                    doc! { "timestamp": { "$lt": at } },
                    doc! { "timestamp": at, "_id": { "$lt": id } },
                ],
            );
        }
        let options = FindOptions::builder()
            .sort(doc! { "timestamp": -1, "_id": -1 })
            .limit(limit)
            .build();
        Ok(self
            .collection
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// The `limit` latest events of `profile` that name catalog products, newest first.
    pub async fn product_history(
        &self,
        profile: ObjectId,
        limit: i64,
    ) -> Result<Vec<EventDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "timestamp": -1, "_id": -1 })
            .limit(limit)
            .build();
        let filter = doc! { "profile_id": profile, "products": { "$exists": true } };
        let found = self.collection.find(filter).with_options(options).await?;
        Ok(found.try_collect().await?)
    }

    /// Every catalog product `profile` bought (named by an `Order Completed`).
    pub async fn bought_products(&self, profile: ObjectId) -> Result<HashSet<String>, AppError> {
        let filter = doc! { "profile_id": profile, "event": "Order Completed" };
        let values = self
            .collection
            .distinct("products.product_id", filter)
            .await?;
        Ok(values
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    /// The events `ids` that exist, oldest first.
    pub async fn by_ids(&self, ids: &[String]) -> Result<Vec<EventDoc>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .collection
            .find(doc! { "_id": { "$in": ids } })
            .sort(doc! { "timestamp": 1, "_id": 1 })
            .await?
            .try_collect()
            .await?)
    }

    /// Deletes the events `ids` (retention, after folding them); how many went.
    pub async fn delete_ids(&self, ids: &[String]) -> Result<u64, AppError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let removed = self
            .collection
            .delete_many(doc! { "_id": { "$in": ids } })
            .await?;
        Ok(removed.deleted_count)
    }

    /// How many events are stored (collection metadata).
    pub async fn count(&self) -> Result<u64, AppError> {
        Ok(self.collection.estimated_document_count().await?)
    }
}
