//! The full matching job over every live profile: read them, match in memory (blocking, EM,
//! scores), keep the model, queue the review band, merge the auto-merge band. One run at a
//! time across instances; progress is stored for the progress bar.
use super::{
    blocking::DEFAULT_MAX_BLOCK,
    blocks::Blocks,
    decide::{self, Decider},
    fellegi_sunter::{Levels, Model},
    pipeline, profile_record,
    queue::MatchQueue,
    record::{Plan, Record},
};
use crate::{
    error::AppError,
    model::matching::{Band, Decision, FieldEvidence, Histogram, JobStatus, Outcome, RunSummary},
    server::{
        db::{
            match_pairs::{MatchPairs, PairDoc, key_of},
            match_state::MatchState,
            profiles,
        },
        identity::IdentityGraph,
    },
};
use futures::TryStreamExt;
use mongodb::bson::{self, Document, doc, oid::ObjectId};
use std::{collections::HashSet, time::Instant};

/// Profiles read between progress reports.
const PROGRESS_EVERY: u64 = 5_000;

/// Profiles per clean-up command after the merges.
const CLEAN_UP_CHUNK: usize = 1_000;

/// The live profiles as matching reads them.
pub struct Loaded {
    /// Profile ids, in record order.
    pub ids: Vec<ObjectId>,
    /// Records.
    pub records: Vec<Record>,
    /// Each profile's sources.
    pub sources: Vec<Vec<String>>,
    /// Pairs an unmerge separated: never proposed.
    pub separated: HashSet<(ObjectId, ObjectId)>,
}

/// Starts a full run in the background unless one is under way; answers the progress.
pub async fn start(
    graph: IdentityGraph,
    queue: MatchQueue,
    decider: Decider,
) -> Result<JobStatus, AppError> {
    let state = MatchState::new(&graph.db);
    if state.claim_job(&decider.name()).await? {
        tokio::spawn(async move {
            let outcome = run_claimed(&graph, &queue, &decider).await;
            if let Err(err) = &outcome {
                tracing::error!(%err, "matching run failed");
            }
            let _ = MatchState::new(&graph.db)
                .finish(outcome.map_err(|e| e.to_string()))
                .await;
        });
    }
    state.job().await
}

/// Runs a full job now (the CLI): claims it, runs it, records the outcome.
pub async fn run_now(
    graph: &IdentityGraph,
    queue: &MatchQueue,
    decider: &Decider,
) -> Result<RunSummary, AppError> {
    let state = MatchState::new(&graph.db);
    if !state.claim_job(&decider.name()).await? {
        return Err(AppError::Conflict {
            field: "job".into(),
            message: "a matching run is already under way".into(),
        });
    }
    let outcome = run_claimed(graph, queue, decider).await;
    state
        .finish(outcome.clone().map_err(|e| e.to_string()))
        .await?;
    outcome
}

async fn run_claimed(
    graph: &IdentityGraph,
    queue: &MatchQueue,
    decider: &Decider,
) -> Result<RunSummary, AppError> {
    let started = Instant::now();
    let state = MatchState::new(&graph.db);
    let settings = state.settings().await?;
    let plan = Plan::new(&settings.attributes);
    let mut loaded = load(graph, &plan, &state).await?;
    state
        .progress("comparing candidate pairs", 0, loaded.records.len() as u64)
        .await?;
    let (records, plan_for_run) = (std::mem::take(&mut loaded.records), plan.clone());
    let matched = tokio::task::spawn_blocking(move || {
        pipeline::run(&plan_for_run, &records, DEFAULT_MAX_BLOCK, 1)
    })
    .await
    .map_err(AppError::internal)?;
    let histogram = Histogram::of(
        matched
            .pairs
            .iter()
            .map(|p| matched.model.weight(&p.levels)),
    );
    state.save_model(&matched.model, histogram).await?;
    state
        .progress("indexing blocks", 0, matched.blocks.len() as u64)
        .await?;
    let blocks = matched
        .blocks
        .iter()
        .map(|(key, members)| {
            (
                key.clone(),
                members.iter().map(|&i| loaded.ids[i as usize]).collect(),
            )
        })
        .collect();
    Blocks::new(&graph.db).rewrite(blocks).await?;
    let mut summary = RunSummary {
        profiles: loaded.ids.len() as u64,
        candidate_pairs: matched.blocking.pairs as u64,
        pairs_per_profile: matched.blocking.mean_per_record,
        max_pairs_per_profile: matched.blocking.max_per_record as u64,
        oversized_keys: matched.blocking.oversized_keys as u64,
        prior: matched.model.candidate_share,
        ..RunSummary::default()
    };
    let run = ObjectId::new();
    let pairs = MatchPairs::new(&graph.db);
    let settled = pairs.settled_keys().await?;
    let (mut pending, mut auto) = (Vec::new(), Vec::new());
    for pair in &matched.pairs {
        let (a, b) = (loaded.ids[pair.a as usize], loaded.ids[pair.b as usize]);
        let (key, lo, hi) = key_of(a, b);
        if settled.contains(&key) || loaded.separated.contains(&(lo, hi)) {
            summary.settled_skipped += 1;
            continue;
        }
        let band = Band::of(pair.probability, &settings);
        if band == Band::Below {
            summary.below += 1;
            continue;
        }
        let mut sources = loaded.sources[pair.a as usize].clone();
        sources.extend(loaded.sources[pair.b as usize].iter().cloned());
        sources.sort_unstable();
        sources.dedup();
        let doc = pair_doc(&matched.model, &pair.levels, (a, b), sources, band, run);
        if band == Band::AutoMerge {
            auto.push(doc)
        } else {
            pending.push(doc)
        }
    }
    state
        .progress("queueing pairs for review", 0, pending.len() as u64)
        .await?;
    pairs.save_pending(&pending).await?;
    pairs.drop_stale_pending(run).await?;
    summary.queued = pending.len() as u64;
    summary.auto_merged = merge_all(graph, queue, decider, &state, auto).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

async fn merge_all(
    graph: &IdentityGraph,
    queue: &MatchQueue,
    decider: &Decider,
    state: &MatchState,
    auto: Vec<PairDoc>,
) -> Result<u64, AppError> {
    let total = auto.len() as u64;
    let (mut survivors, mut absorbed) = (Vec::new(), Vec::new());
    let mut merged_count = 0;
    for (done, pair) in auto.into_iter().enumerate() {
        if (done as u64).is_multiple_of(50) {
            state.progress("merging", done as u64, total).await?;
        }
        match decide::merge_only(graph, decider, pair, Decision::AutoMerged).await {
            Ok(merged) => {
                merged_count += 1;
                survivors.push(merged.survivor);
                absorbed.extend(merged.absorbed);
            }
            // Deleted (forgotten) since it was read: nothing to merge.
            Err(AppError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    // Once for the run rather than per merge: each is a query over all pairs, and the
    // survivors are matched again after the run instead of during it.
    let pairs = MatchPairs::new(&graph.db);
    for chunk in absorbed.chunks(CLEAN_UP_CHUNK) {
        pairs.drop_pending_of_any(chunk).await?;
    }
    absorbed.sort_unstable();
    survivors.sort_unstable();
    survivors.dedup();
    // A survivor of an early merge may itself be absorbed by a later one.
    survivors.retain(|s| absorbed.binary_search(s).is_err());
    for chunk in survivors.chunks(CLEAN_UP_CHUNK) {
        queue.push(chunk).await?;
    }
    Ok(merged_count)
}

/// A pair as stored: score, band and the evidence per attribute.
pub fn pair_doc(
    model: &Model,
    levels: &Levels,
    (x, y): (ObjectId, ObjectId),
    sources: Vec<String>,
    band: Band,
    run: ObjectId,
) -> PairDoc {
    let (id, a, b) = key_of(x, y);
    PairDoc {
        id,
        a,
        b,
        score: model.probability(levels),
        weight: model.weight(levels),
        band,
        decision: Decision::Pending,
        evidence: evidence(model, levels),
        sources,
        scored_at: bson::DateTime::now(),
        run,
        decided_by: None,
        decided_at: None,
        merge: None,
    }
}

/// Each attribute's level and evidence, for the review page.
pub fn evidence(model: &Model, levels: &Levels) -> Vec<FieldEvidence> {
    model
        .attributes
        .iter()
        .zip(levels)
        .zip(model.contributions(levels))
        .map(|((attr, level), weight)| {
            let names = attr.kind.levels();
            let level = level.map(usize::from);
            FieldEvidence {
                path: attr.path.clone(),
                kind: attr.kind,
                level: level.map(|l| names[l.min(names.len() - 1)].to_owned()),
                outcome: Outcome::of(level, names.len()),
                weight: weight.unwrap_or(0.0),
            }
        })
        .collect()
}

/// Reads every live profile for `plan`, reporting progress.
pub async fn load(
    graph: &IdentityGraph,
    plan: &Plan,
    state: &MatchState,
) -> Result<Loaded, AppError> {
    let collection = graph.db.collection::<Document>(profiles::COLLECTION);
    let total = collection.estimated_document_count().await?;
    state.progress("reading profiles", 0, total).await?;
    let mut cursor = collection
        .find(doc! { "status": "live" })
        .projection(profile_record::projection(plan))
        .await?;
    let mut loaded = Loaded {
        ids: Vec::new(),
        records: Vec::new(),
        sources: Vec::new(),
        separated: HashSet::new(),
    };
    while let Some(profile) = cursor.try_next().await? {
        let Ok(id) = profile.get_object_id("_id") else {
            continue;
        };
        for other in profile.get_array("separated_from").into_iter().flatten() {
            if let Some(other) = other.as_object_id() {
                let (_, lo, hi) = key_of(id, other);
                loaded.separated.insert((lo, hi));
            }
        }
        loaded
            .records
            .push(plan.record(|path| profile_record::values(&profile, path)));
        loaded.sources.push(profile_record::sources(&profile));
        loaded.ids.push(id);
        if (loaded.ids.len() as u64).is_multiple_of(PROGRESS_EVERY) {
            state
                .progress("reading profiles", loaded.ids.len() as u64, total)
                .await?;
        }
    }
    Ok(loaded)
}
