//! The `segments` collection (definitions), `segment_versions` (every saved version) and
//! `segment_sizes` (size samples for the trend charts).
use crate::{
    error::AppError,
    model::segment::{ComputeProgress, SegmentKind, SegmentLabel, SegmentStatus},
    segment::Rule,
};
use futures::TryStreamExt;
use mongodb::{
    Collection, Database,
    bson::{self, doc, oid::ObjectId},
    options::FindOptions,
};
use serde::{Deserialize, Serialize};

/// Collection names.
pub const COLLECTION: &str = "segments";
/// Saved versions.
pub const VERSIONS: &str = "segment_versions";
/// Size samples.
pub const SIZES: &str = "segment_sizes";

/// A stored segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentDoc {
    /// Segment id.
    #[serde(rename = "_id")]
    pub id: ObjectId,
    /// Name (unique among active segments is not required; ids are what rules refer to).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Rule or static.
    pub kind: SegmentKind,
    /// Active or archived.
    pub status: SegmentStatus,
    /// The rule (rule segments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Segments the rule refers to (hex ids).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Whether membership changes with the clock alone.
    #[serde(default)]
    pub time_relative: bool,
    /// Current version, from 1.
    pub version: i64,
    /// Who created it.
    pub owner: String,
    /// Created.
    pub created_at: bson::DateTime,
    /// Who changed it last.
    pub updated_by: String,
    /// Last change.
    pub updated_at: bson::DateTime,
    /// Current members (kept by the membership writers).
    #[serde(default)]
    pub size: i64,
    /// The latest background computation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<ComputeDoc>,
    /// The key websites see for members through the personalization API, when exposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_key: Option<String>,
}

impl SegmentDoc {
    /// A new active segment at version 1: a rule segment with `rule`, a static one without.
    pub fn new(label: SegmentLabel, rule: Option<Rule>, by: &str, now: bson::DateTime) -> Self {
        Self {
            id: ObjectId::new(),
            name: label.name,
            description: label.description,
            kind: if rule.is_some() {
                SegmentKind::Rule
            } else {
                SegmentKind::Static
            },
            status: SegmentStatus::Active,
            depends_on: rule
                .as_ref()
                .map(Rule::referenced_segments)
                .unwrap_or_default(),
            time_relative: rule.as_ref().is_some_and(Rule::is_time_relative),
            rule,
            version: 1,
            owner: by.to_owned(),
            created_at: now,
            updated_by: by.to_owned(),
            updated_at: now,
            size: 0,
            compute: None,
            exposed_key: None,
        }
    }
}

/// Progress of a background computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeDoc {
    /// `queued`, `running`, `done`, `failed`.
    pub state: String,
    /// Profiles written.
    pub done: i64,
    /// Profiles to write.
    pub total: i64,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The version computed.
    pub version: i64,
}

impl From<&ComputeDoc> for ComputeProgress {
    fn from(doc: &ComputeDoc) -> Self {
        Self {
            state: doc.state.clone(),
            done: u64::try_from(doc.done).unwrap_or(0),
            total: u64::try_from(doc.total).unwrap_or(0),
            error: doc.error.clone(),
        }
    }
}

/// One saved version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDoc {
    /// `segmentId:version`.
    #[serde(rename = "_id")]
    pub id: String,
    /// Segment id.
    pub segment_id: ObjectId,
    /// Version number.
    pub version: i64,
    /// Name then.
    pub name: String,
    /// Description then.
    pub description: String,
    /// The rule in words then (for diffs).
    pub rule_text: String,
    /// The rule then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Who saved it.
    pub by: String,
    /// When.
    pub at: bson::DateTime,
}

/// One size sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeDoc {
    /// Segment id.
    pub segment_id: ObjectId,
    /// When.
    pub at: bson::DateTime,
    /// Members then.
    pub size: i64,
}

/// Repository over the three collections.
#[derive(Clone, Debug)]
pub struct Segments {
    segments: Collection<SegmentDoc>,
    versions: Collection<VersionDoc>,
    sizes: Collection<SizeDoc>,
}

impl Segments {
    /// The repository for `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            segments: db.collection(COLLECTION),
            versions: db.collection(VERSIONS),
            sizes: db.collection(SIZES),
        }
    }

    /// Segment `id`.
    pub async fn get(&self, id: ObjectId) -> Result<Option<SegmentDoc>, AppError> {
        Ok(self.segments.find_one(doc! { "_id": id }).await?)
    }

    /// Every segment (active first, then by name).
    pub async fn all(&self) -> Result<Vec<SegmentDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "status": 1, "name": 1 })
            .build();
        Ok(self
            .segments
            .find(doc! {})
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Active segments.
    pub async fn active(&self) -> Result<Vec<SegmentDoc>, AppError> {
        Ok(self
            .segments
            .find(doc! { "status": "active" })
            .await?
            .try_collect()
            .await?)
    }

    /// Stores a new segment and its first version.
    pub async fn insert(&self, segment: &SegmentDoc, version: &VersionDoc) -> Result<(), AppError> {
        self.segments.insert_one(segment).await?;
        self.versions.insert_one(version).await?;
        Ok(())
    }

    /// Replaces the definition if it is still at `version.version - 1`; `false` when someone
    /// saved in between.
    pub async fn update(
        &self,
        segment: &SegmentDoc,
        version: &VersionDoc,
    ) -> Result<bool, AppError> {
        let result = self
            .segments
            .replace_one(
                doc! { "_id": segment.id, "version": segment.version - 1 },
                segment,
            )
            .await?;
        if result.matched_count == 0 {
            return Ok(false);
        }
        self.versions.insert_one(version).await?;
        Ok(true)
    }

    /// Exposes the segment to websites under `key`, or stops (`None`).
    pub async fn set_exposed_key(&self, id: ObjectId, key: Option<&str>) -> Result<(), AppError> {
        let change = match key {
            Some(key) => doc! { "$set": { "exposed_key": key } },
            None => doc! { "$unset": { "exposed_key": "" } },
        };
        self.segments.update_one(doc! { "_id": id }, change).await?;
        Ok(())
    }

    /// Active segments exposed to websites: (id, key).
    pub async fn exposed(&self) -> Result<Vec<(ObjectId, String)>, AppError> {
        let filter = doc! { "status": "active", "exposed_key": { "$exists": true } };
        let found: Vec<SegmentDoc> = self.segments.find(filter).await?.try_collect().await?;
        Ok(found
            .into_iter()
            .filter_map(|s| Some((s.id, s.exposed_key?)))
            .collect())
    }

    /// Sets the status.
    pub async fn set_status(&self, id: ObjectId, status: SegmentStatus) -> Result<(), AppError> {
        self.segments
            .update_one(
                doc! { "_id": id },
                doc! { "$set": { "status": bson::to_bson(&status).map_err(AppError::internal)? } },
            )
            .await?;
        Ok(())
    }

    /// Records computation progress.
    pub async fn set_compute(&self, id: ObjectId, compute: &ComputeDoc) -> Result<(), AppError> {
        let compute = bson::to_bson(compute).map_err(AppError::internal)?;
        self.segments
            .update_one(doc! { "_id": id }, doc! { "$set": { "compute": compute } })
            .await?;
        Ok(())
    }

    /// Sets the size after a full computation.
    pub async fn set_size(&self, id: ObjectId, size: i64) -> Result<(), AppError> {
        self.segments
            .update_one(doc! { "_id": id }, doc! { "$set": { "size": size } })
            .await?;
        Ok(())
    }

    /// Adjusts the size by `delta` after single-profile transitions.
    pub async fn add_size(&self, id: ObjectId, delta: i64) -> Result<(), AppError> {
        self.segments
            .update_one(doc! { "_id": id }, doc! { "$inc": { "size": delta } })
            .await?;
        Ok(())
    }

    /// Versions of segment `id`, newest first.
    pub async fn versions(&self, id: ObjectId) -> Result<Vec<VersionDoc>, AppError> {
        let options = FindOptions::builder().sort(doc! { "version": -1 }).build();
        Ok(self
            .versions
            .find(doc! { "segment_id": id })
            .with_options(options)
            .await?
            .try_collect()
            .await?)
    }

    /// Records a size sample.
    pub async fn sample_size(
        &self,
        id: ObjectId,
        size: i64,
        at: bson::DateTime,
    ) -> Result<(), AppError> {
        self.sizes
            .insert_one(SizeDoc {
                segment_id: id,
                at,
                size,
            })
            .await?;
        Ok(())
    }

    /// The newest `limit` size samples of segment `id`, oldest first.
    pub async fn sizes(&self, id: ObjectId, limit: i64) -> Result<Vec<SizeDoc>, AppError> {
        let options = FindOptions::builder()
            .sort(doc! { "at": -1 })
            .limit(limit)
            .build();
        let mut newest: Vec<SizeDoc> = self
            .sizes
            .find(doc! { "segment_id": id })
            .with_options(options)
            .await?
            .try_collect()
            .await?;
        newest.reverse();
        Ok(newest)
    }
}
