//! The Fellegi–Sunter model: for each compared attribute, how likely each level of agreement
//! is among pairs of one person (m) and among pairs of two people (u); a pair's evidence is the
//! sum of log2(m/u) over its known attributes, plus the prior odds.
//!
//! Training has two steps. Expectation–maximisation on the candidate pairs estimates m and how
//! many candidates are one person, with no labelled pairs (u and the prior are re-estimated
//! too, as nuisance parameters). Then the model is turned to score pairs of the whole
//! population: u from random pairs (almost all of two people) and the prior as the matches
//! found over all pairs. Why not score with the candidates' u: blocking brings together people
//! who share a name or a birth date, so among candidates a shared name or birth date looked
//! like little evidence, and a duplicate that had moved, with only its name and birth date
//! left, scored as a stranger (measured with `make benchmatching`: recall 0.956 at precision
//! 0.993 with the candidates' u, 0.973 at 0.991 with random pairs').
use crate::model::matching::MatchAttribute;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One pair's level per compared attribute (`None`: missing on a side).
pub type Levels = Vec<Option<u8>>;

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The compared attributes, in the plan's canonical order.
    pub attributes: Vec<MatchAttribute>,
    /// Share of candidate pairs that are one person.
    pub prior: f64,
    /// P(level | one person) per attribute and level.
    pub m: Vec<Vec<f64>>,
    /// P(level | two people) per attribute and level.
    pub u: Vec<Vec<f64>>,
    /// log2(m/u) per attribute and level, made non-decreasing in the level so more agreement
    /// never counts as less evidence (a lower level is capped by the one above it).
    pub bits: Vec<Vec<f64>>,
    /// EM iterations run.
    pub iterations: u32,
    /// Share of the candidate pairs that are one person (what EM found).
    #[serde(default)]
    pub candidate_share: f64,
}

/// Counts added to every level of u from random pairs, so a level never seen keeps a small
/// probability.
const PSEUDO_COUNT: f64 = 0.5;
/// How many pairs' worth the starting m and u weigh in training (a Dirichlet prior): on a few
/// dozen candidates the model stays near what record matching generally looks like, on
/// thousands the data decides.
const PRIOR_PAIRS: f64 = 30.0;
/// Most EM rounds.
const MAX_ROUNDS: u32 = 200;
/// EM stops once no probability moves more than this.
const TOLERANCE: f64 = 1e-7;
/// The largest weight one attribute can carry, in bits either way.
const MAX_BITS: f64 = 24.0;

impl Model {
    /// A starting model: agreement likely for one person (m), and `u` from random pairs (see
    /// [`estimate_u`]), which training keeps.
    pub fn initial(attributes: &[MatchAttribute], u: Vec<Vec<f64>>) -> Self {
        let m = attributes
            .iter()
            .map(|a| {
                // One person's records mostly agree: 85 % the same, 2 % different, the partial
                // levels sharing the rest.
                let n = a.kind.levels().len();
                let partial = 0.13 / (n.saturating_sub(2).max(1)) as f64;
                let probs: Vec<f64> = (0..n)
                    .map(|l| match l {
                        0 => 0.02,
                        l if l + 1 == n => 0.85,
                        _ => partial,
                    })
                    .collect();
                normalised(probs)
            })
            .collect();
        let mut model = Self {
            attributes: attributes.to_vec(),
            prior: 0.05,
            m,
            u,
            bits: Vec::new(),
            iterations: 0,
            candidate_share: 0.05,
        };
        model.bits = model.monotone_bits();
        model
    }

    /// The evidence for a pair, in bits (log2 of the odds of one person).
    pub fn weight(&self, levels: &[Option<u8>]) -> f64 {
        let prior = (self.prior / (1.0 - self.prior)).log2();
        prior + self.contributions(levels).iter().flatten().sum::<f64>()
    }

    /// The probability that a pair is one person.
    pub fn probability(&self, levels: &[Option<u8>]) -> f64 {
        probability_of(self.weight(levels))
    }

    /// Each attribute's evidence in bits (`None`: missing, no evidence either way).
    pub fn contributions(&self, levels: &[Option<u8>]) -> Vec<Option<f64>> {
        levels
            .iter()
            .zip(&self.bits)
            .map(|(level, bits)| level.map(|l| bits[usize::from(l).min(bits.len() - 1)]))
            .collect()
    }

    fn monotone_bits(&self) -> Vec<Vec<f64>> {
        self.m
            .iter()
            .zip(&self.u)
            .map(|(m, u)| {
                let mut ceiling = MAX_BITS;
                let mut bits: Vec<f64> = m
                    .iter()
                    .zip(u)
                    .rev()
                    .map(|(m, u)| {
                        ceiling = (m / u).log2().clamp(-MAX_BITS, ceiling);
                        ceiling
                    })
                    .collect();
                bits.reverse();
                bits
            })
            .collect()
    }
}

/// The probability of one person for a weight in bits.
pub fn probability_of(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

fn normalised(mut probs: Vec<f64>) -> Vec<f64> {
    let total: f64 = probs.iter().sum();
    probs.iter_mut().for_each(|p| *p /= total);
    probs
}

/// What random pairs say about two people.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomPairs {
    /// P(level) per attribute among random pairs.
    pub u: Vec<Vec<f64>>,
    /// How many random pairs had the attribute on both sides.
    pub known: Vec<f64>,
}

/// Random pairs that must hold an attribute on both sides for their u to be used: fewer (a
/// phone compared only at one address, which random pairs almost never share) say too little,
/// and the candidates' u is kept.
const MIN_RANDOM_KNOWN: f64 = 1_000.0;

/// The level distribution of random pairs per attribute.
pub fn estimate_u<'a>(
    attributes: &[MatchAttribute],
    random_pairs: impl IntoIterator<Item = &'a Levels>,
) -> RandomPairs {
    let mut counts: Vec<Vec<f64>> = attributes
        .iter()
        .map(|a| vec![PSEUDO_COUNT; a.kind.levels().len()])
        .collect();
    let mut known = vec![0.0; attributes.len()];
    for levels in random_pairs {
        for ((count, level), known) in counts.iter_mut().zip(levels).zip(&mut known) {
            if let Some(l) = level {
                let top = count.len() - 1;
                count[usize::from(*l).min(top)] += 1.0;
                *known += 1.0;
            }
        }
    }
    RandomPairs {
        u: counts.into_iter().map(normalised).collect(),
        known,
    }
}

/// The largest share of one-person pairs among all pairs for which random pairs stand for
/// pairs of two people (10,000 records of ~5,000 people: 0.0002; a few dozen records of a
/// test: several percent, and the candidates' model is kept).
const MAX_RANDOM_MATCH_SHARE: f64 = 0.01;

/// `model`, trained on `candidates` of `records` records, turned to score any pair: u from
/// `random` pairs where enough of them hold the attribute, and the prior as the matches found
/// over all pairs. On a small set (see [`MAX_RANDOM_MATCH_SHARE`]) it stays as trained.
pub fn for_population(
    mut model: Model,
    random: &RandomPairs,
    candidates: usize,
    records: usize,
) -> Model {
    let all_pairs = (records as f64) * (records as f64 - 1.0) / 2.0;
    model.candidate_share = model.prior;
    if all_pairs < 1.0 {
        return model;
    }
    let prior = (model.prior * candidates as f64 / all_pairs).clamp(1e-12, 1.0 - 1e-6);
    if prior > MAX_RANDOM_MATCH_SHARE {
        // A small set: random pairs are too often one person to stand for two.
        return model;
    }
    for (attr, known) in random.known.iter().enumerate() {
        if *known >= MIN_RANDOM_KNOWN {
            model.u[attr] = random.u[attr].clone();
        }
    }
    model.prior = prior;
    model.bits = model.monotone_bits();
    model
}

/// The distinct level patterns of the candidate pairs, with how many pairs have each.
pub fn patterns<'a>(pairs: impl IntoIterator<Item = &'a Levels>) -> Vec<(Levels, f64)> {
    let mut counts: HashMap<&Levels, f64> = HashMap::new();
    for levels in pairs {
        *counts.entry(levels).or_default() += 1.0;
    }
    let mut out: Vec<(Levels, f64)> = counts.into_iter().map(|(l, c)| (l.clone(), c)).collect();
    // A fixed order, so the floating-point sums (and so the model) never depend on hashing.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Trains `model` on the candidate pairs' level `patterns` by expectation–maximisation.
pub fn train(mut model: Model, patterns: &[(Levels, f64)]) -> Model {
    let start = (model.m.clone(), model.u.clone());
    for round in 1..=MAX_ROUNDS {
        let (m, u, prior) = em_round(&model, &start, patterns);
        let moved = max_change(&model.m, &m)
            .max(max_change(&model.u, &u))
            .max((model.prior - prior).abs());
        (model.m, model.u, model.prior) = (m, u, prior);
        model.iterations = round;
        if moved < TOLERANCE {
            break;
        }
    }
    model.bits = model.monotone_bits();
    model
}

fn em_round(
    model: &Model,
    (m0, u0): &(Vec<Vec<f64>>, Vec<Vec<f64>>),
    patterns: &[(Levels, f64)],
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, f64) {
    let prior = |p: &Vec<Vec<f64>>| -> Vec<Vec<f64>> {
        p.iter()
            .map(|row| row.iter().map(|x| x * PRIOR_PAIRS).collect())
            .collect()
    };
    let (mut m, mut u) = (prior(m0), prior(u0));
    let (mut matched, mut total) = (0.0, 0.0);
    let raw = Model {
        bits: log_ratios(&model.m, &model.u),
        ..model.clone()
    };
    for (levels, count) in patterns {
        let p = raw.probability(levels);
        matched += p * count;
        total += count;
        for (attr, level) in levels.iter().enumerate() {
            if let Some(l) = level {
                let l = usize::from(*l).min(m[attr].len() - 1);
                m[attr][l] += p * count;
                u[attr][l] += (1.0 - p) * count;
            }
        }
    }
    let prior = (matched / total.max(1.0)).clamp(1e-6, 1.0 - 1e-6);
    (
        m.into_iter().map(normalised).collect(),
        u.into_iter().map(normalised).collect(),
        prior,
    )
}

fn log_ratios(m: &[Vec<f64>], u: &[Vec<f64>]) -> Vec<Vec<f64>> {
    m.iter()
        .zip(u)
        .map(|(m, u)| m.iter().zip(u).map(|(m, u)| (m / u).log2()).collect())
        .collect()
}

fn max_change(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}
