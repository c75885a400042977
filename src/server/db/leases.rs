//! The `leases` collection: named locks shared by every instance on one database. A lease has
//! one holder until a time; taking it bumps its fence, so a holder whose lease ran out and
//! was taken by another can neither renew nor release what is no longer its own.
use crate::error::AppError;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::ReturnDocument,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Collection name.
pub const COLLECTION: &str = "leases";

/// One named lease.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseDoc {
    /// The lease's name.
    #[serde(rename = "_id")]
    pub name: String,
    /// The instance holding it (`None`: free).
    pub holder: Option<ObjectId>,
    /// When the holder's claim runs out unless renewed.
    pub until: bson::DateTime,
    /// Bumped at every taking: identifies one holding.
    pub fence: i64,
}

/// Repository over `leases`.
#[derive(Clone, Debug)]
pub struct Leases {
    collection: Collection<LeaseDoc>,
}

impl Leases {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Takes lease `name` for `holder` for `ttl` if it is free, ran out, or is `holder`'s own
    /// (one command); the fence of this new holding, or `None` while another holds it.
    pub async fn try_take(
        &self,
        name: &str,
        holder: ObjectId,
        ttl: Duration,
    ) -> Result<Option<i64>, AppError> {
        let now = bson::DateTime::now();
        let filter = doc! {
            "_id": name,
            "$or": [ { "holder": null }, { "until": { "$lte": now } }, { "holder": holder } ],
        };
        let update = doc! {
            "$set": { "holder": holder, "until": until(now, ttl) },
            "$inc": { "fence": 1_i64 },
        };
        let taken = self
            .collection
            .find_one_and_update(filter, update)
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        match taken {
            Ok(lease) => Ok(lease.map(|l| l.fence)),
            // The lease exists and is held: the upsert's insert met its `_id`.
            Err(err) if crate::server::db::is_duplicate_key(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Extends the holding `fence` of `holder` by `ttl` from now; `false` if it is no longer
    /// theirs (it ran out and was taken).
    pub async fn renew(
        &self,
        name: &str,
        holder: ObjectId,
        fence: i64,
        ttl: Duration,
    ) -> Result<bool, AppError> {
        let now = bson::DateTime::now();
        let renewed = self
            .collection
            .update_one(
                doc! { "_id": name, "holder": holder, "fence": fence },
                doc! { "$set": { "until": until(now, ttl) } },
            )
            .await?;
        Ok(renewed.matched_count == 1)
    }

    /// Frees the holding `fence` of `holder` (nothing if it is no longer theirs).
    pub async fn release(&self, name: &str, holder: ObjectId, fence: i64) -> Result<(), AppError> {
        self.collection
            .update_one(
                doc! { "_id": name, "holder": holder, "fence": fence },
                doc! { "$set": { "holder": null, "until": bson::DateTime::now() } },
            )
            .await?;
        Ok(())
    }

    /// Lease `name` as stored.
    pub async fn get(&self, name: &str) -> Result<Option<LeaseDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": name }).await?)
    }
}

fn until(now: bson::DateTime, ttl: Duration) -> bson::DateTime {
    bson::DateTime::from_millis(now.timestamp_millis() + ttl.as_millis() as i64)
}
