//! The `match_pairs` collection: every pair of profiles matching proposed or merged, keyed by
//! the two ids in order (so a pair has one document whatever side it is found from), with
//! its score, the evidence per attribute and what became of it. A settled pair (merged,
//! rejected, unmerged) is never proposed or rescored again.
use crate::{
    error::AppError,
    model::matching::{Band, Decision, FieldEvidence},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Collection name.
pub const COLLECTION: &str = "match_pairs";

/// One pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairDoc {
    /// `{a}:{b}` in hex.
    #[serde(rename = "_id")]
    pub id: String,
    /// The smaller profile id.
    pub a: ObjectId,
    /// The larger profile id.
    pub b: ObjectId,
    /// Probability of one person.
    pub score: f64,
    /// Evidence in bits.
    pub weight: f64,
    /// Band when scored.
    pub band: Band,
    /// What became of it.
    pub decision: Decision,
    /// Per compared attribute.
    pub evidence: Vec<FieldEvidence>,
    /// Sources of either profile.
    pub sources: Vec<String>,
    /// When scored.
    pub scored_at: bson::DateTime,
    /// The run (full job or incremental pass) that scored it last.
    pub run: ObjectId,
    /// Who decided (a user's email, or `matching` for auto-merges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// When decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<bson::DateTime>,
    /// The merge it led to (undo goes through it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<ObjectId>,
}

/// The key of the pair `x`, `y` (either order) and the two ids in order.
pub fn key_of(x: ObjectId, y: ObjectId) -> (String, ObjectId, ObjectId) {
    let (a, b) = if x <= y { (x, y) } else { (y, x) };
    (format!("{a}:{b}"), a, b)
}

/// Which pairs a list shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairFilter {
    /// Only this decision.
    pub decision: Option<Decision>,
    /// Only this band.
    pub band: Option<Band>,
    /// Only pairs with a profile from this source.
    pub source: Option<String>,
    /// Only pairs scoring at least this.
    pub min_score: Option<f64>,
}

impl PairFilter {
    fn to_query(&self) -> Document {
        let mut query = doc! {};
        if let Some(decision) = self.decision {
            query.insert("decision", decision.as_str());
        }
        if let Some(band) = self.band {
            query.insert("band", band.as_str());
        }
        if let Some(source) = &self.source {
            query.insert("sources", source.as_str());
        }
        if let Some(min) = self.min_score {
            query.insert("score", doc! { "$gte": min });
        }
        query
    }
}

/// Repository over `match_pairs`.
#[derive(Clone, Debug)]
pub struct MatchPairs {
    collection: Collection<PairDoc>,
    db: Database,
}

impl MatchPairs {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Keys of the settled pairs: never proposed again.
    pub async fn settled_keys(&self) -> Result<HashSet<String>, AppError> {
        self.settled_where(doc! {}).await
    }

    /// Keys of the settled pairs `query` selects.
    async fn settled_where(&self, mut query: Document) -> Result<HashSet<String>, AppError> {
        let raw: Collection<Document> = self.db.collection(COLLECTION);
        query.insert("decision", doc! { "$ne": Decision::Pending.as_str() });
        let options = FindOptions::builder().projection(doc! { "_id": 1 }).build();
        let docs: Vec<Document> = raw
            .find(query)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .iter()
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect())
    }

    /// Stores pairs for review (one command per 500): a pending pair is rescored, a settled
    /// one is left alone.
    pub async fn save_pending(&self, pairs: &[PairDoc]) -> Result<(), AppError> {
        for chunk in pairs.chunks(500) {
            let updates: Vec<Document> = chunk
                .iter()
                .map(|p| {
                    let mut fields = bson::to_document(p).unwrap_or_default();
                    fields.remove("_id");
                    fields.insert("decision", Decision::Pending.as_str());
                    doc! {
                        "q": { "_id": &p.id, "decision": Decision::Pending.as_str() },
                        "u": { "$set": fields },
                        "upsert": true,
                    }
                })
                .collect();
            let command = doc! { "update": COLLECTION, "updates": updates, "ordered": false };
            let reply = crate::server::db::run_write_command(&self.db, command).await?;
            let failed = reply
                .get_array("writeErrors")
                .map(|errors| {
                    errors
                        .iter()
                        .filter(|e| {
                            e.as_document().and_then(|d| d.get_i32("code").ok()) != Some(11000)
                        })
                        .count()
                })
                .unwrap_or(0);
            // A duplicate key is a pair settled meanwhile: it stays settled.
            if failed > 0 {
                return Err(AppError::internal(format!(
                    "{COLLECTION}: {failed} upserts failed"
                )));
            }
        }
        Ok(())
    }

    /// Removes pending pairs a full run `run` no longer proposes.
    pub async fn drop_stale_pending(&self, run: ObjectId) -> Result<u64, AppError> {
        let query = doc! { "decision": Decision::Pending.as_str(), "run": { "$ne": run } };
        Ok(self.collection.delete_many(query).await?.deleted_count)
    }

    /// Removes the pending pairs of `profile` (it is being matched again, or is gone).
    pub async fn drop_pending_of(&self, profile: ObjectId) -> Result<(), AppError> {
        let query = doc! {
            "decision": Decision::Pending.as_str(),
            "$or": [{ "a": profile }, { "b": profile }],
        };
        self.collection.delete_many(query).await?;
        Ok(())
    }

    /// Removes pair `key` if it is still pending.
    pub async fn remove_pending(&self, key: &str) -> Result<(), AppError> {
        let query = doc! { "_id": key, "decision": Decision::Pending.as_str() };
        self.collection.delete_one(query).await?;
        Ok(())
    }

    /// Removes the pending pairs of any of `profiles` (one command).
    pub async fn drop_pending_of_any(&self, profiles: &[ObjectId]) -> Result<(), AppError> {
        let query = doc! {
            "decision": Decision::Pending.as_str(),
            "$or": [{ "a": { "$in": profiles } }, { "b": { "$in": profiles } }],
        };
        self.collection.delete_many(query).await?;
        Ok(())
    }

    /// Removes the pending pairs of any of `profiles` that pass `run` did not propose again.
    pub async fn drop_pending_of_any_but(
        &self,
        profiles: &[ObjectId],
        run: ObjectId,
    ) -> Result<(), AppError> {
        let query = doc! {
            "decision": Decision::Pending.as_str(),
            "run": { "$ne": run },
            "$or": [{ "a": { "$in": profiles } }, { "b": { "$in": profiles } }],
        };
        self.collection.delete_many(query).await?;
        Ok(())
    }

    /// Which of `keys` are settled pairs.
    pub async fn settled_among(&self, keys: Vec<String>) -> Result<HashSet<String>, AppError> {
        if keys.is_empty() {
            return Ok(HashSet::new());
        }
        self.settled_where(doc! { "_id": { "$in": keys } }).await
    }

    /// Stores `pair` as settled (replacing whatever was there).
    pub async fn settle(&self, pair: &PairDoc) -> Result<(), AppError> {
        self.collection
            .replace_one(doc! { "_id": &pair.id }, pair)
            .upsert(true)
            .await?;
        Ok(())
    }

    /// Moves pending pair `key` to `decision`; `None` when it is not pending (any more).
    pub async fn decide(
        &self,
        key: &str,
        decision: Decision,
        by: &str,
        merge: Option<ObjectId>,
    ) -> Result<Option<PairDoc>, AppError> {
        let mut set = doc! {
            "decision": decision.as_str(),
            "decided_by": by,
            "decided_at": bson::DateTime::now(),
        };
        if let Some(merge) = merge {
            set.insert("merge", merge);
        }
        let query = doc! { "_id": key, "decision": Decision::Pending.as_str() };
        Ok(self
            .collection
            .find_one_and_update(query, doc! { "$set": set })
            .return_document(mongodb::options::ReturnDocument::After)
            .await?)
    }

    /// Puts pair `key` back in the queue (its merge failed after it was approved).
    pub async fn reopen(&self, key: &str) -> Result<(), AppError> {
        let update = doc! {
            "$set": { "decision": Decision::Pending.as_str() },
            "$unset": { "decided_by": "", "decided_at": "" },
        };
        self.collection
            .update_one(doc! { "_id": key }, update)
            .await?;
        Ok(())
    }

    /// Marks the pair merged by `merge` unmerged: it is never proposed again.
    pub async fn mark_unmerged(&self, merge: ObjectId, by: &str) -> Result<(), AppError> {
        let set = doc! {
            "decision": Decision::Unmerged.as_str(),
            "decided_by": by,
            "decided_at": bson::DateTime::now(),
        };
        self.collection
            .update_many(doc! { "merge": merge }, doc! { "$set": set })
            .await?;
        Ok(())
    }

    /// Pair `key`.
    pub async fn get(&self, key: &str) -> Result<Option<PairDoc>, AppError> {
        Ok(self.collection.find_one(doc! { "_id": key }).await?)
    }

    /// Pairs matching `filter`, highest score first, `skip` then at most `limit`.
    pub async fn list(
        &self,
        filter: &PairFilter,
        skip: u64,
        limit: i64,
    ) -> Result<Vec<PairDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "score": -1, "_id": 1 })
            .skip(skip)
            .limit(limit)
            .build();
        Ok(self
            .collection
            .find(filter.to_query())
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// How many pairs match `filter`.
    pub async fn count(&self, filter: &PairFilter) -> Result<u64, AppError> {
        Ok(self.collection.count_documents(filter.to_query()).await?)
    }

    /// Every pair, highest score first, as a stream (for exports).
    pub async fn stream_all(&self) -> Result<mongodb::Cursor<PairDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "score": -1, "_id": 1 })
            .build();
        Ok(self.collection.find(doc! {}).with_options(options).await?)
    }
}
