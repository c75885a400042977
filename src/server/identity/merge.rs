//! Merging two live profiles. Without transactions, a merge is a recorded sequence of
//! idempotent steps: a crash part-way leaves a `started` record that start-up finishes.
use super::IdentityGraph;
use crate::server::db::profiles::Edit;
use crate::{
    error::AppError,
    server::{
        catalog::{CatalogBatch, trait_paths},
        db::{
            merges::{MergeDoc, MergeState},
            profile_doc::{ProfileDoc, ProfileStatus},
        },
        enrich::{combine, computed},
    },
};
use mongodb::bson::{self, oid::ObjectId};

impl IdentityGraph {
    /// Merges live profiles `a` and `b`; the older survives. Returns the survivor.
    pub async fn merge(
        &self,
        a: ObjectId,
        b: ObjectId,
        reason: &str,
    ) -> Result<ObjectId, AppError> {
        Ok(self.merge_recorded(a, b, reason).await?.0)
    }

    /// [`Self::merge`], also returning the merge's id and the profile it absorbed (`None` when
    /// `a` and `b` already were one profile), for callers that audit it or offer its undo.
    /// The absorbed profile may be neither `a` nor `b`: either may have been merged before.
    pub async fn merge_recorded(
        &self,
        a: ObjectId,
        b: ObjectId,
        reason: &str,
    ) -> Result<(ObjectId, Option<(ObjectId, ObjectId)>), AppError> {
        self.lease.hold(self.merge_held(a, b, reason)).await
    }

    async fn merge_held(
        &self,
        a: ObjectId,
        b: ObjectId,
        reason: &str,
    ) -> Result<(ObjectId, Option<(ObjectId, ObjectId)>), AppError> {
        let _serial = self.merge_lock.lock().await;
        let a = self.live_profile_id(a).await?;
        let b = self.live_profile_id(b).await?;
        if a == b {
            return Ok((a, None));
        }
        let (first, second) = (self.must_get(a).await?, self.must_get(b).await?);
        let (survivor, absorbed) = if (first.created_at, first.id) <= (second.created_at, second.id)
        {
            (first, second)
        } else {
            (second, first)
        };
        let mut identity_keys: Vec<String> =
            absorbed.identities.iter().map(|i| i.key.clone()).collect();
        for claimed in self.identities.of_profile(absorbed.id).await? {
            if !identity_keys.contains(&claimed.key) {
                identity_keys.push(claimed.key);
            }
        }
        let record = MergeDoc {
            id: ObjectId::new(),
            survivor: survivor.id,
            absorbed: absorbed.id,
            survivor_before: survivor,
            absorbed_before: absorbed,
            identity_keys,
            reason: reason.to_owned(),
            state: MergeState::Started,
            at: bson::DateTime::now(),
            undone_at: None,
        };
        self.lease.check()?;
        self.merges.insert(&record).await?;
        self.finish_merge(&record).await?;
        tracing::info!(survivor = %record.survivor, absorbed = %record.absorbed, %reason, "merged profiles");
        Ok((record.survivor, Some((record.id, record.absorbed))))
    }

    /// The merge's steps, each safe to repeat.
    pub async fn finish_merge(&self, record: &MergeDoc) -> Result<(), AppError> {
        let mut catalog = CatalogBatch::default();
        let absorbed = self
            .mark_merged(record.absorbed, record.survivor, &mut catalog)
            .await?;
        let retention = self.retention();
        let kept = self.load_kept().await?;
        let now = chrono::Utc::now();
        let (before, survivor) = self
            .must_modify(record.survivor, |survivor| {
                if survivor.absorbed.contains(&absorbed.id) {
                    return Edit::Keep(None);
                }
                let before = trait_paths(survivor);
                combine(survivor, &absorbed, &self.policy, &retention);
                computed::refresh(survivor, &kept.computed, now);
                Edit::Write(Some(before))
            })
            .await?;
        if let Some(before) = before {
            catalog.profile_changed(&before, &trait_paths(&survivor));
        }
        catalog.flush(&self.fields).await?;
        self.identities
            .repoint_all(record.absorbed, record.survivor)
            .await?;
        self.events
            .repoint_all(record.absorbed, record.survivor)
            .await?;
        self.merges
            .advance(record.id, MergeState::Started, MergeState::Done)
            .await?;
        Ok(())
    }

    /// Marks `id` merged into `survivor`; concurrent writers to it then fail their revision
    /// check and re-resolve to the survivor. Returns the profile as marked.
    async fn mark_merged(
        &self,
        id: ObjectId,
        survivor: ObjectId,
        catalog: &mut CatalogBatch,
    ) -> Result<ProfileDoc, AppError> {
        let (before, profile) = self
            .must_modify(id, |profile| {
                if profile.status == ProfileStatus::Merged {
                    return Edit::Keep(None);
                }
                let before = trait_paths(profile);
                profile.status = ProfileStatus::Merged;
                profile.merged_into = Some(survivor);
                Edit::Write(Some(before))
            })
            .await?;
        if let Some(before) = before {
            catalog.profile_changed(&before, &trait_paths(&profile));
        }
        Ok(profile)
    }

    /// [`Profiles::modify`] of profile `id`, which must exist.
    pub async fn must_modify<T>(
        &self,
        id: ObjectId,
        edit: impl FnMut(&mut ProfileDoc) -> Edit<T>,
    ) -> Result<(T, ProfileDoc), AppError> {
        self.profiles
            .modify(id, edit)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: format!("profile {id}"),
            })
    }

    /// Profile `id`, which must exist.
    pub async fn must_get(&self, id: ObjectId) -> Result<ProfileDoc, AppError> {
        self.profiles
            .get(id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: format!("profile {id}"),
            })
    }

    /// Finishes merges and unmerges a crash interrupted.
    pub async fn recover(&self) -> Result<usize, AppError> {
        // Under the lease: a merge another instance is running is finished by it, not here.
        self.lease.hold(self.recover_held()).await
    }

    async fn recover_held(&self) -> Result<usize, AppError> {
        let started = self.merges.in_state(MergeState::Started).await?;
        let undoing = self.merges.in_state(MergeState::Undoing).await?;
        for record in &started {
            self.finish_merge(record).await?;
        }
        for record in &undoing {
            self.finish_unmerge(record).await?;
        }
        Ok(started.len() + undoing.len())
    }
}
