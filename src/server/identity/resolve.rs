//! Carrying out a [`Plan`](super::plan::Plan): create, claim, merge — retried when a concurrent
//! request claimed an identifier first, so one identifier never ends up on two profiles.
use super::{
    IdentityGraph,
    identifiers::{Identifier, IdentityKind},
    plan::{Candidate, Plan, Refusal, Target, plan},
};
use crate::{
    error::AppError,
    server::db::{
        identities::IdentityDoc,
        profile_doc::{ProfileDoc, ProfileStatus},
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::HashMap;

/// How often resolution restarts after losing a race before giving up (503, retryable).
const MAX_ATTEMPTS: usize = 8;
/// Longest `merged_into` chain followed.
const MAX_CHAIN: usize = 16;

/// Where a message's identifiers led.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The live profile, or `None` when every identifier was blocked or refused.
    pub profile: Option<ObjectId>,
    /// Identifiers now on that profile.
    pub attached: Vec<Identifier>,
    /// Identifiers refused, and why.
    pub refused: Vec<(Identifier, Refusal)>,
    /// Whether profiles were merged to get here.
    pub merged: bool,
}

impl IdentityGraph {
    /// Resolves `ids` to one live profile, creating or merging as needed.
    pub async fn resolve(
        &self,
        ids: &[Identifier],
        source: &str,
        reason: &str,
        explicit: bool,
    ) -> Result<Resolution, AppError> {
        for _ in 0..MAX_ATTEMPTS {
            if let Some(resolution) = self.try_resolve(ids, source, reason, explicit).await? {
                return Ok(resolution);
            }
        }
        Err(AppError::Unavailable {
            message: "identifiers are being changed concurrently; retry".into(),
        })
    }

    /// One attempt; `None` when a concurrent claim got in first.
    async fn try_resolve(
        &self,
        ids: &[Identifier],
        source: &str,
        reason: &str,
        explicit: bool,
    ) -> Result<Option<Resolution>, AppError> {
        let keys: Vec<String> = ids.iter().map(Identifier::key).collect();
        let owners = self.live_owners(&keys).await?;
        let candidates = self.candidates(&owners).await?;
        let plan = plan(ids, &owners, &candidates, &self.limits, explicit);
        let refused = plan.refused.clone();
        let attached: Vec<Identifier> = ids
            .iter()
            .filter(|id| !refused.iter().any(|(r, _)| r == *id))
            .cloned()
            .collect();
        let Some(target) = self.claim(&plan, source).await? else {
            return Ok(None);
        };
        let Some(mut profile) = target else {
            return Ok(Some(Resolution {
                profile: None,
                attached: Vec::new(),
                refused,
                merged: false,
            }));
        };
        for other in &plan.merge {
            profile = self.merge(profile, *other, reason).await?;
        }
        Ok(Some(Resolution {
            profile: Some(profile),
            attached,
            refused,
            merged: !plan.merge.is_empty(),
        }))
    }

    /// Creates the target if new and claims free identifiers for it. `None`: lost a race.
    /// `Some(None)`: nothing to attach to.
    async fn claim(&self, plan: &Plan, source: &str) -> Result<Option<Option<ObjectId>>, AppError> {
        let (target, created) = match plan.target {
            Target::Existing(id) => (id, false),
            Target::New if plan.claim.is_empty() => return Ok(Some(None)),
            Target::New => {
                let profile = ProfileDoc::new(ObjectId::new(), bson::DateTime::now());
                self.profiles.insert(&profile).await?;
                (profile.id, true)
            }
        };
        let docs: Vec<IdentityDoc> = plan
            .claim
            .iter()
            .map(|id| IdentityDoc {
                key: id.key(),
                profile_id: target,
                source: source.to_owned(),
                at: bson::DateTime::now(),
            })
            .collect();
        let lost = self.identities.claim(&docs).await?;
        if lost.is_empty() {
            return Ok(Some(Some(target)));
        }
        let won: Vec<String> = docs
            .iter()
            .map(|d| d.key.clone())
            .filter(|k| !lost.contains(k))
            .collect();
        self.identities.release(&won, target).await?;
        if created {
            self.profiles.delete_unused(target).await?;
        }
        Ok(None)
    }

    /// key → live owner, following merges.
    async fn live_owners(&self, keys: &[String]) -> Result<HashMap<String, ObjectId>, AppError> {
        let mut owners = self.identities.owners(keys).await?;
        for owner in owners.values_mut() {
            *owner = self.live_profile_id(*owner).await?;
        }
        Ok(owners)
    }

    /// The live profile `id` is, or was merged into.
    pub async fn live_profile_id(&self, mut id: ObjectId) -> Result<ObjectId, AppError> {
        for _ in 0..MAX_CHAIN {
            match self.profiles.get(id).await? {
                Some(ProfileDoc {
                    status: ProfileStatus::Merged,
                    merged_into: Some(next),
                    ..
                }) => id = next,
                _ => return Ok(id),
            }
        }
        Err(AppError::internal(format!(
            "merge chain from {id} is too long"
        )))
    }

    async fn candidates(
        &self,
        owners: &HashMap<String, ObjectId>,
    ) -> Result<HashMap<ObjectId, Candidate>, AppError> {
        let mut ids: Vec<ObjectId> = owners.values().copied().collect();
        ids.sort();
        ids.dedup();
        let profiles = self.profiles.get_many(&ids).await?;
        Ok(profiles
            .into_iter()
            .map(|p| {
                let mut counts = HashMap::new();
                for entry in &p.identities {
                    if let Some(kind) = kind_named(&entry.kind) {
                        *counts.entry(kind).or_default() += 1;
                    }
                }
                (
                    p.id,
                    Candidate {
                        counts,
                        separated_from: p.separated_from,
                    },
                )
            })
            .collect())
    }
}

/// The kind an [`IdentityEntry`](crate::server::db::profile_doc::IdentityEntry) names.
pub fn kind_named(name: &str) -> Option<IdentityKind> {
    [
        IdentityKind::UserId,
        IdentityKind::External,
        IdentityKind::Email,
        IdentityKind::Phone,
        IdentityKind::AnonymousId,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}
