//! Differential property: random rules over random profiles stored in the real server — the
//! compiled query returns exactly the profiles in-memory evaluation accepts. Profiles mix types on
//! one path, miss fields, hold nulls, lists (of values and of documents) and dates at the edges of
//! the rules' windows; every rule's complement partitions the profiles with it, and a test, its
//! negated operator and "field missing" partition them too.
use crate::support::fresh_db;
use chrono::{DateTime, Duration, Utc};
use enrich::{
    segment::{
        CountOp, EventCondition, GroupKind, Rule, Scalar, TimeUnit, ValueTest,
        compile::{ResolvedSets, compile},
        eval::matches,
        filter::{Filter, SetKey, lower},
    },
    server::{
        db::{
            profile_derived::refresh_derived,
            profile_doc::{ConsentEntry, DayCount, EventCounter, IdentityEntry, ProfileDoc},
            profiles::{COLLECTION, live},
        },
        segments::{sets::ProfileSets, subject::subject_of},
    },
};
use futures::TryStreamExt;
use mongodb::{
    Database,
    bson::{self, Document, doc, oid::ObjectId},
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The instant every case is evaluated at (fixed so windows have exact edges).
fn now() -> DateTime<Utc> {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("gold".to_owned()),
        Just("Gold".to_owned()),
        Just("silver".to_owned()),
        Just("".to_owned()),
        Just("a.b*c".to_owned()),
        Just("Ünïcode".to_owned()),
        Just("30".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(18.0),
        Just(30.0),
        Just(30.5),
        Just(-1.0),
        Just(65.0)
    ]
}

/// Date texts around the rules' edges (now − 7 days, now − 30 days, today, birthdays).
fn date_text() -> impl Strategy<Value = String> {
    let edges = [0i64, 1, -1, 3_600_000];
    (
        prop::sample::select(vec![0i64, 7, 30, 365, 3650]),
        prop::sample::select(edges.to_vec()),
        0..3u8,
    )
        .prop_map(|(days, nudge, form)| {
            let at = now() - Duration::days(days) + Duration::milliseconds(nudge);
            match form {
                0 => at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                1 => at.format("%Y-%m-%d").to_string(),
                _ => at
                    .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
                    .to_rfc3339(),
            }
        })
}

fn scalar_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::from),
        number().prop_map(|n| json!(n)),
        (0i64..70).prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        date_text().prop_map(Value::from),
    ]
}

/// A value for one trait: scalars, lists, documents — or nothing.
fn trait_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        3 => scalar_json().prop_map(Some),
        // Lists hold one kind of value (and nulls): the stand-in also matches regexes against
        // numbers, which MongoDB never does, so text and numbers are not mixed in one list.
        1 => prop::collection::vec(prop_oneof![text().prop_map(Value::from), Just(Value::Null)], 0..3)
            .prop_map(|v| Some(Value::Array(v))),
        1 => prop::collection::vec(prop_oneof![number().prop_map(|n| json!(n)), Just(Value::Null)], 0..3)
            .prop_map(|v| Some(Value::Array(v))),
        2 => Just(None),
    ]
}

/// `address`, the one trait queried through a nested path (`traits.address.city`): a document,
/// a scalar or nothing — never a list. Lists in the middle of a path are where the stand-in
/// server departs from MongoDB (it finds `a.b` in an empty list `a`); the compiler follows
/// MongoDB's documented semantics there, and evaluation mirrors them.
fn address_value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => prop::option::of(scalar_json()).prop_map(|city| Some(match city {
            Some(c) => json!({ "city": c }),
            None => json!({}),
        })),
        1 => scalar_json().prop_map(Some),
        1 => Just(None),
    ]
}

/// Leaf traits (the nested `address` is generated apart).
const TRAITS: [&str; 5] = ["plan", "age", "tags", "birthday", "address"];
/// Event names, with some an aggregation expression would read as a variable or a field path
/// were they not wrapped in `$literal` (issue 15, item 12).
const EVENTS: [&str; 5] = [
    "Order Completed",
    "Page Viewed",
    "$$c.event",
    "$counters",
    "$$ROOT",
];
const PURPOSES: [&str; 2] = ["email_marketing", "analytics"];
const KINDS: [&str; 3] = ["email", "phone", "user_id"];

fn profile() -> impl Strategy<Value = ProfileDoc> {
    (
        prop::collection::vec(trait_value(), TRAITS.len() - 1),
        address_value(),
        prop::option::of(number()),
        prop::option::of(date_text()),
        prop::collection::vec(
            (
                0..EVENTS.len(),
                0i64..5,
                prop::collection::vec((0i64..40, 1i64..3), 0..3),
            ),
            0..3,
        ),
        prop::collection::vec((0..2usize, any::<bool>()), 0..2),
        prop::collection::vec(0..3usize, 0..3),
    )
        .prop_map(
            |(mut traits, address, orders, last_order, counters, consent, kinds)| {
                traits.push(address);
                let at = bson::DateTime::from_chrono(now());
                let mut p = ProfileDoc::new(ObjectId::new(), at);
                let mut object = serde_json::Map::new();
                for (key, value) in TRAITS.iter().zip(traits) {
                    if let Some(value) = value {
                        object.insert((*key).to_owned(), value);
                    }
                }
                p.traits = bson::to_document(&object).unwrap();
                if let Some(n) = orders {
                    p.computed.insert("orders", n);
                }
                if let Some(d) = last_order {
                    p.computed.insert("last_order", d);
                }
                for (event, total, days) in counters {
                    let mut daily: Vec<DayCount> = days
                        .into_iter()
                        .map(|(ago, count)| DayCount {
                            day: (now() - Duration::days(ago)).format("%Y-%m-%d").to_string(),
                            count,
                        })
                        .collect();
                    daily.sort_by(|a, b| a.day.cmp(&b.day));
                    daily.dedup_by(|a, b| a.day == b.day);
                    let total = total + daily.iter().map(|d| d.count).sum::<i64>();
                    p.counters.push(EventCounter {
                        event: EVENTS[event].to_owned(),
                        total,
                        daily,
                    });
                }
                for (purpose, granted) in consent {
                    p.consent.push(ConsentEntry {
                        purpose: PURPOSES[purpose].to_owned(),
                        granted,
                        source: "t".into(),
                        at,
                    });
                }
                for kind in kinds {
                    p.identities.push(IdentityEntry {
                        key: format!("{}:{}", KINDS[kind], p.id),
                        kind: KINDS[kind].to_owned(),
                        value: p.id.to_hex(),
                        source: "t".into(),
                        at,
                    });
                }
                refresh_derived(&mut p);
                p
            },
        )
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        text().prop_map(Scalar::Text),
        number().prop_map(Scalar::Number),
        any::<bool>().prop_map(Scalar::Bool),
    ]
}

fn value_test() -> impl Strategy<Value = ValueTest> {
    let at = prop::sample::select(vec![0i64, 7, 30, 365]).prop_map(|d| now() - Duration::days(d));
    prop_oneof![
        Just(ValueTest::Exists),
        Just(ValueTest::Missing),
        Just(ValueTest::IsEmpty),
        Just(ValueTest::IsTrue),
        Just(ValueTest::IsFalse),
        scalar().prop_map(|value| ValueTest::Equals { value }),
        scalar().prop_map(|value| ValueTest::NotEquals { value }),
        scalar().prop_map(|value| ValueTest::ArrayContains { value }),
        prop::collection::vec(scalar(), 1..3).prop_map(|values| ValueTest::InList { values }),
        prop::collection::vec(scalar(), 1..3).prop_map(|values| ValueTest::NotInList { values }),
        text().prop_map(|text| ValueTest::Contains { text }),
        text().prop_map(|text| ValueTest::StartsWith { text }),
        text().prop_map(|text| ValueTest::EndsWith { text }),
        number().prop_map(|value| ValueTest::Lt { value }),
        number().prop_map(|value| ValueTest::Gte { value }),
        (number(), number()).prop_map(|(a, b)| ValueTest::Between {
            min: a.min(b),
            max: a.max(b)
        }),
        at.clone().prop_map(|at| ValueTest::Before { at }),
        at.clone().prop_map(|at| ValueTest::After { at }),
        (at.clone(), at).prop_map(|(a, b)| ValueTest::DateBetween {
            from: a.min(b),
            to: a.max(b)
        }),
        (prop::sample::select(vec![1u32, 7, 30]), any::<bool>()).prop_map(|(amount, hours)| {
            ValueTest::WithinLast {
                amount,
                unit: if hours {
                    TimeUnit::Hours
                } else {
                    TimeUnit::Days
                },
            }
        }),
        prop::sample::select(vec![0u32, 7, 30])
            .prop_map(|days| ValueTest::MoreThanDaysAgo { days }),
        prop::collection::vec(1u8..8, 1..3).prop_map(|days| ValueTest::OnWeekday { days }),
        prop::sample::select(vec![0u32, 6, 30])
            .prop_map(|days| ValueTest::AnniversaryWithin { days }),
    ]
}

fn condition() -> impl Strategy<Value = Rule> {
    let paths = [
        "traits.plan",
        "traits.age",
        "traits.tags",
        "traits.address",
        "traits.address.city",
        "traits.birthday",
        "traits.nothing",
    ];
    prop_oneof![
        4 => (prop::sample::select(paths.to_vec()), value_test())
            .prop_map(|(path, test)| Rule::Trait { path: path.to_owned(), test }),
        1 => (prop::sample::select(vec!["orders", "last_order"]), value_test())
            .prop_map(|(name, test)| Rule::Computed { name: name.to_owned(), test }),
        1 => (0..EVENTS.len(), prop::sample::select(vec![CountOp::AtLeast, CountOp::AtMost, CountOp::Exactly]), 0u32..4, prop::option::of(prop::sample::select(vec![1u32, 7, 30])))
            .prop_map(|(e, count, times, within_days)| Rule::Event(EventCondition {
                event: EVENTS[e].to_owned(), count, times, within_days, filters: Vec::new(),
            })),
        1 => (0..2usize).prop_map(|p| Rule::Consent { purpose: PURPOSES[p].to_owned() }),
        1 => (0..3usize).prop_map(|k| Rule::Identity { kind: KINDS[k].to_owned() }),
        1 => (0u8..100, 1u8..=100).prop_map(|(a, b)| Rule::Bucket { from: a.min(b.saturating_sub(1)), to: b }),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    condition().prop_recursive(3, 12, 3, |inner| {
        (
            prop::sample::select(vec![GroupKind::All, GroupKind::Any, GroupKind::None]),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(kind, rules)| Rule::Group { kind, rules })
    })
}

/// Profile ids the compiled query returns.
async fn compiled_ids(db: &Database, filter: &Filter) -> BTreeSet<ObjectId> {
    ids_of(
        db,
        doc! { "$and": [live(), compile(filter, &ResolvedSets::new())] },
    )
    .await
}

/// Profile ids `query` returns.
async fn ids_of(db: &Database, query: Document) -> BTreeSet<ObjectId> {
    let found: Vec<Document> = db
        .collection::<Document>(COLLECTION)
        .find(query.clone())
        .projection(doc! { "_id": 1 })
        .await
        .unwrap_or_else(|e| panic!("query {query} failed: {e}"))
        .try_collect()
        .await
        .unwrap();
    found
        .iter()
        .map(|d| d.get_object_id("_id").unwrap())
        .collect()
}

/// Profile ids in-memory evaluation accepts, reading the documents back as stored.
async fn evaluated_ids(db: &Database, filter: &Filter) -> BTreeSet<ObjectId> {
    let stored: Vec<ProfileDoc> = db
        .collection::<ProfileDoc>(COLLECTION)
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let sets = ProfileSets::default();
    stored
        .iter()
        .filter(|p| matches(filter, &subject_of(p), &sets))
        .map(|p| p.id)
        .collect()
}

async fn check(
    db: &Database,
    profiles: Vec<ProfileDoc>,
    rules: Vec<Rule>,
) -> Result<(), TestCaseError> {
    let collection = db.collection::<ProfileDoc>(COLLECTION);
    collection.delete_many(doc! {}).await.unwrap();
    collection.insert_many(&profiles).await.unwrap();
    let all: BTreeSet<ObjectId> = profiles.iter().map(|p| p.id).collect();
    for rule in rules {
        let filter = lower(&rule, now());
        let compiled = compiled_ids(db, &filter).await;
        let evaluated = evaluated_ids(db, &filter).await;
        prop_assert_eq!(
            &compiled,
            &evaluated,
            "rule {:?}\nlowered {:?}",
            rule,
            filter
        );
        let complement = compiled_ids(db, &Filter::NoneOf(vec![filter.clone()])).await;
        prop_assert!(
            compiled.is_disjoint(&complement),
            "p and not p overlap for {:?}",
            rule
        );
        let union: BTreeSet<ObjectId> = compiled.union(&complement).copied().collect();
        prop_assert_eq!(&union, &all, "p and not p miss profiles for {:?}", rule);
        if let Rule::Trait { path, test } = &rule {
            check_partition(db, &all, path, test).await?;
            // Profiles without the field at all: only "missing"-like tests may match them.
            let mut absent = Document::new();
            absent.insert(path.as_str(), doc! { "$exists": false });
            let absent = ids_of(db, absent).await;
            let may_match_absent = matches!(test, ValueTest::Missing | ValueTest::IsEmpty);
            prop_assert!(
                may_match_absent || compiled.is_disjoint(&absent),
                "{:?} matched profiles without {}",
                test,
                path
            );
        }
    }
    Ok(())
}

/// The test and its negation as the rule language spells them, for tests that have one.
fn with_negation(test: &ValueTest) -> Option<(ValueTest, ValueTest)> {
    use ValueTest as T;
    Some(match test {
        T::Equals { value } | T::NotEquals { value } => (
            T::Equals {
                value: value.clone(),
            },
            T::NotEquals {
                value: value.clone(),
            },
        ),
        T::InList { values } | T::NotInList { values } => (
            T::InList {
                values: values.clone(),
            },
            T::NotInList {
                values: values.clone(),
            },
        ),
        T::Exists | T::Missing => (T::Exists, T::Missing),
        _ => return None,
    })
}

/// The partition: on the real server, the test, its negated operator and "field missing" are
/// pairwise disjoint (the negation never matches a missing field) and together cover everyone.
async fn check_partition(
    db: &Database,
    all: &BTreeSet<ObjectId>,
    path: &str,
    test: &ValueTest,
) -> Result<(), TestCaseError> {
    let Some((positive, negative)) = with_negation(test) else {
        return Ok(());
    };
    let mut parts = Vec::new();
    for part in [positive, negative, ValueTest::Missing] {
        let rule = Rule::Trait {
            path: path.to_owned(),
            test: part,
        };
        parts.push(compiled_ids(db, &lower(&rule, now())).await);
    }
    let (yes, no, missing) = (&parts[0], &parts[1], &parts[2]);
    let negation_is_missing = matches!(test, ValueTest::Exists | ValueTest::Missing);
    prop_assert!(
        yes.is_disjoint(no),
        "{test:?} and its negation overlap on {path}"
    );
    prop_assert!(
        negation_is_missing || (yes.is_disjoint(missing) && no.is_disjoint(missing)),
        "{test:?} or its negation matched a profile missing {path}"
    );
    let covered: BTreeSet<ObjectId> = yes.iter().chain(no).chain(missing).copied().collect();
    prop_assert_eq!(
        &covered,
        all,
        "{:?}, its negation and missing leave profiles out",
        test
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// The compiled query and in-memory evaluation agree on every rule and profile.
    #[test]
    fn compiled_queries_and_evaluation_agree(
        profiles in prop::collection::vec(profile(), 1..25),
        rules in prop::collection::vec(rule(), 1..6),
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let db = fresh_db().await;
            let result = check(&db, profiles, rules).await;
            db.drop().await.unwrap();
            result
        })?;
    }
}

/// The lowered filter of a segment reference is a resolved set: the compiled query uses the ids
/// given, evaluation the profile's own memberships.
#[test]
fn segment_references_use_resolved_sets() {
    let filter = lower(
        &Rule::Segment {
            segment: "abc".into(),
            member: true,
        },
        now(),
    );
    assert_eq!(filter, Filter::InSet(SetKey::Segment("abc".into())));
    let id = ObjectId::new();
    let sets = ResolvedSets::from([(SetKey::Segment("abc".into()), vec![id])]);
    assert_eq!(compile(&filter, &sets), doc! { "_id": { "$in": [id] } });
}
