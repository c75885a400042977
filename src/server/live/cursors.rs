//! `live_cursors`: the change-stream resume token of each (instance, collection), so a restarted
//! instance continues where it stopped instead of missing or repeating what happened meanwhile.
use crate::error::AppError;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
    change_stream::event::ResumeToken,
};
use serde::{Deserialize, Serialize};

/// The collection name.
pub const COLLECTION: &str = "live_cursors";

#[derive(Debug, Serialize, Deserialize)]
struct CursorDoc {
    #[serde(rename = "_id")]
    id: String,
    token: ResumeToken,
    saved_at: bson::DateTime,
}

/// Repository over `live_cursors`.
#[derive(Clone, Debug)]
pub struct LiveCursors {
    collection: Collection<CursorDoc>,
    instance: String,
}

impl LiveCursors {
    /// The cursors of `instance` in `db`.
    pub fn new(db: &Database, instance: &str) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            instance: instance.to_owned(),
        }
    }

    fn key(&self, watched: &str) -> String {
        format!("{}:{watched}", self.instance)
    }

    /// The saved token for the change stream on `watched`, if any.
    pub async fn load(&self, watched: &str) -> Result<Option<ResumeToken>, AppError> {
        let found = self
            .collection
            .find_one(doc! { "_id": self.key(watched) })
            .await?;
        Ok(found.map(|c| c.token))
    }

    /// Saves `token` for `watched`.
    pub async fn save(&self, watched: &str, token: &ResumeToken) -> Result<(), AppError> {
        let cursor = CursorDoc {
            id: self.key(watched),
            token: token.clone(),
            saved_at: bson::DateTime::now(),
        };
        self.collection
            .replace_one(doc! { "_id": &cursor.id }, &cursor)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Forgets the token for `watched` (it pointed past the server's history).
    pub async fn forget(&self, watched: &str) -> Result<(), AppError> {
        self.collection
            .delete_one(doc! { "_id": self.key(watched) })
            .await?;
        Ok(())
    }
}
