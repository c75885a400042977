//! One pass over up to [`APPLIED_MEMORY`] messages: every identifier's owner and those profiles
//! read at once, each message planned (the same pure `plan`) and applied in memory in order,
//! then new profiles, claims and changed profiles written in a few commands, whatever the number
//! of people. A message that would merge profiles ends the pass: the merge machinery takes it on
//! its own. A claim lost to another writer sends the pass's messages down the
//! message-by-message path instead (nothing of the pass is written but the undone claims).
//!
//! [`APPLIED_MEMORY`]: crate::server::db::profile_doc::APPLIED_MEMORY
use super::{
    batch::{Applied, apply_message, reapply},
    message::{Message, MessageType},
};
use crate::{
    error::AppError,
    server::{
        catalog::{CatalogBatch, trait_paths},
        db::{
            identities::IdentityDoc, profile_doc::ProfileDoc, profile_writes::ProfileWrite,
            sources::SourceDoc,
        },
        identity::{
            IdentityGraph,
            identifiers::{Identifier, IdentityKind},
            plan::{Refusal, Target, plan},
            resolve::candidate_of,
        },
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::{BTreeSet, HashMap};

/// A live profile the pass holds.
struct Held {
    /// As read; `None` for a profile the pass creates.
    stored: Option<ProfileDoc>,
    /// As the pass's messages left it.
    doc: ProfileDoc,
    /// The messages that changed it, to apply again if someone wrote it meanwhile.
    applied: Vec<Applied>,
}

/// What planning one message gave.
pub enum Step {
    /// Where the message went: its live profile (`None` when every identifier was refused or
    /// blocked) and the identifiers refused.
    Planned {
        /// The live profile.
        profile: Option<ObjectId>,
        /// Identifiers refused, and why.
        refused: Vec<(Identifier, Refusal)>,
    },
    /// The message merges profiles: it must go through the merge machinery on its own.
    Alone,
}

/// The pass's memory.
pub struct Pass<'a> {
    graph: &'a IdentityGraph,
    source: &'a SourceDoc,
    messages: &'a [Message],
    owners: HashMap<String, ObjectId>,
    held: HashMap<ObjectId, Held>,
    claims: Vec<IdentityDoc>,
}

impl<'a> Pass<'a> {
    /// Reads the owners of every identifier the `chosen` messages carry, and those profiles.
    pub async fn read(
        graph: &'a IdentityGraph,
        source: &'a SourceDoc,
        messages: &'a [Message],
        chosen: &[usize],
    ) -> Result<Self, AppError> {
        let mut keys: Vec<String> = Vec::new();
        for index in chosen {
            let message = &messages[*index];
            keys.extend(
                graph
                    .policy
                    .identifiers_of(message)
                    .iter()
                    .map(Identifier::key),
            );
            let (as_user, as_anonymous) = previous_ids(graph, message);
            keys.extend(as_user.iter().chain(&as_anonymous).map(Identifier::key));
        }
        keys.sort();
        keys.dedup();
        let (owners, docs) = graph.live_owners(&keys).await?;
        let held = docs
            .into_iter()
            .map(|(id, doc)| {
                let held = Held {
                    stored: Some(doc.clone()),
                    doc,
                    applied: Vec::new(),
                };
                (id, held)
            })
            .collect();
        Ok(Self {
            graph,
            source,
            messages,
            owners,
            held,
            claims: Vec::new(),
        })
    }

    /// Plans message `index` against the pass's memory and applies it there.
    pub fn plan(&mut self, index: usize) -> Step {
        let message = &self.messages[index];
        let ids = self.identifiers(message);
        let explicit = message.kind == MessageType::Alias;
        let candidates = ids
            .iter()
            .filter_map(|id| self.owners.get(&id.key()))
            .filter_map(|owner| Some((*owner, candidate_of(&self.held.get(owner)?.doc))))
            .collect();
        let plan = plan(
            &ids,
            &self.owners,
            &candidates,
            &self.graph.limits,
            explicit,
        );
        if !plan.merge.is_empty() {
            return Step::Alone;
        }
        let refused = plan.refused.clone();
        let attached = plan.attached(&ids);
        let target = match plan.target {
            Target::Existing(id) if self.held.contains_key(&id) => id,
            // An owner whose profile could not be read: the careful path sorts it out.
            Target::Existing(_) => return Step::Alone,
            Target::New if plan.claim.is_empty() => {
                return Step::Planned {
                    profile: None,
                    refused,
                };
            }
            Target::New => {
                let id = ObjectId::new();
                let doc = ProfileDoc::new(id, bson::DateTime::now());
                let held = Held {
                    stored: None,
                    doc,
                    applied: Vec::new(),
                };
                self.held.insert(id, held);
                id
            }
        };
        for claimed in &plan.claim {
            self.owners.insert(claimed.key(), target);
            self.claims.push(IdentityDoc {
                key: claimed.key(),
                profile_id: target,
                source: self.source.name.clone(),
                at: bson::DateTime::now(),
            });
        }
        let held = self.held.get_mut(&target).expect("the target is held");
        let source = (self.source.id, self.source.name.as_str());
        if apply_message(self.graph, &mut held.doc, source, message, &attached) {
            held.applied.push(Applied { index, attached });
        }
        Step::Planned {
            profile: Some(target),
            refused,
        }
    }

    /// The message's identifiers; for an alias, `previousId` as whichever kind it already is.
    fn identifiers(&self, message: &Message) -> Vec<Identifier> {
        let mut ids = self.graph.policy.identifiers_of(message);
        let (as_user, as_anonymous) = previous_ids(self.graph, message);
        let known_user = as_user
            .as_ref()
            .is_some_and(|id| self.owners.contains_key(&id.key()));
        ids.extend(if known_user { as_user } else { as_anonymous });
        ids
    }

    /// Writes what the pass did: new profiles, then claims, then changed profiles (each
    /// revision-checked; one written meanwhile gets its messages applied again). `false` when a
    /// claim was lost: the claims are undone and nothing else is written.
    pub async fn write(self, catalog: &mut CatalogBatch) -> Result<bool, AppError> {
        let graph = self.graph;
        let (mut created, mut changed) = (Vec::new(), Vec::new());
        for held in self.held.into_values() {
            match held.stored {
                None => created.push(held.doc),
                Some(stored) if !held.applied.is_empty() => changed.push((
                    ProfileWrite {
                        before: stored,
                        after: held.doc,
                    },
                    held.applied,
                )),
                Some(_) => {}
            }
        }
        graph.profiles.insert_many(&mut created).await?;
        let lost = graph.identities.claim(&self.claims).await?;
        if !lost.is_empty() {
            undo_claims(graph, &self.claims, &lost, &created).await?;
            return Ok(false);
        }
        for profile in &created {
            catalog.profile_changed(&BTreeSet::new(), &trait_paths(profile));
        }
        let (mut writes, applied): (Vec<ProfileWrite>, Vec<Vec<Applied>>) =
            changed.into_iter().unzip();
        let moved = graph.profiles.update_many(&mut writes).await?;
        for (write, applied) in writes.iter().zip(&applied) {
            if moved.contains(&write.after.id) {
                let source = (self.source.id, self.source.name.as_str());
                let (before, after) =
                    reapply(graph, write.before.id, source, self.messages, applied).await?;
                catalog.profile_changed(&before, &trait_paths(&after));
            } else {
                catalog.profile_changed(&trait_paths(&write.before), &trait_paths(&write.after));
            }
        }
        Ok(true)
    }
}

/// Gives back the claims that were won when some were lost, and the profiles made for them.
async fn undo_claims(
    graph: &IdentityGraph,
    claims: &[IdentityDoc],
    lost: &[String],
    created: &[ProfileDoc],
) -> Result<(), AppError> {
    let mut won: HashMap<ObjectId, Vec<String>> = HashMap::new();
    for claim in claims.iter().filter(|c| !lost.contains(&c.key)) {
        won.entry(claim.profile_id)
            .or_default()
            .push(claim.key.clone());
    }
    for (profile, keys) in won {
        graph.identities.release(&keys, profile).await?;
    }
    let ids: Vec<ObjectId> = created.iter().map(|p| p.id).collect();
    graph.profiles.delete_unused_many(&ids).await
}

/// An alias's `previousId` read as a user id and as an anonymous id.
fn previous_ids(
    graph: &IdentityGraph,
    message: &Message,
) -> (Option<Identifier>, Option<Identifier>) {
    match message.previous_id.as_deref() {
        Some(previous) => (
            graph.policy.normalise(IdentityKind::UserId, previous),
            graph.policy.normalise(IdentityKind::AnonymousId, previous),
        ),
        None => (None, None),
    }
}
