//! What a batch carries from one message to the next: where its identifiers led, and the
//! profiles it changed, held in memory and written once before each chunk of events (an SDK's
//! batch is mostly one person: one write instead of one per message). Profiles are always
//! written before their events, so a crash leaves nothing acknowledged half-applied.
use crate::{
    error::AppError,
    server::{
        catalog::{CatalogBatch, trait_paths},
        db::{
            profile_doc::{IdentityEntry, ProfileDoc, ProfileStatus},
            profiles::Edit,
        },
        enrich::{Touch, apply, computed, event_matches},
        identity::{IdentityGraph, identifiers::Identifier, resolve::Resolution},
        ingest::message::Message,
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A message applied in memory, to re-apply if the profile changed underneath.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The message's place in the batch.
    pub index: usize,
    /// The identifiers it attached.
    pub attached: Vec<Identifier>,
}

/// A profile changed since its last write: its trait paths then, and what changed it.
#[derive(Debug, Default)]
struct Pending {
    before: BTreeSet<String>,
    applied: Vec<Applied>,
}

/// The batch's memory.
#[derive(Debug, Default)]
pub struct BatchState {
    /// Field catalog changes, written once at the end.
    pub catalog: CatalogBatch,
    /// The product catalog entries the batch's e-commerce events name.
    pub links: crate::server::products::links::Linker,
    owners: HashMap<String, ObjectId>,
    docs: HashMap<ObjectId, ProfileDoc>,
    pending: HashMap<ObjectId, Pending>,
}

/// The message key for exactly-once bookkeeping (also the stored event's id).
pub fn message_key(source_id: ObjectId, message: &Message) -> String {
    crate::server::db::events::event_key(source_id, &message.message_id)
}

impl BatchState {
    /// A batch whose e-commerce events link to the products `links` knows.
    pub fn with_links(links: crate::server::products::links::Linker) -> Self {
        Self {
            links,
            ..Self::default()
        }
    }

    /// A message whose identifiers all led to one profile earlier in the batch needs no
    /// resolution: it continues from that profile as the batch holds it.
    pub fn recall(&mut self, ids: &[Identifier]) -> Option<Resolution> {
        let owner = *self.owners.get(&ids.first()?.key())?;
        if !ids
            .iter()
            .all(|id| self.owners.get(&id.key()) == Some(&owner))
        {
            return None;
        }
        let doc = self.docs.remove(&owner)?;
        let attached = ids.to_vec();
        Some(Resolution {
            profile: Some(owner),
            attached,
            refused: Vec::new(),
            merged: false,
            doc: Some(doc),
        })
    }

    /// Notes that `ids` led to `profile`.
    pub fn remember(&mut self, ids: &[Identifier], profile: ObjectId) {
        for id in ids {
            self.owners.insert(id.key(), profile);
        }
    }

    /// Forgets where identifiers led (after a merge they may point at an absorbed profile).
    pub fn forget(&mut self) {
        self.owners.clear();
        self.docs.clear();
    }

    /// The profile as the batch holds it.
    pub fn take(&mut self, id: ObjectId) -> Option<ProfileDoc> {
        self.docs.remove(&id)
    }

    /// Whether `id` has changes not yet written.
    pub fn is_pending(&self, id: ObjectId) -> bool {
        self.pending.contains_key(&id)
    }

    /// Keeps `profile` (changed by message `index` if `changed`) until the next write.
    pub fn hold(
        &mut self,
        profile: ProfileDoc,
        before: BTreeSet<String>,
        changed: Option<(usize, &[Identifier])>,
    ) {
        if let Some((index, attached)) = changed {
            let pending = self.pending.entry(profile.id).or_insert_with(|| Pending {
                before,
                applied: Vec::new(),
            });
            pending.applied.push(Applied {
                index,
                attached: attached.to_vec(),
            });
        }
        self.docs.insert(profile.id, profile);
    }

    /// Writes every changed profile (revision-checked; on a conflict the batch's messages are
    /// applied again to the stored profile, following a merge if there was one).
    pub async fn write(
        &mut self,
        graph: &IdentityGraph,
        source: (ObjectId, &str),
        messages: &[Message],
    ) -> Result<(), AppError> {
        for (id, pending) in std::mem::take(&mut self.pending) {
            // A changed profile is always held: `recall` and `take` hand it out only to be
            // held again. Reading it back would lose the batch's changes.
            let mut profile = self
                .docs
                .remove(&id)
                .ok_or_else(|| AppError::internal(format!("changed profile {id} not held")))?;
            let mut before = pending.before;
            if !graph.profiles.replace(&mut profile).await? {
                (before, profile) = reapply(graph, id, source, messages, &pending.applied).await?;
            }
            self.catalog
                .profile_changed(&before, &trait_paths(&profile));
            if profile.status == ProfileStatus::Live {
                self.docs.insert(profile.id, profile);
            }
        }
        Ok(())
    }
}

/// Applies `applied` again to profile `id` as stored now (following a merge if there was one)
/// until the revision-checked write lands; its trait paths before, and the profile written.
pub async fn reapply(
    graph: &IdentityGraph,
    id: ObjectId,
    source: (ObjectId, &str),
    messages: &[Message],
    applied: &[Applied],
) -> Result<(BTreeSet<String>, ProfileDoc), AppError> {
    loop {
        let (before, written) = graph
            .must_modify(graph.live_profile_id(id).await?, |profile| {
                if profile.status == ProfileStatus::Merged {
                    // Merged since it was looked up: the messages go to the survivor.
                    return Edit::Keep(None);
                }
                let before = trait_paths(profile);
                for message in applied {
                    apply_message(
                        graph,
                        profile,
                        source,
                        &messages[message.index],
                        &message.attached,
                    );
                }
                Edit::Write(Some(before))
            })
            .await?;
        if let Some(before) = before {
            return Ok((before, written));
        }
    }
}

/// Applies one message to a profile in memory, listing its identifiers; whether anything changed.
pub fn apply_message(
    graph: &IdentityGraph,
    profile: &mut ProfileDoc,
    (source_id, source): (ObjectId, &str),
    message: &Message,
    attached: &[Identifier],
) -> bool {
    let key = message_key(source_id, message);
    let touch = Touch {
        message,
        source,
        key: &key,
    };
    let added = record_identities(profile, attached, touch);
    let applied = apply(profile, touch, &graph.policy, &graph.retention());
    if applied {
        let kept = graph.kept();
        computed::observe(profile, touch, &kept.computed, chrono::Utc::now());
        event_matches::observe(profile, touch, &kept.matchers, &graph.retention());
    }
    added || applied
}

fn record_identities(profile: &mut ProfileDoc, attached: &[Identifier], touch: Touch<'_>) -> bool {
    let known: HashSet<String> = profile.identities.iter().map(|i| i.key.clone()).collect();
    let mut added = false;
    for id in attached.iter().filter(|id| !known.contains(&id.key())) {
        profile.identities.push(IdentityEntry {
            key: id.key(),
            kind: id.kind.as_str().to_owned(),
            value: id.value.clone(),
            source: touch.source.to_owned(),
            at: bson::DateTime::from_chrono(touch.message.timestamp),
        });
        added = true;
    }
    added
}
