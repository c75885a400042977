//! Undoing a merge: the absorbed profile comes back as it was, its identifiers and events
//! return to it, and the survivor is rebuilt from the events it keeps (after the baselines of
//! what retention deleted of them).
use super::{IdentityGraph, graph::KeptRules};
use crate::model::computed::ComputedTraitDef;
use crate::server::db::profiles::Edit;
use crate::{
    error::AppError,
    server::{
        catalog::{CatalogBatch, trait_paths},
        db::{
            identities::IdentityDoc,
            merges::{MergeDoc, MergeState},
            profile_doc::{IdentityEntry, ProfileDoc, ProfileStatus},
        },
        enrich::{Touch, apply, combine, computed, event_matches},
    },
};
use mongodb::bson::oid::ObjectId;

impl IdentityGraph {
    /// Undoes merge `merge_id`; the two profiles are never merged again automatically.
    pub async fn unmerge(&self, merge_id: ObjectId) -> Result<MergeDoc, AppError> {
        self.lease.hold(self.unmerge_held(merge_id)).await
    }

    async fn unmerge_held(&self, merge_id: ObjectId) -> Result<MergeDoc, AppError> {
        // Exclusive first, then the merge lock: ingestion takes them in the same order.
        let _no_ingest = self.rebuild_lock.write().await;
        let _serial = self.merge_lock.lock().await;
        let record = self
            .merges
            .get(merge_id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: format!("merge {merge_id}"),
            })?;
        if record.state != MergeState::Done {
            return Err(AppError::Conflict {
                field: "merge".into(),
                message: "this merge is not in effect (already undone or still running)".into(),
            });
        }
        let survivor = self.must_get(record.survivor).await?;
        if survivor.status != ProfileStatus::Live {
            return Err(AppError::Conflict {
                field: "merge".into(),
                message: "the surviving profile was merged again since; undo that merge first"
                    .into(),
            });
        }
        self.lease.check()?;
        self.merges
            .advance(record.id, MergeState::Done, MergeState::Undoing)
            .await?;
        self.finish_unmerge(&record).await?;
        tracing::info!(survivor = %record.survivor, restored = %record.absorbed, "unmerged profiles");
        Ok(record)
    }

    /// The unmerge's steps, each safe to repeat.
    pub async fn finish_unmerge(&self, record: &MergeDoc) -> Result<(), AppError> {
        let mut catalog = CatalogBatch::default();
        let kept = self.load_kept().await?;
        let restored = self
            .restore(
                record.absorbed,
                record.survivor,
                &kept.computed,
                &mut catalog,
            )
            .await?;
        self.identities
            .repoint_keys(&record.identity_keys, record.survivor, restored.id)
            .await?;
        self.sync_identity_list(restored.id).await?;
        let mut homes = vec![restored.id];
        homes.extend(restored.absorbed.iter().copied());
        self.events
            .repoint_homes(record.survivor, &homes, restored.id)
            .await?;
        self.rebuild_survivor(record, &homes, &kept, &mut catalog)
            .await?;
        catalog.flush(&self.fields).await?;
        self.merges
            .advance(record.id, MergeState::Undoing, MergeState::Undone)
            .await?;
        Ok(())
    }

    /// Makes the absorbed profile live again; its identity list is synced with the collection
    /// once its identifiers are given back.
    async fn restore(
        &self,
        id: ObjectId,
        survivor: ObjectId,
        definitions: &[ComputedTraitDef],
        catalog: &mut CatalogBatch,
    ) -> Result<ProfileDoc, AppError> {
        let now = chrono::Utc::now();
        let (restored, profile) = self
            .must_modify(id, |profile| {
                if profile.status == ProfileStatus::Live {
                    return Edit::Keep(false);
                }
                profile.status = ProfileStatus::Live;
                profile.merged_into = None;
                profile.product_memory = None;
                if !profile.separated_from.contains(&survivor) {
                    profile.separated_from.push(survivor);
                }
                // Its states are as they were at the merge: days may have left windows since.
                for definition in definitions {
                    computed::age(profile, definition, now);
                }
                Edit::Write(true)
            })
            .await?;
        if restored {
            catalog.profile_changed(&Default::default(), &trait_paths(&profile));
        }
        Ok(profile)
    }

    /// Makes `id`'s identity list match the collection. The unmerge holds ingestion and
    /// merges off, so the identifiers read first are still the owner's when the list is written.
    async fn sync_identity_list(&self, id: ObjectId) -> Result<(), AppError> {
        let owned = self.identities.of_profile(id).await?;
        self.must_modify(id, |profile| {
            let list = identity_list(profile, &owned);
            if list == profile.identities {
                return Edit::Keep(());
            }
            profile.identities = list;
            Edit::Write(())
        })
        .await?;
        Ok(())
    }

    /// The survivor as the fold of the events it keeps, minus what the restored side brought.
    async fn rebuild_survivor(
        &self,
        record: &MergeDoc,
        homes: &[ObjectId],
        kept: &KeptRules,
        catalog: &mut CatalogBatch,
    ) -> Result<(), AppError> {
        let (now, definitions) = (chrono::Utc::now(), &kept.computed);
        let retention = self.retention();
        // Ingestion is held off: the survivor's identifiers and events stay as read here.
        let owned = self.identities.of_profile(record.survivor).await?;
        let events = self.events.of_profile(record.survivor, None).await?;
        // What retention deleted of the homes it keeps lives on in their baselines.
        let survivor = self.must_get(record.survivor).await?;
        let kept_homes: Vec<ObjectId> = std::iter::once(survivor.id)
            .chain(survivor.absorbed.iter().copied())
            .filter(|id| !homes.contains(id))
            .collect();
        let baselines = self.baselines.of_homes(&kept_homes).await?;
        let folded: std::collections::HashSet<&str> = baselines
            .iter()
            .flat_map(|b| b.last_folded.iter().map(String::as_str))
            .collect();
        let (before, written) = self
            .must_modify(record.survivor, |current| {
                let mut rebuilt = ProfileDoc::new(current.id, current.created_at);
                for baseline in &baselines {
                    combine(&mut rebuilt, &baseline.profile, &self.policy, &retention);
                }
                rebuilt.rev = current.rev;
                rebuilt.identities = identity_list(current, &owned);
                rebuilt.absorbed = current
                    .absorbed
                    .iter()
                    .filter(|id| !homes.contains(id))
                    .copied()
                    .collect();
                rebuilt.separated_from = current.separated_from.clone();
                if !rebuilt.separated_from.contains(&record.absorbed) {
                    rebuilt.separated_from.push(record.absorbed);
                }
                // Values of definitions without a state (none of their events left) are kept.
                rebuilt.computed = current.computed.clone();
                for event in &events {
                    let key = format!("{}:{}", event.source_id, event.message_id);
                    if folded.contains(key.as_str()) {
                        // A sweep folded it and stopped before deleting it.
                        continue;
                    }
                    let touch = Touch {
                        message: &event.message,
                        source: &event.source,
                        key: &key,
                    };
                    if apply(&mut rebuilt, touch, &self.policy, &retention) {
                        computed::observe(&mut rebuilt, touch, definitions, now);
                        event_matches::observe(&mut rebuilt, touch, &kept.matchers, &retention);
                    }
                }
                // States that came only from baselines have no value set yet.
                computed::refresh(&mut rebuilt, definitions, now);
                for definition in definitions {
                    if !rebuilt.computed_state.contains_key(&definition.name)
                        && current.computed_state.contains_key(&definition.name)
                    {
                        // Every event it counted went back with the restored profile.
                        computed::replace(&mut rebuilt, definition, Default::default(), now);
                    }
                }
                let before = trait_paths(current);
                *current = rebuilt;
                Edit::Write(before)
            })
            .await?;
        catalog.profile_changed(&before, &trait_paths(&written));
        Ok(())
    }
}

/// `owned` (the `identities` collection's entries for `profile`, the source of truth) as its
/// identity list, keeping the details of entries it already lists.
fn identity_list(profile: &ProfileDoc, owned: &[IdentityDoc]) -> Vec<IdentityEntry> {
    owned
        .iter()
        .map(|doc| {
            let listed = profile.identities.iter().find(|i| i.key == doc.key);
            listed.cloned().unwrap_or_else(|| {
                let (kind, value) = doc.key.split_once(':').unwrap_or(("", &doc.key));
                IdentityEntry {
                    kind: kind.to_owned(),
                    value: value.to_owned(),
                    source: doc.source.clone(),
                    at: doc.at,
                    key: doc.key.clone(),
                }
            })
        })
        .collect()
}
