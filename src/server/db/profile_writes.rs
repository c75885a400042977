//! Writing many profiles at once: new ones in one `insert`, changed ones in one `update` command
//! whose statements each carry only the changes and are guarded by the revision they were read
//! at. A statement that matched nothing lost to another writer; the caller re-reads those.
use super::{
    profile_derived::refresh_derived,
    profile_doc::{APPLIED_MEMORY, ProfileDoc},
    profile_update::diff,
    profiles::{COLLECTION, Profiles},
};
use crate::error::AppError;
use futures::TryStreamExt;
use mongodb::{
    bson::{self, Document, doc, oid::ObjectId},
    options::FindOptions,
};
use std::collections::HashSet;

/// A profile as read, and as it should become.
#[derive(Debug, Clone)]
pub struct ProfileWrite {
    /// As read (its revision guards the write).
    pub before: ProfileDoc,
    /// As it should become (its revision is set by the write).
    pub after: ProfileDoc,
}

impl Profiles {
    /// Stores new profiles in one command.
    pub async fn insert_many(&self, profiles: &mut [ProfileDoc]) -> Result<(), AppError> {
        if profiles.is_empty() {
            return Ok(());
        }
        profiles.iter_mut().for_each(refresh_derived);
        self.collection.insert_many(&*profiles).await?;
        profiles.iter().for_each(|p| self.changes.notify(p.id));
        Ok(())
    }

    /// Writes every `after` still at its `before` revision, in one command, bumping the
    /// revision; returns the ids whose stored revision had moved on (nothing written for them).
    pub async fn update_many(
        &self,
        writes: &mut [ProfileWrite],
    ) -> Result<Vec<ObjectId>, AppError> {
        if writes.is_empty() {
            return Ok(Vec::new());
        }
        let mut statements = Vec::with_capacity(writes.len());
        for write in writes.iter_mut() {
            write.after.rev = write.before.rev + 1;
            refresh_derived(&mut write.after);
            let before = bson::to_document(&write.before).map_err(AppError::internal)?;
            let after = bson::to_document(&write.after).map_err(AppError::internal)?;
            let update = diff(&before, &after, "applied", APPLIED_MEMORY);
            statements.push(doc! {
                "q": { "_id": write.before.id, "rev": write.before.rev },
                "u": update,
            });
        }
        let matched = super::update_statements(&self.db, COLLECTION, statements, false).await?;
        let lost = if matched == writes.len() {
            HashSet::new()
        } else {
            self.not_at_revision(writes).await?
        };
        for write in writes.iter_mut() {
            if lost.contains(&write.after.id) {
                write.after.rev = write.before.rev;
            } else {
                self.changes.notify(write.after.id);
            }
        }
        Ok(lost.into_iter().collect())
    }

    /// Those of `writes` whose stored revision is not the one just written.
    async fn not_at_revision(
        &self,
        writes: &[ProfileWrite],
    ) -> Result<HashSet<ObjectId>, AppError> {
        let ids: Vec<ObjectId> = writes.iter().map(|w| w.after.id).collect();
        let stored: Vec<Document> = self
            .collection
            .clone_with_type::<Document>()
            .find(doc! { "_id": { "$in": &ids } })
            .with_options(FindOptions::builder().projection(doc! { "rev": 1 }).build())
            .await?
            .try_collect()
            .await?;
        let written: HashSet<ObjectId> = stored
            .iter()
            .filter_map(|d| {
                let id = d.get_object_id("_id").ok()?;
                let rev = d.get_i64("rev").ok()?;
                writes
                    .iter()
                    .any(|w| w.after.id == id && w.after.rev == rev)
                    .then_some(id)
            })
            .collect();
        Ok(ids.into_iter().filter(|id| !written.contains(id)).collect())
    }

    /// Deletes profiles created for claims that were then lost (never written since).
    pub async fn delete_unused_many(&self, ids: &[ObjectId]) -> Result<(), AppError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.collection
            .delete_many(doc! { "_id": { "$in": ids }, "rev": 0_i64 })
            .await?;
        Ok(())
    }

    /// Those of `ids` that are merged now (one read of their status only).
    pub async fn merged_among(&self, ids: &[ObjectId]) -> Result<Vec<ObjectId>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let merged = bson::to_bson(&super::profile_doc::ProfileStatus::Merged)
            .map_err(AppError::internal)?;
        let stored: Vec<Document> = self
            .collection
            .clone_with_type::<Document>()
            .find(doc! { "_id": { "$in": ids } })
            .with_options(
                FindOptions::builder()
                    .projection(doc! { "status": 1 })
                    .build(),
            )
            .await?
            .try_collect()
            .await?;
        Ok(stored
            .iter()
            .filter(|d| d.get("status") == Some(&merged))
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect())
    }
}
