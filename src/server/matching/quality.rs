//! How good a run was against the truth: precision and recall of the pairs it would merge or
//! queue, and precision of those it would merge alone. Pairs are counted one by one (the
//! usual measure for record linkage), each true pair of records of one person once.
use super::pipeline::ScoredPair;
use std::collections::HashMap;

/// Quality of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Quality {
    /// Pairs of records of one person.
    pub true_pairs: usize,
    /// True pairs that blocking made candidates.
    pub true_candidates: usize,
    /// Pairs at or above the review threshold.
    pub proposed: usize,
    /// Of those, true.
    pub proposed_true: usize,
    /// Pairs at or above the auto-merge threshold.
    pub auto: usize,
    /// Of those, true.
    pub auto_true: usize,
}

impl Quality {
    /// Share of proposed pairs (auto-merge and review bands) that are true.
    pub fn precision(&self) -> f64 {
        ratio(self.proposed_true, self.proposed)
    }

    /// Share of true pairs proposed.
    pub fn recall(&self) -> f64 {
        ratio(self.proposed_true, self.true_pairs)
    }

    /// Share of auto-merged pairs that are true.
    pub fn auto_precision(&self) -> f64 {
        ratio(self.auto_true, self.auto)
    }

    /// Share of true pairs that blocking let through.
    pub fn blocking_recall(&self) -> f64 {
        ratio(self.true_candidates, self.true_pairs)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Measures `pairs` against `person` (the true person of each record).
pub fn measure(person: &[u32], pairs: &[ScoredPair], review_at: f64, auto_at: f64) -> Quality {
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for p in person {
        *sizes.entry(*p).or_default() += 1;
    }
    let mut quality = Quality {
        true_pairs: sizes.values().map(|n| n * (n - 1) / 2).sum(),
        ..Quality::default()
    };
    for pair in pairs {
        let same = person[pair.a as usize] == person[pair.b as usize];
        quality.true_candidates += usize::from(same);
        if pair.probability >= review_at {
            quality.proposed += 1;
            quality.proposed_true += usize::from(same);
        }
        if pair.probability >= auto_at {
            quality.auto += 1;
            quality.auto_true += usize::from(same);
        }
    }
    quality
}
