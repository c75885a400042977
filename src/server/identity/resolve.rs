//! Carrying out a [`Plan`](super::plan::Plan): create, claim, merge — retried when a concurrent
//! request claimed an identifier first, so one identifier never ends up on two profiles.
use super::{
    IdentityGraph,
    identifiers::{Identifier, IdentityKind},
    plan::{Candidate, Plan, Refusal, Target, plan},
};
use crate::server::db::profiles::Edit;
use crate::{
    error::AppError,
    server::db::{
        identities::IdentityDoc,
        profile_doc::{IdentityEntry, ProfileDoc, ProfileStatus},
    },
};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::HashMap;

/// How often resolution restarts after losing a race before giving up (503, retryable).
const MAX_ATTEMPTS: usize = 8;
/// Longest `merged_into` chain followed.
const MAX_CHAIN: usize = 16;

/// Where a message's identifiers led.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The live profile, or `None` when every identifier was blocked or refused.
    pub profile: Option<ObjectId>,
    /// Identifiers now on that profile.
    pub attached: Vec<Identifier>,
    /// Identifiers refused, and why.
    pub refused: Vec<(Identifier, Refusal)>,
    /// Whether profiles were merged to get here.
    pub merged: bool,
    /// The profile as read while resolving, when nothing changed it since (saves a read).
    pub doc: Option<ProfileDoc>,
}

/// Identifier key → live profile id.
type Owners = HashMap<String, ObjectId>;
/// Live profiles by id.
type Profiles = HashMap<ObjectId, ProfileDoc>;

impl IdentityGraph {
    /// Resolves `ids` to one live profile, creating or merging as needed.
    pub async fn resolve(
        &self,
        ids: &[Identifier],
        source: &str,
        reason: &str,
        explicit: bool,
    ) -> Result<Resolution, AppError> {
        self.lease
            .hold(self.resolve_held(ids, source, reason, explicit))
            .await
    }

    async fn resolve_held(
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

    /// The plan for `ids` on the data as it is now, and the live profiles it looked at.
    async fn plan_now(
        &self,
        ids: &[Identifier],
        explicit: bool,
    ) -> Result<(Plan, Profiles), AppError> {
        let keys: Vec<String> = ids.iter().map(Identifier::key).collect();
        let (owners, docs) = self.live_owners(&keys).await?;
        let plan = plan(ids, &owners, &candidates(&docs), &self.limits, explicit);
        Ok((plan, docs))
    }

    /// One attempt; `None` when a concurrent claim got in first. A plan that changes nothing
    /// needs no lock; one that claims or merges is made again, and carried out, under it.
    async fn try_resolve(
        &self,
        ids: &[Identifier],
        source: &str,
        reason: &str,
        explicit: bool,
    ) -> Result<Option<Resolution>, AppError> {
        let (mut plan, mut docs) = self.plan_now(ids, explicit).await?;
        let _serial = if plan.claim.is_empty() && plan.merge.is_empty() {
            None
        } else {
            let guard = self.claim_lock.lock().await;
            (plan, docs) = self.plan_now(ids, explicit).await?;
            Some(guard)
        };
        let refused = plan.refused.clone();
        let attached = plan.attached(ids);
        let Some(target) = self.claim(&plan, source).await? else {
            return Ok(None);
        };
        let Some(mut profile) = target else {
            return Ok(Some(Resolution {
                profile: None,
                attached: Vec::new(),
                refused,
                merged: false,
                doc: None,
            }));
        };
        self.list_identities(profile, &plan.claim, source).await?;
        for other in &plan.merge {
            profile = self.merge(profile, *other, reason).await?;
        }
        let merged = !plan.merge.is_empty();
        // Unchanged by claims or merges: the caller can start from the copy just read.
        let doc = (plan.claim.is_empty() && !merged)
            .then(|| docs.remove(&profile))
            .flatten();
        Ok(Some(Resolution {
            profile: Some(profile),
            attached,
            refused,
            merged,
            doc,
        }))
    }

    /// Lists newly claimed identifiers on the profile at once (still under the claim lock), so
    /// the next plan counts them against the limits.
    async fn list_identities(
        &self,
        id: ObjectId,
        claimed: &[Identifier],
        source: &str,
    ) -> Result<(), AppError> {
        if claimed.is_empty() {
            return Ok(());
        }
        self.must_modify(id, |profile| {
            let before = profile.identities.len();
            for identifier in claimed {
                if !profile.identities.iter().any(|i| i.key == identifier.key()) {
                    profile.identities.push(IdentityEntry {
                        key: identifier.key(),
                        kind: identifier.kind.as_str().to_owned(),
                        value: identifier.value.clone(),
                        source: source.to_owned(),
                        at: bson::DateTime::now(),
                    });
                }
            }
            if profile.identities.len() == before {
                Edit::Keep(())
            } else {
                Edit::Write(())
            }
        })
        .await?;
        Ok(())
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

    /// key → live owner (following merges), and those live profiles as read.
    pub(crate) async fn live_owners(
        &self,
        keys: &[String],
    ) -> Result<(Owners, Profiles), AppError> {
        let mut owners = self.identities.owners(keys).await?;
        let mut ids: Vec<ObjectId> = owners.values().copied().collect();
        ids.sort();
        ids.dedup();
        let mut docs: Profiles = self
            .profiles
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for owner in owners.values_mut() {
            if docs
                .get(owner)
                .is_some_and(|p| p.status == ProfileStatus::Merged)
            {
                let live = self.live_profile_id(*owner).await?;
                if !docs.contains_key(&live) {
                    docs.extend(self.profiles.get(live).await?.map(|p| (p.id, p)));
                }
                *owner = live;
            }
        }
        docs.retain(|_, p| p.status == ProfileStatus::Live);
        Ok((owners, docs))
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
}

/// What the plan needs to know of each live profile.
fn candidates(docs: &Profiles) -> HashMap<ObjectId, Candidate> {
    docs.values().map(|p| (p.id, candidate_of(p))).collect()
}

/// What the plan needs to know of one live profile.
pub(crate) fn candidate_of(profile: &ProfileDoc) -> Candidate {
    let mut counts = HashMap::new();
    for entry in &profile.identities {
        if let Some(kind) = kind_named(&entry.kind) {
            *counts.entry(kind).or_default() += 1;
        }
    }
    Candidate {
        counts,
        separated_from: profile.separated_from.clone(),
        absorbed: profile.absorbed.clone(),
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
