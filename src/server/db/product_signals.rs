//! What recommendations learn from, maintained on ingest: `product_pairs` (how strongly two
//! products go together: viewed together, bought together) and `product_stats` (each product's
//! popularity and its linked event counts). Scores are recency-weighted by adding each
//! interaction's weight times `growth(time)`, so newer evidence counts more without ever
//! rewriting old scores (every score shrinks by the same factor as time passes).
use crate::{error::AppError, model::product::ProductActivity};
use chrono::{DateTime, TimeZone, Utc};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{Document, doc},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Pairs collection.
pub const PAIRS: &str = "product_pairs";
/// Popularity collection.
pub const STATS: &str = "product_stats";
/// Evidence this old counts half as much as evidence now.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Bought together counts this many times as much as viewed together.
pub const BOUGHT_FACTOR: f64 = 3.0;

/// `2^((t − 2025-01-01) / half-life)`: the weight of evidence from time `at`, relative to
/// evidence from the epoch (f64 holds it for some 80 years past the epoch).
pub fn growth(at: DateTime<Utc>) -> f64 {
    let epoch = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let days = (at - epoch).num_seconds() as f64 / 86_400.0;
    (days / HALF_LIFE_DAYS).exp2()
}

/// One product pair's evidence, from `a` to `b` (stored both ways).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairDoc {
    /// `a b` (ids never hold spaces).
    #[serde(rename = "_id")]
    pub id: String,
    /// From.
    pub a: String,
    /// To.
    pub b: String,
    /// Viewed (or carted) together, growth-weighted.
    pub viewed: f64,
    /// Bought together, growth-weighted.
    pub bought: f64,
    /// `viewed + BOUGHT_FACTOR × bought`: what ranking sorts by.
    pub score: f64,
}

/// One product's popularity and activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatDoc {
    /// Product id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Interaction weights, growth-weighted.
    pub score: f64,
    /// `Product Viewed` events.
    #[serde(default)]
    pub views: i64,
    /// `Product Added` events.
    #[serde(default)]
    pub adds: i64,
    /// `Order Completed` lines.
    #[serde(default)]
    pub purchases: i64,
}

/// Evidence gathered over a batch, written in one round trip per collection.
#[derive(Debug, Default)]
pub struct SignalBatch {
    /// `(a, b)` → (viewed, bought) increments.
    pub pairs: HashMap<(String, String), (f64, f64)>,
    /// Product → (score, views, adds, purchases) increments.
    pub stats: HashMap<String, (f64, i64, i64, i64)>,
}

/// Repository over both collections.
#[derive(Clone, Debug)]
pub struct ProductSignals {
    db: Database,
    pairs: Collection<PairDoc>,
    stats: Collection<StatDoc>,
}

impl ProductSignals {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            db: db.clone(),
            pairs: db.collection(PAIRS),
            stats: db.collection(STATS),
        }
    }

    /// Adds a batch's evidence (upserts with `$inc`: concurrent batches add up).
    pub async fn add(&self, batch: &SignalBatch) -> Result<(), AppError> {
        let pairs: Vec<Document> = batch
            .pairs
            .iter()
            .map(|((a, b), (viewed, bought))| {
                let score = viewed + BOUGHT_FACTOR * bought;
                increment(
                    format!("{a} {b}"),
                    doc! { "viewed": viewed, "bought": bought, "score": score },
                    doc! { "a": a, "b": b },
                )
            })
            .collect();
        let stats: Vec<Document> = batch
            .stats
            .iter()
            .map(|(id, (score, views, adds, purchases))| {
                let counts =
                    doc! { "score": score, "views": views, "adds": adds, "purchases": purchases };
                increment(id.clone(), counts, doc! {})
            })
            .collect();
        self.upsert_all(PAIRS, pairs).await?;
        self.upsert_all(STATS, stats).await
    }

    async fn upsert_all(&self, collection: &str, updates: Vec<Document>) -> Result<(), AppError> {
        // One `update` command carries many statements: a batch costs one round trip.
        for chunk in updates.chunks(500) {
            crate::server::db::update_statements(&self.db, collection, chunk.to_vec(), false)
                .await?;
        }
        Ok(())
    }

    /// The strongest pairs from any of `from`, strongest first.
    pub async fn pairs_from(&self, from: &[String], limit: i64) -> Result<Vec<PairDoc>, AppError> {
        self.find_pairs(doc! { "a": { "$in": from } }, "score", limit)
            .await
    }

    /// Products viewed (`"viewed"`) or bought (`"bought"`) together with `product`.
    pub async fn together(
        &self,
        product: &str,
        by: &str,
        limit: i64,
    ) -> Result<Vec<PairDoc>, AppError> {
        self.find_pairs(doc! { "a": product, by: { "$gt": 0.0 } }, by, limit)
            .await
    }

    async fn find_pairs(
        &self,
        filter: Document,
        sort: &str,
        limit: i64,
    ) -> Result<Vec<PairDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { sort: -1, "_id": 1 })
            .limit(limit)
            .build();
        let found = self.pairs.find(filter).with_options(options).await?;
        Ok(found.try_collect().await?)
    }

    /// The most popular products, most popular first.
    pub async fn popular(&self, limit: i64) -> Result<Vec<StatDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "score": -1, "_id": 1 })
            .limit(limit)
            .build();
        let found = self.stats.find(doc! {}).with_options(options).await?;
        Ok(found.try_collect().await?)
    }

    /// Popularity of these products (missing ones have none yet).
    pub async fn stats_of(&self, ids: &[String]) -> Result<Vec<StatDoc>, AppError> {
        let found = self.stats.find(doc! { "_id": { "$in": ids } }).await?;
        Ok(found.try_collect().await?)
    }

    /// How often linked events named `product`.
    pub async fn activity(&self, product: &str) -> Result<ProductActivity, AppError> {
        let stat = self.stats.find_one(doc! { "_id": product }).await?;
        Ok(
            stat.map_or_else(ProductActivity::default, |s| ProductActivity {
                views: s.views,
                adds: s.adds,
                purchases: s.purchases,
            }),
        )
    }
}

fn increment(id: String, by: Document, on_insert: Document) -> Document {
    let mut update = doc! { "$inc": by };
    if !on_insert.is_empty() {
        update.insert("$setOnInsert", on_insert);
    }
    doc! { "q": { "_id": id }, "u": update, "upsert": true }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_evidence_weighs_more_and_halves_per_half_life() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let earlier = now - chrono::Duration::days(30);
        let ratio = growth(now) / growth(earlier);
        assert!((ratio - 2.0).abs() < 1e-9, "{ratio}");
        let far = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
        assert!(growth(far).is_finite());
    }
}
