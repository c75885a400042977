//! Matching profiles as they arrive: a background worker takes the profiles ingestion and
//! imports queued (created, or reached by an identify call), finds their candidates through
//! the stored blocks, scores them with the last full run's model and acts on the bands like
//! the full run. Bounded work per profile (at most [`MAX_CANDIDATES`] candidates), a fixed
//! number of commands per pass, never on the tracking request's path.
use super::{
    blocking,
    blocks::Blocks,
    decide::{self, Decider},
    job, profile_record,
    record::{Plan, Record},
};
use crate::{
    error::AppError,
    model::matching::{Band, Decision, MatchSettings},
    server::{
        db::{
            match_pairs::{MatchPairs, key_of},
            match_state::MatchState,
            profiles,
        },
        identity::IdentityGraph,
    },
};
use futures::TryStreamExt;
use mongodb::bson::{Document, doc, oid::ObjectId};
use std::{
    collections::{BTreeSet, HashMap},
    time::Duration,
};

/// Queued profiles matched per pass.
const BATCH: i64 = 100;
/// Most candidates one profile is compared with.
pub const MAX_CANDIDATES: usize = 300;

/// Runs passes whenever profiles are queued (and every few seconds, for other instances' queue).
pub fn spawn(graph: IdentityGraph) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = graph.match_queue.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            loop {
                match pass(&graph).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(%err, "incremental matching pass failed");
                        break;
                    }
                }
            }
        }
    });
}

/// One pass over the oldest queued profiles; how many it took.
pub async fn pass(graph: &IdentityGraph) -> Result<usize, AppError> {
    let queue = &graph.match_queue;
    let entries = queue.oldest(BATCH).await?;
    if entries.is_empty() {
        return Ok(0);
    }
    let state = MatchState::new(&graph.db);
    let settings = state.settings().await?;
    let plan = Plan::new(&settings.attributes);
    // Until a full run trains a model for these settings, that run will cover these profiles.
    if let Some(model) = state
        .model()
        .await?
        .filter(|m| m.model.attributes == plan.model_attributes())
    {
        let ids: Vec<ObjectId> = entries.iter().map(|e| e.profile).collect();
        match_profiles(graph, &settings, &plan, &model.model, &ids).await?;
    }
    queue.done(&entries).await?;
    Ok(entries.len())
}

async fn match_profiles(
    graph: &IdentityGraph,
    settings: &MatchSettings,
    plan: &Plan,
    model: &super::fellegi_sunter::Model,
    ids: &[ObjectId],
) -> Result<(), AppError> {
    let queued = read(graph, plan, ids).await?;
    let keyed: Vec<(ObjectId, Vec<String>)> = queued
        .iter()
        .map(|(id, (record, _))| (*id, blocking::keys(plan, record)))
        .collect();
    let all_keys: Vec<String> = keyed
        .iter()
        .flat_map(|(_, k)| k.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let blocks = Blocks::new(&graph.db);
    let mut members = blocks.members(&all_keys).await?;
    // Profiles queued together meet even before their blocks are stored.
    for (id, keys) in &keyed {
        for key in keys {
            members.entry(key.clone()).or_default().push(*id);
        }
    }
    let mut wanted: BTreeSet<ObjectId> = BTreeSet::new();
    let candidates: Vec<(ObjectId, Vec<ObjectId>)> = keyed
        .iter()
        .map(|(id, keys)| {
            let found: BTreeSet<ObjectId> = keys
                .iter()
                .filter_map(|k| members.get(k))
                .flatten()
                .copied()
                .filter(|c| c != id)
                .collect();
            let found: Vec<ObjectId> = found.into_iter().take(MAX_CANDIDATES).collect();
            wanted.extend(found.iter().copied());
            (*id, found)
        })
        .collect();
    let others = read(graph, plan, &wanted.into_iter().collect::<Vec<_>>()).await?;
    let pairs = MatchPairs::new(&graph.db);
    let (run, mut pending, mut auto) = (ObjectId::new(), Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    for (id, found) in &candidates {
        let Some((record, info)) = queued.get(id) else {
            continue;
        };
        for other in found {
            let Some((other_record, other_info)) = others.get(other).or_else(|| queued.get(other))
            else {
                continue;
            };
            let (key, lo, hi) = key_of(*id, *other);
            if !seen.insert(key)
                || info.separated.contains(other)
                || other_info.separated.contains(id)
            {
                continue;
            }
            let levels = plan.compare(record, other_record);
            let band = Band::of(model.probability(&levels), settings);
            if band == Band::Below {
                continue;
            }
            let mut sources = info.sources.clone();
            sources.extend(other_info.sources.iter().cloned());
            sources.sort_unstable();
            sources.dedup();
            let doc = job::pair_doc(model, &levels, (lo, hi), sources, band, run);
            if band == Band::AutoMerge {
                auto.push(doc)
            } else {
                pending.push(doc)
            }
        }
    }
    let settled = pairs
        .settled_among(pending.iter().chain(&auto).map(|p| p.id.clone()).collect())
        .await?;
    pending.retain(|p| !settled.contains(&p.id));
    auto.retain(|p| !settled.contains(&p.id));
    // Saved before the old ones go, so a pair still proposed stays pending throughout: a
    // steward deciding it meanwhile never finds it missing.
    pairs.save_pending(&pending).await?;
    pairs.drop_pending_of_any_but(ids, run).await?;
    blocks.add(&keyed).await?;
    for pair in auto {
        match decide::merge(
            graph,
            &graph.match_queue,
            &Decider::system(),
            pair,
            Decision::AutoMerged,
        )
        .await
        {
            Ok(_) | Err(AppError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// What a profile brings besides its record.
pub struct ProfileInfo {
    /// Its sources.
    pub sources: Vec<String>,
    /// Profiles an unmerge separated it from.
    pub separated: Vec<ObjectId>,
}

/// The live profiles among `ids`, read once.
async fn read(
    graph: &IdentityGraph,
    plan: &Plan,
    ids: &[ObjectId],
) -> Result<HashMap<ObjectId, (Record, ProfileInfo)>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let collection = graph.db.collection::<Document>(profiles::COLLECTION);
    let found: Vec<Document> = collection
        .find(doc! { "_id": { "$in": ids }, "status": "live" })
        .projection(profile_record::projection(plan))
        .await?
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|p| {
            let id = p.get_object_id("_id").ok()?;
            let separated = p
                .get_array("separated_from")
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_object_id())
                .collect();
            let info = ProfileInfo {
                sources: profile_record::sources(&p),
                separated,
            };
            Some((
                id,
                (plan.record(|path| profile_record::values(&p, path)), info),
            ))
        })
        .collect())
}
