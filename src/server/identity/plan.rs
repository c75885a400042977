//! Deciding, from who owns which identifier, what a message's identifiers should do: attach to
//! a profile, claim free identifiers, merge profiles — within per-kind limits. Pure, so it is
//! property-tested apart from the database.
use super::identifiers::{Identifier, IdentityKind};
use mongodb::bson::oid::ObjectId;
use std::collections::HashMap;

/// Most identifiers of each kind one profile may hold; beyond them, identifiers are refused
/// instead of merging — the guard against one shared value (a kiosk's device id, a family
/// email) swallowing many people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityLimits {
    /// User ids (1: two known users are never merged by a shared anonymous id).
    pub user_id: usize,
    /// External ids.
    pub external: usize,
    /// Emails.
    pub email: usize,
    /// Phones.
    pub phone: usize,
    /// Anonymous ids (devices, browsers).
    pub anonymous_id: usize,
}

impl Default for IdentityLimits {
    fn default() -> Self {
        Self {
            user_id: 1,
            external: 10,
            email: 5,
            phone: 5,
            anonymous_id: 100,
        }
    }
}

impl IdentityLimits {
    fn of(&self, kind: IdentityKind) -> usize {
        match kind {
            IdentityKind::UserId => self.user_id,
            IdentityKind::External => self.external,
            IdentityKind::Email => self.email,
            IdentityKind::Phone => self.phone,
            IdentityKind::AnonymousId => self.anonymous_id,
        }
    }
}

/// What the plan needs to know about a live profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidate {
    /// Identifiers held, by kind.
    pub counts: HashMap<IdentityKind, usize>,
    /// Profiles it must never be merged with.
    pub separated_from: Vec<ObjectId>,
    /// Profiles merged into it: a separation from any of them applies to it too.
    pub absorbed: Vec<ObjectId>,
}

/// Which profile the message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A new profile (if anything is claimed for it).
    New,
    /// This live profile.
    Existing(ObjectId),
}

/// Why an identifier was not attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The profile would hold more identifiers of this kind than allowed.
    Limit,
    /// An admin separated these profiles.
    Separated,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Where the message goes.
    pub target: Target,
    /// Profiles to merge with the target.
    pub merge: Vec<ObjectId>,
    /// Free identifiers to claim for the target.
    pub claim: Vec<Identifier>,
    /// Identifiers left where they are, and why.
    pub refused: Vec<(Identifier, Refusal)>,
}

impl Plan {
    /// Those of `ids` the plan does not refuse: what the message attaches to its profile.
    pub fn attached(&self, ids: &[Identifier]) -> Vec<Identifier> {
        ids.iter()
            .filter(|id| !self.refused.iter().any(|(r, _)| r == *id))
            .cloned()
            .collect()
    }
}

/// Plans identifiers `ids` (strongest kind first decides), given `owners` (key → live profile)
/// and their `candidates`. `explicit` (an alias call) merges regardless of limits.
pub fn plan(
    ids: &[Identifier],
    owners: &HashMap<String, ObjectId>,
    candidates: &HashMap<ObjectId, Candidate>,
    limits: &IdentityLimits,
    explicit: bool,
) -> Plan {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut planner = Planner {
        plan: Plan {
            target: Target::New,
            merge: Vec::new(),
            claim: Vec::new(),
            refused: Vec::new(),
        },
        counts: HashMap::new(),
        candidates,
        limits,
        explicit,
    };
    for id in sorted {
        match owners.get(&id.key()).copied() {
            None => planner.free(id),
            Some(owner) => planner.owned(id, owner),
        }
    }
    planner.plan
}

/// The plan being made, with the identifier counts of its target group so far.
struct Planner<'a> {
    plan: Plan,
    counts: HashMap<IdentityKind, usize>,
    candidates: &'a HashMap<ObjectId, Candidate>,
    limits: &'a IdentityLimits,
    explicit: bool,
}

impl Planner<'_> {
    fn within(&self, counts: &HashMap<IdentityKind, usize>) -> bool {
        self.explicit || counts.iter().all(|(kind, n)| *n <= self.limits.of(*kind))
    }

    /// A free identifier is claimed if the group can hold one more of its kind.
    fn free(&mut self, id: Identifier) {
        let mut next = self.counts.clone();
        *next.entry(id.kind).or_default() += 1;
        if self.within(&next) {
            self.counts = next;
            self.plan.claim.push(id);
        } else {
            self.plan.refused.push((id, Refusal::Limit));
        }
    }

    /// An owned identifier brings its profile into the group, unless separated or over a limit.
    fn owned(&mut self, id: Identifier, owner: ObjectId) {
        let group = group_of(&self.plan);
        if group.contains(&owner) {
            return;
        }
        let candidate = self.candidates.get(&owner).cloned().unwrap_or_default();
        if is_separated(&group, owner, &candidate, self.candidates) {
            self.plan.refused.push((id, Refusal::Separated));
            return;
        }
        let mut next = self.counts.clone();
        for (kind, n) in &candidate.counts {
            *next.entry(*kind).or_default() += n;
        }
        if !self.within(&next) {
            self.plan.refused.push((id, Refusal::Limit));
            return;
        }
        self.counts = next;
        match self.plan.target {
            Target::New => self.plan.target = Target::Existing(owner),
            Target::Existing(_) => self.plan.merge.push(owner),
        }
    }
}

fn group_of(plan: &Plan) -> Vec<ObjectId> {
    match plan.target {
        Target::New => Vec::new(),
        Target::Existing(id) => std::iter::once(id)
            .chain(plan.merge.iter().copied())
            .collect(),
    }
}

/// Whether `owner` (with everything merged into it) was separated from any profile of the
/// group (with everything merged into them), in either direction.
fn is_separated(
    group: &[ObjectId],
    owner: ObjectId,
    candidate: &Candidate,
    candidates: &HashMap<ObjectId, Candidate>,
) -> bool {
    let empty = Candidate::default();
    group.iter().any(|member| {
        let other = candidates.get(member).unwrap_or(&empty);
        let apart = |from: &Candidate, b: ObjectId, of: &Candidate| {
            from.separated_from
                .iter()
                .any(|s| *s == b || of.absorbed.contains(s))
        };
        apart(candidate, *member, other) || apart(other, owner, candidate)
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
