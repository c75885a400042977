//! Matching a set of records in memory: block, compare, train the model on the candidates,
//! turn it to the population (random pairs' u), score every candidate. The database job and the benchmark both run this.
use super::{
    blocking::{self, BlockingReport},
    fellegi_sunter::{self, Levels, Model},
    record::{Plan, Record},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::collections::HashMap;

/// Random pairs compared to start the two-people probabilities (u).
const RANDOM_PAIRS: usize = 50_000;

/// One scored candidate pair (indexes into the records, smaller first).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    /// First record.
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// Level per compared attribute.
    pub levels: Levels,
    /// Probability of one person.
    pub probability: f64,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Matched {
    /// The model trained on this run's candidates.
    pub model: Model,
    /// Every candidate pair, scored.
    pub pairs: Vec<ScoredPair>,
    /// What blocking did.
    pub blocking: BlockingReport,
    /// Blocking key → records holding it.
    pub blocks: HashMap<String, Vec<u32>>,
}

/// Matches `records` under `plan`: candidate pairs from blocks of at most `max_block`, a model
/// trained on them (random pairs drawn with `seed`), every candidate scored.
pub fn run(plan: &Plan, records: &[Record], max_block: usize, seed: u64) -> Matched {
    let blocks = blocking::index(plan, records);
    let (candidates, blocking) = blocking::candidate_pairs(&blocks, records.len(), max_block);
    let levels: Vec<Levels> = candidates
        .iter()
        .map(|&(a, b)| plan.compare(&records[a as usize], &records[b as usize]))
        .collect();
    let random = random_levels(plan, records, seed);
    let attributes = plan.model_attributes();
    let random = fellegi_sunter::estimate_u(&attributes, &random);
    let initial = Model::initial(&attributes, random.u.clone());
    let trained = fellegi_sunter::train(initial, &fellegi_sunter::patterns(&levels));
    let model = fellegi_sunter::for_population(trained, &random, candidates.len(), records.len());
    let pairs = candidates
        .into_iter()
        .zip(levels)
        .map(|((a, b), levels)| ScoredPair {
            a,
            b,
            probability: model.probability(&levels),
            levels,
        })
        .collect();
    Matched {
        model,
        pairs,
        blocking,
        blocks,
    }
}

fn random_levels(plan: &Plan, records: &[Record], seed: u64) -> Vec<Levels> {
    if records.len() < 2 {
        return Vec::new();
    }
    let mut rng = StdRng::seed_from_u64(seed);
    (0..RANDOM_PAIRS)
        .filter_map(|_| {
            let a = rng.random_range(0..records.len());
            let b = rng.random_range(0..records.len());
            (a != b).then(|| plan.compare(&records[a], &records[b]))
        })
        .collect()
}
