use super::*;
use crate::{
    model::segment::CatalogEvent,
    segment::{Scalar, TimeUnit},
};

fn field(path: &str, types: &[&str]) -> CatalogField {
    CatalogField {
        path: path.into(),
        types: types.iter().map(|t| (*t).to_owned()).collect(),
        coverage: 1,
    }
}

fn catalog() -> BuilderCatalog {
    BuilderCatalog {
        traits: vec![
            field("traits.plan", &["string"]),
            field("traits.spend", &["number"]),
            field("traits.vip", &["boolean"]),
            field("traits.joined", &["date"]),
            field("traits.tags", &["array"]),
        ],
        events: vec![CatalogEvent {
            name: "Order Completed".into(),
            count: 3,
            properties: vec![field("properties.total", &["number"])],
        }],
        ..BuilderCatalog::default()
    }
}

fn every_kind() -> Rule {
    let t = |path: &str, test| Rule::Trait {
        path: path.into(),
        test,
    };
    let at = "2030-05-06T07:08:00Z".parse().unwrap();
    Rule::group(
        GroupKind::All,
        vec![
            t("traits.plan", ValueTest::StartsWith { text: "go".into() }),
            t(
                "traits.plan",
                ValueTest::InList {
                    values: vec![Scalar::Text("a".into()), Scalar::Text("b c".into())],
                },
            ),
            t(
                "traits.spend",
                ValueTest::Between {
                    min: 1.5,
                    max: 20.0,
                },
            ),
            t("traits.vip", ValueTest::IsFalse),
            t(
                "traits.joined",
                ValueTest::WithinLast {
                    amount: 52,
                    unit: TimeUnit::Weeks,
                },
            ),
            t("traits.joined", ValueTest::MoreThanDaysAgo { days: 50 }),
            t("traits.joined", ValueTest::AnniversaryWithin { days: 60 }),
            t("traits.joined", ValueTest::OnWeekday { days: vec![1, 6] }),
            Rule::group(
                GroupKind::Any,
                vec![
                    t("traits.joined", ValueTest::Before { at }),
                    t(
                        "traits.tags",
                        ValueTest::ArrayContains {
                            value: Scalar::Text("x".into()),
                        },
                    ),
                    Rule::Event(EventCondition {
                        event: "Order Completed".into(),
                        count: CountOp::Exactly,
                        times: 3,
                        within_days: Some(30),
                        filters: vec![PropertyFilter {
                            path: "properties.total".into(),
                            test: ValueTest::Gte { value: 10.0 },
                        }],
                    }),
                    Rule::group(GroupKind::None, vec![Rule::Bucket { from: 5, to: 95 }]),
                    Rule::Segment {
                        segment: "abc".into(),
                        member: false,
                    },
                    Rule::Consent {
                        purpose: "email_marketing".into(),
                    },
                ],
            ),
        ],
    )
}

#[test]
fn item_01_every_input_kind_round_trips_through_the_form() {
    let rule = every_kind();
    let fields = fields_of(&rule, &catalog());
    assert_eq!(read(fields, None, &catalog()), rule);
}

#[test]
fn buttons_add_move_and_delete_nodes() {
    let catalog = catalog();
    let fields = fields_of(&Rule::everyone(), &catalog);
    let one = read(fields, Some("add:r"), &catalog);
    assert_eq!(one.condition_count(), 1);
    let two = read(fields_of(&one, &catalog), Some("group:r"), &catalog);
    let moved = read(fields_of(&two, &catalog), Some("up:r.1"), &catalog);
    assert!(matches!(&moved, Rule::Group { rules, .. } if matches!(rules[0], Rule::Group { .. })));
    let deleted = read(fields_of(&moved, &catalog), Some("del:r.0"), &catalog);
    assert_eq!(deleted, one);
}

#[test]
fn a_field_picked_without_javascript_starts_afresh_and_chips_are_removed_and_added() {
    let catalog = catalog();
    let rule = every_kind();
    let mut fields = fields_of(&rule, &catalog);
    fields.insert("r.0.field".into(), "trait:traits.spend".into());
    fields.insert("r.1.values.add".into(), "d, e".into());
    let read_back = read(fields, Some("unchip:r.1.values.0"), &catalog);
    let Rule::Group { rules, .. } = read_back else {
        panic!("a group")
    };
    assert_eq!(rules[0], new_condition("trait:traits.spend", &catalog));
    let texts = |v: &[&str]| {
        v.iter()
            .map(|t| Scalar::Text((*t).into()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rules[1],
        Rule::Trait {
            path: "traits.plan".into(),
            test: ValueTest::InList {
                values: texts(&["b c", "d", "e"])
            }
        }
    );
}

#[test]
fn names_come_back_from_submitted_pairs() {
    let fields = fields_from([
        ("b[r.group]", "any"),
        ("name", "x"),
        ("b[r.0.field]", "bucket"),
    ]);
    assert_eq!(fields.len(), 2);
    assert_eq!(name("r.0", "op"), "b[r.0.op]");
    assert_eq!(path_of("r.0.12"), Some(vec![0, 12]));
    assert_eq!(path_of("r"), Some(vec![]));
    assert_eq!(path_of("r.0.f1"), None);
}
