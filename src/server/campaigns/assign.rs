//! Who is held out and who gets which variant: stable buckets from a hash of the campaign and
//! the profile, so a profile lands in the same group on every run and on every instance.
use crate::model::campaign::Variant;
use mongodb::bson::oid::ObjectId;
use sha2::{Digest, Sha256};

/// Buckets per draw; percentages are whole, so 10,000 leaves room for finer splits later.
const BUCKETS: u32 = 10_000;

/// The bucket (0..10,000) of `profile` in `campaign`'s draw named `draw`.
fn bucket(campaign: ObjectId, draw: &str, profile: ObjectId) -> u32 {
    // SHA-256 rather than std's hasher: its output is fixed forever, so groups never reshuffle
    // after an upgrade.
    let digest = Sha256::new()
        .chain_update(campaign.bytes())
        .chain_update(draw.as_bytes())
        .chain_update(profile.bytes())
        .finalize();
    let first = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    first % BUCKETS
}

/// Whether `profile` is in `campaign`'s control group of `percent` percent.
pub fn held_out(campaign: ObjectId, profile: ObjectId, percent: u8) -> bool {
    bucket(campaign, "holdout", profile) < u32::from(percent.min(100)) * (BUCKETS / 100)
}

/// The variant `profile` receives, by the variants' splits (which add up to 100).
pub fn variant_for(campaign: ObjectId, profile: ObjectId, variants: &[Variant]) -> &Variant {
    let drawn = bucket(campaign, "variant", profile);
    let mut upper = 0;
    for variant in variants {
        upper += u32::from(variant.split) * (BUCKETS / 100);
        if drawn < upper {
            return variant;
        }
    }
    variants
        .last()
        .expect("a campaign has at least one variant")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn variants(splits: &[u8]) -> Vec<Variant> {
        splits
            .iter()
            .enumerate()
            .map(|(i, split)| Variant {
                key: crate::model::campaign::variant_key(i),
                split: *split,
                subject: String::new(),
                body: String::new(),
            })
            .collect()
    }

    #[test]
    fn splits_and_holdouts_come_out_near_their_shares() {
        let campaign = ObjectId::new();
        let profiles: Vec<ObjectId> = (0..20_000).map(|_| ObjectId::new()).collect();
        let held = profiles
            .iter()
            .filter(|p| held_out(campaign, **p, 10))
            .count();
        assert!(
            (1_700..2_300).contains(&held),
            "{held} of 20,000 held out at 10%"
        );
        let both = variants(&[30, 70]);
        let a = profiles
            .iter()
            .filter(|p| variant_for(campaign, **p, &both).key == "A")
            .count();
        assert!((5_500..6_500).contains(&a), "{a} of 20,000 got A at 30%");
    }

    proptest! {
        #[test]
        fn groups_are_stable_and_bounded(seed in any::<[u8; 12]>(), percent in 0u8..=100) {
            let campaign = ObjectId::from_bytes([7; 12]);
            let profile = ObjectId::from_bytes(seed);
            prop_assert_eq!(held_out(campaign, profile, percent), held_out(campaign, profile, percent));
            prop_assert!(!held_out(campaign, profile, 0));
            prop_assert!(held_out(campaign, profile, 100));
            let all = variants(&[percent, 100 - percent]);
            let got = variant_for(campaign, profile, &all);
            prop_assert!(got.split > 0 || percent == 0 || percent == 100);
        }
    }
}
