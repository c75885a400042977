//! The `audit` collection: insert-only. This repository has no update or delete on purpose; in
//! production give the app's MongoDB user only `insert` and `find` on it (README).
use crate::{
    error::AppError,
    model::audit::{AuditEntry, AuditPage},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, Document, doc, oid::ObjectId},
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "audit";

/// One entry as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditDoc {
    /// Entry id; its time order is the log's order.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// When.
    pub at: bson::DateTime,
    /// The user's email, the attempted sign-in email, or `system`.
    pub actor: String,
    /// The user's id, if signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<ObjectId>,
    /// The role at the time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// What happened (`sign_in.failed`, `pii.reveal`, …).
    pub action: String,
    /// The id acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Client IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Reason, field name, new role … never customer PII.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action.
    pub action: Option<String>,
    /// Actor email prefix.
    pub actor: Option<String>,
    /// Exact target id.
    pub target: Option<String>,
    /// Entries older than this entry id (paging).
    pub before: Option<ObjectId>,
}

/// Repository over `audit`.
#[derive(Clone, Debug)]
pub struct AuditLog {
    collection: Collection<AuditDoc>,
}

impl AuditLog {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Appends `entry`.
    pub async fn insert(&self, entry: &AuditDoc) -> Result<(), AppError> {
        self.collection.insert_one(entry).await?;
        Ok(())
    }

    /// Up to `limit` entries matching `filter`, newest first, with the cursor for the next page.
    pub async fn page(&self, filter: &AuditFilter, limit: usize) -> Result<AuditPage, AppError> {
        let mut docs: Vec<AuditDoc> = self
            .collection
            .find(query(filter))
            .sort(doc! { "_id": -1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let next = (docs.len() > limit).then(|| docs[limit - 1].id.to_hex());
        docs.truncate(limit);
        Ok(AuditPage {
            entries: docs.into_iter().map(entry).collect(),
            next,
        })
    }
}

fn query(filter: &AuditFilter) -> Document {
    let mut query = doc! {};
    if let Some(action) = &filter.action {
        query.insert("action", action);
    }
    if let Some(actor) = &filter.actor {
        // A prefix match on a typed value, regex metacharacters escaped.
        let pattern = format!("^{}", escape_regex(actor));
        query.insert(
            "actor",
            bson::Regex {
                pattern,
                options: String::new(),
            },
        );
    }
    if let Some(target) = &filter.target {
        query.insert("target", target);
    }
    if let Some(before) = filter.before {
        query.insert("_id", doc! { "$lt": before });
    }
    query
}

/// `text` with every regex metacharacter escaped.
pub fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn entry(doc: AuditDoc) -> AuditEntry {
    AuditEntry {
        id: doc.id.to_hex(),
        at: doc.at.to_chrono(),
        actor: doc.actor,
        role: doc.role,
        action: doc.action,
        target: doc.target,
        ip: doc.ip,
        detail: doc.detail,
    }
}
