//! Saving segments: validation against the vocabulary and other segments (no cycles), a version
//! per save, duplicate and archive; every save queues a computation of the members.
use super::{SegmentEngine, vocabulary::vocabulary};
use crate::{
    error::AppError,
    model::segment::{SegmentKind, SegmentLabel, SegmentStatus},
    segment::{
        Rule,
        describe::describe_text,
        validate::{check_no_cycle, validate},
    },
    server::db::segments::{SegmentDoc, VersionDoc},
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::BTreeMap;

/// Members changed at most by a save computed before it answers.
const INLINE_COMPUTE_MAX: u64 = 5_000;

/// A save request, checked by [`SegmentEngine::save`].
#[derive(Debug, Clone)]
pub struct SegmentSave {
    /// The segment to change, or `None` to create one.
    pub id: Option<ObjectId>,
    /// The version the editor started from (for updates): a save over a newer one is refused.
    pub base_version: Option<i64>,
    /// Name and description.
    pub label: SegmentLabel,
    /// The rule.
    pub rule: Rule,
}

impl SegmentEngine {
    /// Validates and stores `save` as `by`; returns the segment id.
    pub async fn save(
        &self,
        save: SegmentSave,
        by: &str,
        counter_days: u32,
    ) -> Result<SegmentDoc, AppError> {
        let mut known = vocabulary(&self.graph, counter_days).await?;
        if let Some(id) = save.id {
            // A segment cannot be its own condition, but it is in the list of existing ones.
            known.segments.remove(&id.to_hex());
        }
        validate(&save.rule, &known)?;
        let references = save.rule.referenced_segments();
        let id = save.id.unwrap_or_default();
        let others: BTreeMap<String, Vec<String>> = self
            .segments
            .all()
            .await?
            .into_iter()
            .map(|s| (s.id.to_hex(), s.depends_on))
            .collect();
        check_no_cycle(&id.to_hex(), &references, &others)?;
        let now = bson::DateTime::now();
        let segment = match save.id {
            None => self.create(id, &save, by, now).await?,
            Some(id) => self.update(id, &save, by, now).await?,
        };
        self.compute_after_save(&segment).await?;
        Ok(segment)
    }

    /// Computes a small segment before the save answers, so the page opened next shows its
    /// members and count; a large one is computed in the background, with progress.
    async fn compute_after_save(&self, segment: &SegmentDoc) -> Result<(), AppError> {
        let small = match &segment.rule {
            Some(rule) => {
                let query = self.compiled(rule, chrono::Utc::now()).await?;
                let matching = crate::server::db::analytics::<bson::Document>(
                    &self.db,
                    crate::server::db::profiles::COLLECTION,
                )
                .count_documents(query)
                .await?;
                matching + segment.size.max(0) as u64 <= INLINE_COMPUTE_MAX
            }
            None => false,
        };
        if small && self.compute(segment.id).await.is_ok() {
            return Ok(());
        }
        self.queue_compute(segment.id, segment.version).await
    }

    async fn create(
        &self,
        id: ObjectId,
        save: &SegmentSave,
        by: &str,
        now: bson::DateTime,
    ) -> Result<SegmentDoc, AppError> {
        let segment = SegmentDoc {
            id,
            ..SegmentDoc::new(save.label.clone(), Some(save.rule.clone()), by, now)
        };
        self.segments
            .insert(&segment, &version_of(&segment))
            .await?;
        Ok(segment)
    }

    async fn update(
        &self,
        id: ObjectId,
        save: &SegmentSave,
        by: &str,
        now: bson::DateTime,
    ) -> Result<SegmentDoc, AppError> {
        let stored = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        if stored.kind != SegmentKind::Rule {
            return Err(AppError::invalid(
                "rule",
                "a static segment's members are uploaded, not ruled",
            ));
        }
        if save.base_version.is_some_and(|v| v != stored.version) {
            return Err(AppError::Conflict {
                field: "version".into(),
                message:
                    "someone saved this segment after you opened it; reload to see their version"
                        .into(),
            });
        }
        let segment = SegmentDoc {
            name: save.label.name.clone(),
            description: save.label.description.clone(),
            depends_on: save.rule.referenced_segments(),
            time_relative: save.rule.is_time_relative(),
            rule: Some(save.rule.clone()),
            version: stored.version + 1,
            updated_by: by.to_owned(),
            updated_at: now,
            ..stored
        };
        if !self
            .segments
            .update(&segment, &version_of(&segment))
            .await?
        {
            return Err(AppError::Conflict {
                field: "version".into(),
                message: "someone saved this segment at the same time; reload and try again".into(),
            });
        }
        Ok(segment)
    }

    /// Copies segment `id` (rule and description) under a new name, as `by`.
    pub async fn duplicate(
        &self,
        id: ObjectId,
        by: &str,
        counter_days: u32,
    ) -> Result<SegmentDoc, AppError> {
        let stored = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        let rule = stored
            .rule
            .clone()
            .ok_or_else(|| AppError::invalid("id", "static segments cannot be duplicated"))?;
        let name: String = format!("Copy of {}", stored.name)
            .chars()
            .take(crate::model::segment::NAME_MAX_CHARS)
            .collect();
        let save = SegmentSave {
            id: None,
            base_version: None,
            label: SegmentLabel::parse(&name, &stored.description)?,
            rule,
        };
        self.save(save, by, counter_days).await
    }

    /// Archives (or restores) segment `id`. Archiving empties it; segments whose rules refer to
    /// it keep working with it as empty.
    pub async fn set_archived(&self, id: ObjectId, archived: bool) -> Result<(), AppError> {
        let stored = self.segments.get(id).await?.ok_or_else(|| not_found(id))?;
        let _writer = self.writer.lock().await;
        if archived {
            self.segments
                .set_status(id, SegmentStatus::Archived)
                .await?;
            self.memberships.clear(id).await?;
            self.segments.set_size(id, 0).await?;
        } else {
            self.segments.set_status(id, SegmentStatus::Active).await?;
        }
        drop(_writer);
        if !archived && stored.kind == SegmentKind::Rule {
            self.queue_compute(id, stored.version).await?;
        }
        Ok(())
    }
}

/// A rule without conditions matches everyone: saved only when that was confirmed, so an
/// unfinished builder never becomes a send to the whole database by accident.
pub fn check_everyone(rule: &Rule, confirmed: bool) -> Result<(), AppError> {
    if rule.condition_count() == 0 && !confirmed {
        return Err(AppError::invalid(
            "confirm_everyone",
            "This segment has no conditions, so it includes everyone: tick the box to confirm",
        ));
    }
    Ok(())
}

/// The version record of `segment` as it is now.
pub fn version_of(segment: &SegmentDoc) -> VersionDoc {
    VersionDoc {
        id: format!("{}:{}", segment.id, segment.version),
        segment_id: segment.id,
        version: segment.version,
        name: segment.name.clone(),
        description: segment.description.clone(),
        rule_text: segment.rule.as_ref().map(describe_text).unwrap_or_default(),
        rule: segment.rule.clone(),
        by: segment.updated_by.clone(),
        at: segment.updated_at,
    }
}

/// The error for a segment id that does not exist.
pub fn not_found(id: ObjectId) -> AppError {
    AppError::NotFound {
        what: format!("segment {id}"),
    }
}
