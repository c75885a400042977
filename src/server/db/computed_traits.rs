//! The `computed_traits` collection: definitions and their back-fill progress.
use crate::{
    error::AppError,
    model::computed::{ComputedTraitDef, ComputedTraitSummary},
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection name.
pub const COLLECTION: &str = "computed_traits";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ComputedTraitDoc {
    /// The name is the id: one definition per name.
    #[serde(rename = "_id")]
    name: String,
    definition: ComputedTraitDef,
    created_at: bson::DateTime,
    #[serde(default)]
    done: i64,
    #[serde(default)]
    total: i64,
    #[serde(default)]
    finished: bool,
    /// Whether profiles keep this definition's state (a back-fill ran to its end since states
    /// were introduced); unbuilt definitions are back-filled at start.
    #[serde(default)]
    built: bool,
}

/// Repository over `computed_traits`.
#[derive(Clone, Debug)]
pub struct ComputedTraits {
    collection: Collection<ComputedTraitDoc>,
    db: Database,
}

/// The definitions, read at most every few seconds (ingestion asks on every batch).
static DEFINITIONS: std::sync::LazyLock<super::memo::Memo<Vec<ComputedTraitDef>>> =
    std::sync::LazyLock::new(super::memo::Memo::new);

impl ComputedTraits {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            db: db.clone(),
        }
    }

    /// Stores a new definition; the name must be free.
    pub async fn create(&self, definition: &ComputedTraitDef) -> Result<(), AppError> {
        let stored = ComputedTraitDoc {
            name: definition.name.clone(),
            definition: definition.clone(),
            created_at: bson::DateTime::now(),
            done: 0,
            total: 0,
            finished: false,
            built: false,
        };
        let stored = self.collection.insert_one(stored).await;
        DEFINITIONS.forget(&self.db);
        match stored {
            Ok(_) => Ok(()),
            Err(err) if super::is_duplicate_key(&err) => Err(AppError::Conflict {
                field: "name".into(),
                message: format!("a computed trait named {} already exists", definition.name),
            }),
            Err(err) => Err(err.into()),
        }
    }

    /// Every definition.
    pub async fn definitions(&self) -> Result<Vec<ComputedTraitDef>, AppError> {
        if let Some(known) = DEFINITIONS.get(&self.db, "all") {
            return Ok(known.as_ref().clone());
        }
        let definitions: Vec<ComputedTraitDef> = self
            .list()
            .await?
            .into_iter()
            .map(|s| s.definition)
            .collect();
        DEFINITIONS.put(&self.db, "all", definitions.clone());
        Ok(definitions)
    }

    /// Drops this process's cached definitions: the next read goes to the database.
    pub fn forget_cached(&self) {
        DEFINITIONS.forget(&self.db);
    }

    /// The definitions whose state profiles do not keep yet.
    pub async fn unbuilt(&self) -> Result<Vec<ComputedTraitDef>, AppError> {
        let docs: Vec<ComputedTraitDoc> = self
            .collection
            .find(doc! { "built": { "$ne": true } })
            .await?
            .try_collect()
            .await?;
        Ok(docs.into_iter().map(|d| d.definition).collect())
    }

    /// Every definition with its progress, by name.
    pub async fn list(&self) -> Result<Vec<ComputedTraitSummary>, AppError> {
        let options = FindOptions::builder().sort(doc! { "_id": 1 }).build();
        let docs: Vec<ComputedTraitDoc> = self
            .collection
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| ComputedTraitSummary {
                definition: d.definition,
                done: u64::try_from(d.done).unwrap_or(0),
                total: u64::try_from(d.total).unwrap_or(0),
                finished: d.finished,
            })
            .collect())
    }

    /// Records back-fill progress; a finished back-fill leaves the definition built.
    pub async fn progress(
        &self,
        name: &str,
        done: u64,
        total: u64,
        finished: bool,
    ) -> Result<(), AppError> {
        let mut set = doc! { "done": done as i64, "total": total as i64, "finished": finished };
        if finished {
            set.insert("built", true);
        }
        self.collection
            .update_one(doc! { "_id": name }, doc! { "$set": set })
            .await?;
        Ok(())
    }
}
