//! Memberships that never go stale: every profile written is evaluated in memory against every
//! active rule segment, and each entry or exit is stored, recorded and published.
use super::{SegmentEngine, sets::ProfileSets, subject::subject_of};
use crate::{
    error::AppError,
    model::{live::LiveMessage, segment::SegmentKind},
    segment::{
        eval::matches,
        filter::{EventQuery, Filter, SetKey, lower},
    },
    server::db::{
        event_match_queries::Registered,
        memberships::{MembershipDoc, TransitionDoc, TransitionKind, membership_key},
        profile_doc::{ProfileDoc, ProfileStatus},
        segments::SegmentDoc,
    },
    server::event_matches::{answers, ensure_registered},
};
use chrono::{DateTime, Utc};
use mongodb::bson::{self, oid::ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedReceiver;

/// Most profiles evaluated in one pass (changes arriving meanwhile wait for the next).
const MAX_BATCH: usize = 500;

/// Active rule segments, lowered at one instant, in dependency order.
pub struct Lowered {
    /// (segment, its filter).
    pub segments: Vec<(SegmentDoc, Filter)>,
    /// The event queries the filters need answered per profile, without repeats.
    queries: Vec<EventQuery>,
}

impl Lowered {
    /// Lowers `segments` (active rule ones) at `now`, each after the segments it refers to.
    pub fn new(segments: Vec<SegmentDoc>, now: DateTime<Utc>) -> Self {
        let ordered = dependency_order(segments);
        let segments: Vec<(SegmentDoc, Filter)> = ordered
            .into_iter()
            .filter_map(|s| {
                let filter = lower(s.rule.as_ref()?, now);
                Some((s, filter))
            })
            .collect();
        let queries = segments
            .iter()
            .flat_map(|(_, f)| event_queries(f))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Self { segments, queries }
    }
}

/// The event queries `filter` needs answered, without repeats.
pub fn event_queries(filter: &Filter) -> Vec<EventQuery> {
    let mut out: Vec<_> = filter
        .sets()
        .into_iter()
        .filter_map(|key| match key {
            SetKey::Events { query, .. } => Some(query),
            SetKey::Segment(_) => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Segments ordered so that each comes after those its rule refers to.
pub fn dependency_order(segments: Vec<SegmentDoc>) -> Vec<SegmentDoc> {
    let mut pending: BTreeMap<String, SegmentDoc> =
        segments.into_iter().map(|s| (s.id.to_hex(), s)).collect();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready: Vec<String> = pending
            .iter()
            .filter(|(_, s)| s.depends_on.iter().all(|d| !pending.contains_key(d)))
            .map(|(id, _)| id.clone())
            .collect();
        // A cycle cannot be saved; should one exist anyway, take the rest as they come.
        let next = if ready.is_empty() {
            pending.keys().cloned().collect()
        } else {
            ready
        };
        for id in next {
            out.extend(pending.remove(&id));
        }
    }
    out
}

/// What one pass decided.
#[derive(Debug, Default)]
pub struct Changes {
    entered: Vec<MembershipDoc>,
    exited: Vec<String>,
    transitions: Vec<TransitionDoc>,
    names: HashMap<ObjectId, String>,
}

impl Changes {
    fn push(
        &mut self,
        segment: &SegmentDoc,
        profile: ObjectId,
        kind: TransitionKind,
        at: bson::DateTime,
    ) {
        let key = membership_key(segment.id, profile);
        match kind {
            TransitionKind::Entered => self.entered.push(MembershipDoc {
                id: key,
                segment_id: segment.id,
                profile_id: profile,
                entered_at: at,
            }),
            TransitionKind::Exited => self.exited.push(key),
        }
        self.names.insert(segment.id, segment.name.clone());
        self.transitions.push(TransitionDoc {
            segment_id: segment.id,
            profile_id: profile,
            kind,
            at,
        });
    }
}

impl SegmentEngine {
    /// Evaluates changed profiles as word of them arrives, batching what queues up meanwhile.
    pub(super) async fn listen(self, mut changes: UnboundedReceiver<ObjectId>) {
        while let Some(first) = changes.recv().await {
            let mut ids = HashSet::from([first]);
            while ids.len() < MAX_BATCH {
                match changes.try_recv() {
                    Ok(id) => ids.insert(id),
                    Err(_) => break,
                };
            }
            let ids: Vec<ObjectId> = ids.into_iter().collect();
            if let Err(err) = self.refresh_profiles(&ids).await {
                tracing::error!(%err, profiles = ids.len(), "segment memberships not updated");
            }
        }
    }

    /// Re-evaluates `ids` against every active rule segment and stores the transitions.
    pub async fn refresh_profiles(&self, ids: &[ObjectId]) -> Result<Vec<TransitionDoc>, AppError> {
        let _writer = self.writer.lock().await;
        let now = Utc::now();
        let active = self.segments.active().await?;
        if active.is_empty() {
            // Nothing to enter or leave: the profiles need not be read.
            return Ok(Vec::new());
        }
        let rules: Vec<SegmentDoc> = active
            .iter()
            .filter(|s| s.kind == SegmentKind::Rule)
            .cloned()
            .collect();
        let lowered = Lowered::new(rules, now);
        let registered = if lowered.queries.is_empty() {
            Arc::default()
        } else {
            ensure_registered(&self.graph, &lowered.queries).await?
        };
        let profiles: HashMap<ObjectId, ProfileDoc> = self
            .graph
            .profiles
            .get_many(ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut current: HashMap<ObjectId, HashSet<String>> = HashMap::new();
        for m in self.memberships.of_profiles(ids).await? {
            current
                .entry(m.profile_id)
                .or_default()
                .insert(m.segment_id.to_hex());
        }
        let mut changes = Changes::default();
        let at = bson::DateTime::from_chrono(now);
        for id in ids {
            let member_of = current.remove(id).unwrap_or_default();
            let profile = profiles.get(id).filter(|p| p.status == ProfileStatus::Live);
            match profile {
                Some(profile) => {
                    self.evaluate(profile, member_of, &lowered, &registered, now, &mut changes)
                        .await?
                }
                None => leave_all(*id, &member_of, &active, at, &mut changes),
            }
        }
        self.apply(changes).await
    }

    async fn evaluate(
        &self,
        profile: &ProfileDoc,
        member_of: HashSet<String>,
        lowered: &Lowered,
        registered: &[Registered],
        now: DateTime<Utc>,
        changes: &mut Changes,
    ) -> Result<(), AppError> {
        let at = bson::DateTime::from_chrono(now);
        let events = if lowered.queries.is_empty() {
            HashMap::new()
        } else {
            answers(&self.graph, profile, &lowered.queries, registered, now).await?
        };
        let mut sets = ProfileSets {
            segments: member_of,
            events,
        };
        let subject = subject_of(profile);
        for (segment, filter) in &lowered.segments {
            let key = segment.id.to_hex();
            let was = sets.segments.contains(&key);
            let is = matches(filter, &subject, &sets);
            if is && !was {
                changes.push(segment, profile.id, TransitionKind::Entered, at);
                sets.segments.insert(key);
            } else if was && !is {
                changes.push(segment, profile.id, TransitionKind::Exited, at);
                sets.segments.remove(&key);
            }
        }
        Ok(())
    }

    /// Stores the memberships, records the transitions, adjusts sizes and publishes.
    pub(super) async fn apply(&self, changes: Changes) -> Result<Vec<TransitionDoc>, AppError> {
        if changes.transitions.is_empty() {
            return Ok(Vec::new());
        }
        self.memberships.enter(&changes.entered).await?;
        self.memberships.exit(&changes.exited).await?;
        self.memberships.record(&changes.transitions).await?;
        let mut deltas: HashMap<ObjectId, i64> = HashMap::new();
        for t in &changes.transitions {
            *deltas.entry(t.segment_id).or_default() += match t.kind {
                TransitionKind::Entered => 1,
                TransitionKind::Exited => -1,
            };
        }
        for (segment, delta) in deltas {
            self.segments.add_size(segment, delta).await?;
        }
        for t in &changes.transitions {
            self.hub.publish_local(LiveMessage::SegmentTransition {
                segment_id: t.segment_id.to_hex(),
                segment: changes
                    .names
                    .get(&t.segment_id)
                    .cloned()
                    .unwrap_or_default(),
                profile_id: t.profile_id.to_hex(),
                kind: t.kind.as_str().to_owned(),
                at: t.at.to_chrono(),
            });
        }
        Ok(changes.transitions)
    }
}

/// A profile that is gone or merged away leaves every segment, static ones included.
fn leave_all(
    profile: ObjectId,
    member_of: &HashSet<String>,
    active: &[SegmentDoc],
    at: bson::DateTime,
    changes: &mut Changes,
) {
    for segment in active.iter().filter(|s| member_of.contains(&s.id.to_hex())) {
        changes.push(segment, profile, TransitionKind::Exited, at);
    }
}

/// Adds a full computation's transitions for `segment` to `changes`.
pub(super) fn diff_members(
    segment: &SegmentDoc,
    matching: &HashSet<ObjectId>,
    current: &HashSet<ObjectId>,
    at: bson::DateTime,
    changes: &mut Changes,
) {
    for id in matching.difference(current) {
        changes.push(segment, *id, TransitionKind::Entered, at);
    }
    for id in current.difference(matching) {
        changes.push(segment, *id, TransitionKind::Exited, at);
    }
}
