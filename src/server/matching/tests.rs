use super::{
    compare::{self, Value},
    fellegi_sunter::{self, Levels},
    pipeline, quality,
    record::{Plan, Record},
    synth,
};
use crate::model::matching::{AttributeKind as K, MatchAttribute, MatchSettings};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn plan() -> Plan {
    let mut attributes = MatchSettings::default().attributes;
    attributes.push(MatchAttribute::new("policyNumber", K::Identifier));
    Plan::new(&attributes)
}

fn record(plan: &Plan, fields: &BTreeMap<&str, String>) -> Record {
    plan.record(|path| fields.get(path).cloned().into_iter().collect())
}

fn fields(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn level_name(plan: &Plan, levels: &Levels, path: &str) -> Option<&'static str> {
    let attributes = plan.model_attributes();
    let i = attributes
        .iter()
        .position(|a| a.path.split(" + ").any(|p| p == path))?;
    levels[i].map(|l| attributes[i].kind.levels()[usize::from(l)])
}

#[test]
fn the_insurers_two_records_of_one_person_agree_field_by_field() {
    let plan = plan();
    let a = record(
        &plan,
        &fields(&[
            ("name", "Kim Min-jun"),
            ("address.street", "12 Seoul-ro"),
            ("birthday", "1985-03-02"),
        ]),
    );
    let b = record(
        &plan,
        &fields(&[
            ("name", "Minjun Kim"),
            ("address.street", "12 Seoulro"),
            ("birthday", "1985-02-03"),
        ]),
    );
    let levels = plan.compare(&a, &b);
    assert_eq!(level_name(&plan, &levels, "firstName"), Some("same"));
    assert_eq!(level_name(&plan, &levels, "lastName"), Some("same"));
    assert_eq!(
        level_name(&plan, &levels, "address.street"),
        Some("same address")
    );
    assert_eq!(
        level_name(&plan, &levels, "birthday"),
        Some("one typo or day/month swapped")
    );
    assert_eq!(
        level_name(&plan, &levels, "email"),
        None,
        "missing is unknown, not different"
    );
}

#[test]
fn each_kind_has_its_partial_levels() {
    let level = |kind, a: &str, b: &str| {
        let (a, b): (Value, Value) = (
            compare::prepare(kind, a).unwrap(),
            compare::prepare(kind, b).unwrap(),
        );
        kind.levels()[compare::level(kind, &a, &b)]
    };
    assert_eq!(
        level(K::GivenName, "William", "Bill"),
        "nickname or sounds alike"
    );
    assert_eq!(level(K::GivenName, "M.", "Minjun"), "same initial");
    assert_eq!(
        level(K::GivenName, "Jennifer", "Jenifer"),
        "nickname or sounds alike"
    );
    assert_eq!(level(K::GivenName, "Katherine", "Katherlne"), "similar");
    assert_eq!(level(K::GivenName, "Minjun", "Soyeon"), "different");
    assert_eq!(level(K::FamilyName, "Pereira", "Perreira"), "sounds alike");
    assert_eq!(
        level(K::BirthDate, "1985-03-02", "1985-03-12"),
        "one typo or day/month swapped"
    );
    assert_eq!(level(K::BirthDate, "1985-03-02", "1985-11-20"), "same year");
    assert_eq!(
        level(K::Phone, "+82 10 1234 5678", "010-1234-5687"),
        "one character off"
    );
    assert_eq!(level(K::Phone, "+82 10 1234 5678", "010-1234-5678"), "same");
    assert_eq!(
        level(K::Email, "ana.silva@x.test", "ana.silva@y.test"),
        "same name part"
    );
    assert_eq!(level(K::Postcode, "04524", "04599"), "same area");
    assert_eq!(
        level(K::Identifier, "P12345678", "P12345687"),
        "one character off"
    );
    assert_eq!(level(K::Address, "12 Main Street", "12 main st"), "same");
    assert_eq!(
        level(K::Address, "12 Main Street", "14 Main Street"),
        "different"
    );
    assert_eq!(
        level(K::FullName, "Ana Maria Silva", "Silva Ana Maria"),
        "same"
    );
    assert_eq!(
        level(K::FullName, "Ana Silva", "Ana Costa"),
        "one name agrees"
    );
}

#[test]
fn whole_names_split_at_the_family_name_in_capitals_and_keep_hyphenated_words() {
    use super::normalize::name_parts;
    let parts = |t: &str| name_parts(t).unwrap();
    assert_eq!(parts("KIM Min-jun"), ("minjun".into(), "kim".into()));
    assert_eq!(
        parts("Ana Maria SILVA"),
        ("anamaria".into(), "silva".into())
    );
    assert_eq!(parts("Seo-jun Kang"), ("seojun".into(), "kang".into()));
    assert_eq!(parts("Dr. Ana Silva"), ("ana".into(), "silva".into()));
    assert_eq!(
        parts("Siobhan O'Brien"),
        ("siobhan".into(), "obrien".into())
    );
    assert_eq!(name_parts(" - "), None);
}

#[test]
fn relatives_written_family_name_first_still_share_only_the_family_name() {
    let plan = plan();
    let a = record(&plan, &fields(&[("name", "Victoria Lee")]));
    let b = record(&plan, &fields(&[("name", "LEE Lucia")]));
    for (x, y) in [(&a, &b), (&b, &a)] {
        let levels = plan.compare(x, y);
        assert_eq!(level_name(&plan, &levels, "firstName"), Some("different"));
        assert_eq!(level_name(&plan, &levels, "lastName"), Some("same"));
    }
}

#[test]
fn a_phone_counts_apart_at_the_same_address_and_elsewhere() {
    let plan = plan();
    let home = |street: &str, postcode: &str| {
        record(
            &plan,
            &fields(&[
                ("phone", "+82 10 4834 7719"),
                ("address.street", street),
                ("address.postalCode", postcode),
            ]),
        )
    };
    let attributes = plan.model_attributes();
    let at = |path: &str| attributes.iter().position(|a| a.path == path).unwrap();
    let (same, elsewhere) = (at("phone (same address)"), at("phone (elsewhere)"));
    let together = plan.compare(&home("1 Main St", "04524"), &home("1 Main St", "04524"));
    assert_eq!((together[same], together[elsewhere]), (Some(2), None));
    let apart = plan.compare(&home("1 Main St", "04524"), &home("9 Oak Ave", "88100"));
    assert_eq!((apart[same], apart[elsewhere]), (None, Some(2)));
}

#[test]
fn scores_never_round_up_to_a_certainty_and_comparisons_name_their_trait_paths() {
    use crate::model::matching::score_text;
    assert_eq!(score_text(0.99996), "> 99.9 %");
    assert_eq!(score_text(1.0), "100.0 %");
    assert_eq!(score_text(0.4279), "42.8 %");
    assert_eq!(score_text(0.0001), "< 0.1 %");
    use super::record::{applies, lives_together, source_paths};
    assert!(applies("phone (same address)", true) && !applies("phone (same address)", false));
    assert!(applies("phone (elsewhere)", false) && !applies("phone (elsewhere)", true));
    assert!(applies("email", true) && applies("email", false));
    assert!(lives_together(Some("same address")) && lives_together(Some("same postcode")));
    assert!(!lives_together(Some("same area")) && !lives_together(None));
    assert_eq!(source_paths("phone (same address)"), ["phone"]);
    assert_eq!(source_paths("phone (elsewhere)"), ["phone"]);
    assert_eq!(
        source_paths("address.street + address.city"),
        ["address.street", "address.city"]
    );
}

#[test]
fn an_email_is_similar_only_by_one_typo() {
    let level = |a: &str, b: &str| {
        let (a, b) = (
            compare::prepare(K::Email, a).unwrap(),
            compare::prepare(K::Email, b).unwrap(),
        );
        K::Email.levels()[compare::level(K::Email, &a, &b)]
    };
    assert_eq!(
        level("kate.lee3@post.test", "kate.le3@post.test"),
        "one typo"
    );
    assert_eq!(
        level("kate.lee3@post.test", "kate.lee444@inbox.test"),
        "different"
    );
}

fn synth_records(count: usize, seed: u64) -> (Plan, Vec<synth::SynthRecord>, Vec<Record>) {
    let plan = plan();
    let synth = synth::generate(count, seed);
    let records = synth.iter().map(|s| record(&plan, &s.fields)).collect();
    (plan, synth, records)
}

#[test]
fn on_generated_duplicates_the_bands_are_accurate() {
    let (plan, synth, records) = synth_records(3_000, 7);
    let matched = pipeline::run(&plan, &records, 200, 1);
    let settings = MatchSettings::default();
    let truth: Vec<u32> = synth.iter().map(|s| s.person).collect();
    let q = quality::measure(
        &truth,
        &matched.pairs,
        settings.review_at,
        settings.auto_merge_at,
    );
    eprintln!(
        "{q:?} precision {:.4} recall {:.4} auto precision {:.4} blocking recall {:.4}",
        q.precision(),
        q.recall(),
        q.auto_precision(),
        q.blocking_recall()
    );
    // Deterministic (seeded): a floor under what it measures now (0.9882, 0.9790, 1.0), so a
    // change that makes matching worse fails here; the targets are measured by the
    // bench on 10,000 records.
    assert!(q.precision() >= 0.985, "precision {}", q.precision());
    assert!(q.recall() >= 0.975, "recall {}", q.recall());
    assert!(
        q.auto_precision() >= 0.995,
        "auto precision {}",
        q.auto_precision()
    );
}

#[test]
fn the_model_is_the_same_whatever_order_the_settings_list_attributes_in() {
    let (plan, synth, _) = synth_records(600, 3);
    let mut reversed = MatchSettings::default().attributes;
    reversed.push(MatchAttribute::new("policyNumber", K::Identifier));
    reversed.reverse();
    let other = Plan::new(&reversed);
    assert_eq!(plan, other);
    let run = |plan: &Plan| {
        let records: Vec<Record> = synth.iter().map(|s| record(plan, &s.fields)).collect();
        pipeline::run(plan, &records, 200, 1).pairs
    };
    assert_eq!(run(&plan), run(&other));
}

fn trained_model() -> fellegi_sunter::Model {
    let (plan, _, records) = synth_records(800, 11);
    pipeline::run(&plan, &records, 200, 1).model
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn comparisons_are_symmetric(seed in 0u64..10_000, i in 0usize..40, j in 0usize..40, noise in "[A-Za-z0-9 .@-]{0,14}") {
        let (plan, synth, mut records) = synth_records(40, seed);
        let mut odd = synth[i].fields.clone();
        odd.insert("firstName", noise.clone());
        odd.insert("address.street", noise);
        records.push(record(&plan, &odd));
        for (a, b) in [(i, j), (i, records.len() - 1)] {
            prop_assert_eq!(plan.compare(&records[a], &records[b]), plan.compare(&records[b], &records[a]));
        }
    }

    #[test]
    fn more_agreement_never_lowers_the_score(levels in proptest::collection::vec(proptest::option::of(0u8..5), 10), attr in 0usize..10) {
        let model = trained_model_cached();
        let mut levels: Levels = levels;
        levels.truncate(model.attributes.len());
        let attr = attr % levels.len();
        let top = model.attributes[attr].kind.levels().len() as u8 - 1;
        for l in levels.iter_mut().flatten() {
            *l = (*l).min(top);
        }
        if let Some(l) = levels[attr] && l < top {
            let mut better = levels.clone();
            better[attr] = Some(l + 1);
            prop_assert!(model.weight(&better) >= model.weight(&levels));
        }
    }
}

fn trained_model_cached() -> &'static fellegi_sunter::Model {
    static MODEL: std::sync::OnceLock<fellegi_sunter::Model> = std::sync::OnceLock::new();
    MODEL.get_or_init(trained_model)
}
