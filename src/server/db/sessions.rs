//! A tower-sessions store on the mongodb 3 driver (the published one is on driver 2).
use async_trait::async_trait;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
    options::ReplaceOptions,
};
use serde::{Deserialize, Serialize};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

/// Collection name.
pub const COLLECTION: &str = "sessions";

/// A session as stored. `data` is JSON text: session keys may contain characters
/// (`.`, `$`) that are not allowed in BSON field names.
#[derive(Debug, Serialize, Deserialize)]
struct SessionDoc {
    #[serde(rename = "_id")]
    id: String,
    data: String,
    expire_at: bson::DateTime,
}

/// Sessions in MongoDB; expired ones are never loaded and are removed by a TTL index.
#[derive(Clone, Debug)]
pub struct MongoSessionStore {
    collection: Collection<SessionDoc>,
}

impl MongoSessionStore {
    /// The store for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }
}

fn to_doc(record: &Record) -> Result<SessionDoc> {
    let millis = record.expiry_date.unix_timestamp_nanos() / 1_000_000;
    Ok(SessionDoc {
        id: record.id.to_string(),
        data: serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?,
        expire_at: bson::DateTime::from_millis(i64::try_from(millis).unwrap_or(i64::MAX)),
    })
}

fn backend(err: mongodb::error::Error) -> Error {
    Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for MongoSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh id clashing with a live one is astronomically unlikely; retry, never overwrite.
        loop {
            match self.collection.insert_one(to_doc(record)?).await {
                Ok(_) => return Ok(()),
                Err(err) if super::is_duplicate_key(&err) => record.id = Id::default(),
                Err(err) => return Err(backend(err)),
            }
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let doc = to_doc(record)?;
        let options = ReplaceOptions::builder().upsert(true).build();
        self.collection
            .replace_one(doc! { "_id": &doc.id }, &doc)
            .with_options(options)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let filter = doc! { "_id": id.to_string(), "expire_at": { "$gt": bson::DateTime::now() } };
        let Some(found) = self.collection.find_one(filter).await.map_err(backend)? else {
            return Ok(None);
        };
        let expiry_nanos = i128::from(found.expire_at.timestamp_millis()) * 1_000_000;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&found.data).map_err(|e| Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp_nanos(expiry_nanos)
                .map_err(|e| Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.collection
            .delete_one(doc! { "_id": id.to_string() })
            .await
            .map_err(backend)?;
        Ok(())
    }
}
