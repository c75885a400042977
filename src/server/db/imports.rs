//! The `imports` collection: each bulk import's progress and result.
use crate::{
    error::AppError,
    model::import::{FieldWarning, ImportStatus, RowError},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "imports";

fn records() -> String {
    RECORDS.to_owned()
}

/// Kind of an import of customer records.
pub const RECORDS: &str = "records";
/// Kind of a catalog import.
pub const PRODUCTS: &str = "products";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ImportDoc {
    #[serde(rename = "_id")]
    id: ObjectId,
    /// `records` (customer records) or `products` (the catalog); older imports have none.
    #[serde(default = "records")]
    kind: String,
    source: String,
    file_name: String,
    state: String,
    total: i64,
    processed: i64,
    imported: i64,
    duplicates: i64,
    error_count: i64,
    errors: Vec<RowError>,
    #[serde(default)]
    warning_count: i64,
    #[serde(default)]
    warnings: Vec<FieldWarning>,
    #[serde(default)]
    failure: Option<String>,
    started_at: bson::DateTime,
}

impl From<ImportDoc> for ImportStatus {
    fn from(d: ImportDoc) -> Self {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Self {
            id: d.id.to_hex(),
            kind: d.kind,
            source: d.source,
            file_name: d.file_name,
            state: d.state,
            total: count(d.total),
            processed: count(d.processed),
            imported: count(d.imported),
            duplicates: count(d.duplicates),
            error_count: count(d.error_count),
            errors: d.errors,
            warning_count: count(d.warning_count),
            warnings: d.warnings,
            failure: d.failure,
            started_at: d.started_at.to_chrono(),
        }
    }
}

/// An import's running counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportTally {
    /// Rows processed.
    pub processed: u64,
    /// Rows stored and applied.
    pub imported: u64,
    /// Rows imported before.
    pub duplicates: u64,
    /// Rows rejected.
    pub error_count: u64,
    /// The first rejected rows.
    pub errors: Vec<RowError>,
    /// Fields left out of imported rows.
    pub warning_count: u64,
    /// The first of them.
    pub warnings: Vec<FieldWarning>,
}

impl ImportTally {
    /// Counts a rejected row, listing it while fewer than `listed` are.
    pub fn reject(&mut self, error: RowError, listed: usize) {
        self.error_count += 1;
        if self.errors.len() < listed {
            self.errors.push(error);
        }
    }

    /// Counts fields left out of an imported row, listing them while fewer than `listed` are.
    pub fn warn(&mut self, warnings: Vec<FieldWarning>, listed: usize) {
        self.warning_count += warnings.len() as u64;
        let room = listed.saturating_sub(self.warnings.len());
        self.warnings.extend(warnings.into_iter().take(room));
    }
}

/// Repository over `imports`.
#[derive(Clone, Debug)]
pub struct Imports {
    collection: Collection<ImportDoc>,
}

impl Imports {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
        }
    }

    /// Records a new running import (of `kind`) of `total` rows.
    pub async fn begin(
        &self,
        kind: &str,
        source: &str,
        file_name: &str,
        total: u64,
    ) -> Result<ObjectId, AppError> {
        let id = ObjectId::new();
        let record = ImportDoc {
            id,
            kind: kind.to_owned(),
            source: source.to_owned(),
            file_name: file_name.to_owned(),
            state: "running".into(),
            total: total as i64,
            processed: 0,
            imported: 0,
            duplicates: 0,
            error_count: 0,
            errors: Vec::new(),
            warning_count: 0,
            warnings: Vec::new(),
            failure: None,
            started_at: bson::DateTime::now(),
        };
        self.collection.insert_one(record).await?;
        Ok(id)
    }

    /// Records progress; `finished` marks it done.
    pub async fn progress(
        &self,
        id: ObjectId,
        tally: &ImportTally,
        finished: bool,
    ) -> Result<(), AppError> {
        let errors = bson::to_bson(&tally.errors).map_err(AppError::internal)?;
        let warnings = bson::to_bson(&tally.warnings).map_err(AppError::internal)?;
        let set = doc! {
            "processed": tally.processed as i64, "imported": tally.imported as i64,
            "duplicates": tally.duplicates as i64, "error_count": tally.error_count as i64,
            "errors": errors, "state": if finished { "done" } else { "running" },
            "warning_count": tally.warning_count as i64, "warnings": warnings,
        };
        self.collection
            .update_one(doc! { "_id": id }, doc! { "$set": set })
            .await?;
        Ok(())
    }

    /// Marks the import failed.
    pub async fn fail(&self, id: ObjectId, why: &str) -> Result<(), AppError> {
        let set = doc! { "state": "failed", "failure": why };
        self.collection
            .update_one(doc! { "_id": id }, doc! { "$set": set })
            .await?;
        Ok(())
    }

    /// Import `id`.
    pub async fn get(&self, id: ObjectId) -> Result<Option<ImportStatus>, AppError> {
        Ok(self
            .collection
            .find_one(doc! { "_id": id })
            .await?
            .map(Into::into))
    }

    /// The newest imports of `kind`.
    pub async fn recent(&self, kind: &str, limit: i64) -> Result<Vec<ImportStatus>, AppError> {
        // Imports from before kinds existed are all of customer records.
        let filter = if kind == RECORDS {
            doc! { "kind": { "$ne": PRODUCTS } }
        } else {
            doc! { "kind": kind }
        };
        let options = FindOptions::builder()
            .sort(doc! { "started_at": -1 })
            .limit(limit)
            .build();
        let docs: Vec<ImportDoc> = self
            .collection
            .find(filter)
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(Into::into).collect())
    }

    /// Clears the value of every listed warning (line, column and rule stay): a warning does not
    /// say whose row it came from, so forgetting anyone clears them all.
    pub async fn forget_values(&self) -> Result<(), AppError> {
        let listed: Vec<ImportDoc> = self
            .collection
            .find(doc! { "warning_count": { "$gt": 0 } })
            .await?
            .try_collect()
            .await?;
        for import in listed {
            if import.warnings.iter().all(|w| w.value.is_none()) {
                continue;
            }
            let cleared: Vec<FieldWarning> = import
                .warnings
                .into_iter()
                .map(|w| FieldWarning { value: None, ..w })
                .collect();
            let warnings = bson::to_bson(&cleared).map_err(AppError::internal)?;
            self.collection
                .update_one(
                    doc! { "_id": import.id },
                    doc! { "$set": { "warnings": warnings } },
                )
                .await?;
        }
        Ok(())
    }
}
