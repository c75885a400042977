//! Did a campaign change behaviour? Conversion of the profiles it targeted against its holdout,
//! with a two-sided two-proportion z-test (pooled) and the uplift with its 95% interval.
use serde::{Deserialize, Serialize};

/// Below this many expected successes or failures per group, the normal approximation the test
/// rests on is not trusted (the usual rule of thumb).
pub const MIN_EXPECTED: f64 = 5.0;
/// The z value of a two-sided 95% interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// Conversions in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Profiles in the group.
    pub size: u64,
    /// Of those, how many converted.
    pub converted: u64,
}

impl Group {
    /// Conversion rate, 0 for an empty group.
    pub fn rate(self) -> f64 {
        if self.size == 0 {
            0.0
        } else {
            self.converted as f64 / self.size as f64
        }
    }
}

/// The comparison of a treated group with its holdout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Treated rate minus holdout rate (a fraction; ×100 for percentage points).
    pub uplift: f64,
    /// `uplift / holdout rate`, when the holdout converted at all.
    pub relative_uplift: Option<f64>,
    /// 95% interval of `uplift` (unpooled standard error).
    pub interval: (f64, f64),
    /// The test's z statistic, when the test applies.
    pub z: Option<f64>,
    /// Two-sided p-value, when the test applies.
    pub p_value: Option<f64>,
}

impl Comparison {
    /// Whether the difference is significant at level `alpha` (e.g. 0.05).
    pub fn significant(&self, alpha: f64) -> bool {
        self.p_value.is_some_and(|p| p < alpha)
    }
}

/// Compares `treated` with `holdout`; the test is left out (`z`, `p_value` are `None`) when a
/// group is empty, nobody or everybody converted, or a group is too small for the approximation.
pub fn compare(treated: Group, holdout: Group) -> Comparison {
    let (p1, p2) = (treated.rate(), holdout.rate());
    let (n1, n2) = (treated.size as f64, holdout.size as f64);
    let uplift = p1 - p2;
    let unpooled = if n1 > 0.0 && n2 > 0.0 {
        (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt()
    } else {
        0.0
    };
    let z = z_statistic(treated, holdout);
    Comparison {
        uplift,
        relative_uplift: (p2 > 0.0).then(|| uplift / p2),
        interval: (uplift - Z_95 * unpooled, uplift + Z_95 * unpooled),
        z,
        // erfc directly, not 1 − Φ: no cancellation for large |z|.
        p_value: z.map(|z| libm::erfc(z.abs() / std::f64::consts::SQRT_2)),
    }
}

fn z_statistic(treated: Group, holdout: Group) -> Option<f64> {
    let (n1, n2) = (treated.size as f64, holdout.size as f64);
    if n1 == 0.0 || n2 == 0.0 {
        return None;
    }
    let pooled = (treated.converted + holdout.converted) as f64 / (n1 + n2);
    let trusted = [n1, n2]
        .iter()
        .all(|n| n * pooled >= MIN_EXPECTED && n * (1.0 - pooled) >= MIN_EXPECTED);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    (trusted && se > 0.0).then(|| (treated.rate() - holdout.rate()) / se)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group(size: u64, converted: u64) -> Group {
        Group { size, converted }
    }

    #[test]
    fn matches_a_known_two_proportion_test() {
        // 12% of 1,000 against 8% of 500: z = 2.3658, p = 0.01799 (checked with Python's erfc).
        let c = compare(group(1_000, 120), group(500, 40));
        assert!((c.z.unwrap() - 2.3658).abs() < 1e-4, "{c:?}");
        assert!((c.p_value.unwrap() - 0.017_99).abs() < 1e-5, "{c:?}");
        assert!((c.uplift - 0.04).abs() < 1e-12);
        assert!((c.relative_uplift.unwrap() - 0.5).abs() < 1e-12);
        assert!(c.interval.0 > 0.0 && c.interval.1 < 0.08, "{c:?}");
        assert!(c.significant(0.05) && !c.significant(0.01));
    }

    #[test]
    fn the_test_is_withheld_where_it_would_mislead() {
        assert_eq!(
            compare(group(100, 3), group(0, 0)).p_value,
            None,
            "empty holdout"
        );
        assert_eq!(
            compare(group(100, 0), group(100, 0)).p_value,
            None,
            "nobody converted"
        );
        assert_eq!(
            compare(group(100, 100), group(100, 100)).p_value,
            None,
            "everybody did"
        );
        assert_eq!(
            compare(group(20, 2), group(20, 1)).p_value,
            None,
            "too few to trust"
        );
        assert_eq!(compare(group(100, 10), group(100, 0)).relative_uplift, None);
    }

    proptest! {
        #[test]
        fn p_values_are_probabilities_and_symmetric(
            n1 in 1u64..5_000, n2 in 1u64..5_000, a in 0.0f64..=1.0, b in 0.0f64..=1.0,
        ) {
            let (t, h) = (group(n1, (n1 as f64 * a) as u64), group(n2, (n2 as f64 * b) as u64));
            let (forward, backward) = (compare(t, h), compare(h, t));
            if let Some(p) = forward.p_value {
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!((p - backward.p_value.unwrap()).abs() < 1e-12);
            }
            prop_assert!((forward.uplift + backward.uplift).abs() < 1e-12);
            prop_assert!(forward.interval.0 <= forward.uplift && forward.uplift <= forward.interval.1);
        }
    }
}
