//! Events leaving retention: each is folded into its home profile's baseline before it is
//! deleted, as one holding of the identity lease, so an unmerge never reads a baseline without
//! the events it was folded from, nor finds events gone that no baseline holds.
use super::{IdentityGraph, graph::KeptRules};
use crate::{
    error::AppError,
    server::{
        db::{baselines::BaselineDoc, events::EventDoc, profile_doc::ProfileDoc},
        enrich::{Touch, apply, computed, event_matches},
    },
};
use mongodb::bson::oid::ObjectId;
use std::collections::{BTreeMap, HashMap, HashSet};

impl IdentityGraph {
    /// Folds the events `ids` into their home profiles' baselines, then deletes them; how many
    /// were deleted.
    pub async fn expire_events(&self, ids: Vec<String>) -> Result<u64, AppError> {
        self.lease.hold(self.expire_held(ids)).await
    }

    async fn expire_held(&self, ids: Vec<String>) -> Result<u64, AppError> {
        // Exclusive, as an unmerge's rebuild: no batch is half-way through its events.
        let _no_ingest = self.rebuild_lock.write().await;
        let kept = self.load_kept().await?;
        // Read again under the lease: what was forgotten or moved since the sweep listed them
        // is as it is now.
        let expired = self.events.by_ids(&ids).await?;
        let mut by_home: BTreeMap<ObjectId, Vec<&EventDoc>> = BTreeMap::new();
        for event in &expired {
            if let Some(home) = event.home_profile_id {
                by_home.entry(home).or_default().push(event);
            }
        }
        let homes: Vec<ObjectId> = by_home.keys().copied().collect();
        let mut stored: HashMap<ObjectId, BaselineDoc> = self
            .baselines
            .of_homes(&homes)
            .await?
            .into_iter()
            .map(|b| (b.home, b))
            .collect();
        for (home, events) in by_home {
            let baseline = stored.remove(&home);
            let baseline = self.fold(&kept, home, baseline, &events);
            self.lease.check()?;
            self.baselines.put(&baseline).await?;
        }
        self.lease.check()?;
        let ids: Vec<String> = expired.into_iter().map(|e| e.id).collect();
        self.events.delete_ids(&ids).await
    }

    /// `baseline` (or a new one) with `events` folded in, as ingestion would apply them.
    fn fold(
        &self,
        kept: &KeptRules,
        home: ObjectId,
        baseline: Option<BaselineDoc>,
        events: &[&EventDoc],
    ) -> BaselineDoc {
        let (retention, now) = (self.retention(), chrono::Utc::now());
        let mut baseline = baseline.unwrap_or_else(|| BaselineDoc {
            home,
            profile: ProfileDoc::new(home, events[0].received_at),
            last_folded: Vec::new(),
            events: 0,
        });
        // Folded by a batch that stopped before deleting them: already in.
        let folded_before: HashSet<String> = std::mem::take(&mut baseline.last_folded)
            .into_iter()
            .collect();
        for event in events {
            baseline.last_folded.push(event.id.clone());
            if folded_before.contains(&event.id) {
                continue;
            }
            let touch = Touch {
                message: &event.message,
                source: &event.source,
                key: &event.id,
            };
            let profile = &mut baseline.profile;
            if apply(profile, touch, &self.policy, &retention) {
                computed::observe(profile, touch, &kept.computed, now);
                event_matches::observe(profile, touch, &kept.matchers, &retention);
                baseline.events += 1;
            }
        }
        baseline
    }
}
