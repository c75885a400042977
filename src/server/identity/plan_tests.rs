use super::*;
use proptest::prelude::*;

fn id(kind: IdentityKind, value: &str) -> Identifier {
    Identifier {
        kind,
        value: value.to_owned(),
    }
}

fn holding(kinds: &[(IdentityKind, usize)]) -> Candidate {
    Candidate {
        counts: kinds.iter().copied().collect(),
        ..Candidate::default()
    }
}

#[test]
fn unknown_identifiers_make_a_new_profile() {
    let ids = [
        id(IdentityKind::AnonymousId, "a"),
        id(IdentityKind::Email, "e@x.io"),
    ];
    let plan = plan(
        &ids,
        &HashMap::new(),
        &HashMap::new(),
        &IdentityLimits::default(),
        false,
    );
    assert_eq!(plan.target, Target::New);
    assert_eq!(plan.claim.len(), 2);
    assert!(plan.merge.is_empty());
}

#[test]
fn identify_after_anonymous_merges_the_anonymous_profile_into_the_known_one() {
    let (known, anonymous) = (ObjectId::new(), ObjectId::new());
    let ids = [
        id(IdentityKind::UserId, "u"),
        id(IdentityKind::AnonymousId, "a"),
    ];
    let owners = HashMap::from([(ids[0].key(), known), (ids[1].key(), anonymous)]);
    let candidates = HashMap::from([
        (known, holding(&[(IdentityKind::UserId, 1)])),
        (anonymous, holding(&[(IdentityKind::AnonymousId, 1)])),
    ]);
    let plan = plan(
        &ids,
        &owners,
        &candidates,
        &IdentityLimits::default(),
        false,
    );
    assert_eq!(plan.target, Target::Existing(known));
    assert_eq!(plan.merge, [anonymous]);
}

#[test]
fn a_shared_device_never_merges_two_known_users() {
    let (ann, bob) = (ObjectId::new(), ObjectId::new());
    let ids = [
        id(IdentityKind::UserId, "bob"),
        id(IdentityKind::AnonymousId, "kiosk"),
    ];
    let owners = HashMap::from([(ids[1].key(), ann)]);
    let candidates = HashMap::from([(
        ann,
        holding(&[(IdentityKind::UserId, 1), (IdentityKind::AnonymousId, 1)]),
    )]);
    let plan = plan(
        &ids,
        &owners,
        &candidates,
        &IdentityLimits::default(),
        false,
    );
    assert_eq!(plan.target, Target::New, "bob gets his own profile");
    assert_eq!(plan.claim, [ids[0].clone()]);
    assert_eq!(plan.refused, [(ids[1].clone(), Refusal::Limit)]);
    let _ = bob;
    let alias = super::plan(&ids, &owners, &candidates, &IdentityLimits::default(), true);
    assert_eq!(
        alias.target,
        Target::Existing(ann),
        "an explicit alias links them anyway"
    );
}

#[test]
fn separated_profiles_are_not_merged_again() {
    let (a, b) = (ObjectId::new(), ObjectId::new());
    let ids = [
        id(IdentityKind::UserId, "u"),
        id(IdentityKind::AnonymousId, "x"),
    ];
    let owners = HashMap::from([(ids[0].key(), a), (ids[1].key(), b)]);
    let mut candidate_b = holding(&[(IdentityKind::AnonymousId, 1)]);
    candidate_b.separated_from.push(a);
    let candidates = HashMap::from([(a, holding(&[(IdentityKind::UserId, 1)])), (b, candidate_b)]);
    let plan = plan(
        &ids,
        &owners,
        &candidates,
        &IdentityLimits::default(),
        false,
    );
    assert_eq!(plan.target, Target::Existing(a));
    assert!(plan.merge.is_empty());
    assert_eq!(plan.refused, [(ids[1].clone(), Refusal::Separated)]);
}

#[test]
fn a_separation_survives_later_merges_of_either_side() {
    let (a, b, x) = (ObjectId::new(), ObjectId::new(), ObjectId::new());
    let ids = [
        id(IdentityKind::UserId, "u"),
        id(IdentityKind::AnonymousId, "x"),
    ];
    let owners = HashMap::from([(ids[0].key(), b), (ids[1].key(), x)]);
    // x was un-merged from a; a was later merged into b.
    let mut holder_b = holding(&[(IdentityKind::UserId, 1)]);
    holder_b.absorbed.push(a);
    let mut holder_x = holding(&[(IdentityKind::AnonymousId, 1)]);
    holder_x.separated_from.push(a);
    let candidates = HashMap::from([(b, holder_b), (x, holder_x)]);
    let plan = plan(
        &ids,
        &owners,
        &candidates,
        &IdentityLimits::default(),
        false,
    );
    assert!(plan.merge.is_empty(), "{plan:?}");
    assert_eq!(plan.refused, [(ids[1].clone(), Refusal::Separated)]);
}

fn kind() -> impl Strategy<Value = IdentityKind> {
    prop_oneof![
        Just(IdentityKind::UserId),
        Just(IdentityKind::Email),
        Just(IdentityKind::AnonymousId),
    ]
}

proptest! {
    /// Whatever the ownership, a non-explicit plan keeps the target group within every limit,
    /// and each identifier is claimed, already in the group, or refused — never silently lost.
    #[test]
    fn plans_respect_limits_and_account_for_every_identifier(
        ids in prop::collection::vec((kind(), 0u8..4), 1..6),
        owned in prop::collection::vec((0usize..6, 0usize..3), 0..6),
        held in prop::collection::vec(prop::collection::vec((kind(), 1usize..3), 0..3), 3),
    ) {
        let profiles: Vec<ObjectId> = (0..3).map(|_| ObjectId::new()).collect();
        let ids: Vec<Identifier> = ids.iter().map(|(k, v)| id(*k, &v.to_string())).collect();
        let owners: HashMap<String, ObjectId> = owned.iter()
            .filter_map(|(i, p)| ids.get(*i).map(|id| (id.key(), profiles[*p]))).collect();
        let candidates: HashMap<ObjectId, Candidate> = profiles.iter().zip(&held)
            .map(|(p, h)| (*p, holding(h))).collect();
        let limits = IdentityLimits { user_id: 1, email: 2, anonymous_id: 3, ..Default::default() };
        let plan = plan(&ids, &owners, &candidates, &limits, false);
        let group: Vec<ObjectId> = match plan.target {
            Target::New => vec![],
            Target::Existing(t) => std::iter::once(t).chain(plan.merge.clone()).collect(),
        };
        let mut counts: HashMap<IdentityKind, usize> = HashMap::new();
        for member in &group {
            for (k, n) in &candidates[member].counts { *counts.entry(*k).or_default() += n; }
        }
        for claimed in &plan.claim { *counts.entry(claimed.kind).or_default() += 1; }
        if !group.is_empty() || !plan.claim.is_empty() {
            for (k, n) in &counts { prop_assert!(*n <= limits.of(*k), "{k:?} {n}"); }
        }
        for identifier in &ids {
            let claimed = plan.claim.contains(identifier);
            let in_group = owners.get(&identifier.key()).is_some_and(|o| group.contains(o));
            let refused = plan.refused.iter().any(|(r, _)| r == identifier);
            prop_assert!(claimed || in_group || refused, "{identifier:?} lost");
            prop_assert!(!(claimed && owners.contains_key(&identifier.key())));
        }
    }
}
