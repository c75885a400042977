//! A merge combines the absorbed profile into the survivor: traits by recency with provenance,
//! counters and computed-trait states added, the earliest first-seen and latest last-seen
//! (values read from the combined states are set by the caller, which knows the definitions).
use super::{
    apply::{refresh_display, remember_applied},
    counters::{Retention, add_counts},
    traits::{TraitWrite, set_trait},
};
use crate::server::{db::profile_doc::ProfileDoc, identity::identifiers::IdentityPolicy};
use mongodb::bson::Bson;

/// Folds `absorbed` into `survivor`.
pub fn combine(
    survivor: &mut ProfileDoc,
    absorbed: &ProfileDoc,
    policy: &IdentityPolicy,
    retention: &Retention,
) {
    combine_activity(survivor, absorbed);
    combine_traits(survivor, absorbed);
    super::consent::combine(survivor, absorbed);
    for counter in &absorbed.counters {
        add_counts(
            survivor,
            &counter.event,
            counter.total,
            &counter.daily,
            retention,
        );
    }
    super::computed::absorb(survivor, absorbed);
    super::event_matches::combine(survivor, absorbed, retention);
    union(&mut survivor.sources, &absorbed.sources);
    union(&mut survivor.separated_from, &absorbed.separated_from);
    for identity in &absorbed.identities {
        if !survivor.identities.iter().any(|i| i.key == identity.key) {
            survivor.identities.push(identity.clone());
        }
    }
    // The absorbed side's keys go first so trimming drops the oldest of both, never all of the
    // survivor's own recent keys.
    let own = std::mem::take(&mut survivor.applied);
    for key in absorbed.applied.iter().chain(&own) {
        if !survivor.applied.contains(key) {
            remember_applied(&mut survivor.applied, key.clone());
        }
    }
    survivor.absorbed.push(absorbed.id);
    survivor.absorbed.extend(absorbed.absorbed.iter().copied());
    // Read again from the events, which now include the absorbed side's.
    survivor.product_memory = None;
    refresh_display(survivor, policy);
}

/// Seen times, event count, and the latest page, event and device of the two.
fn combine_activity(survivor: &mut ProfileDoc, absorbed: &ProfileDoc) {
    survivor.first_seen = min_opt(survivor.first_seen, absorbed.first_seen);
    survivor.last_seen = survivor.last_seen.max(absorbed.last_seen);
    survivor.event_count += absorbed.event_count;
    let page_at = |p: &ProfileDoc| p.last_page.as_ref().map(|x| x.at);
    if later(page_at(absorbed), page_at(survivor)) {
        survivor.last_page.clone_from(&absorbed.last_page);
    }
    let event_at = |p: &ProfileDoc| p.last_event.as_ref().map(|x| x.at);
    if later(event_at(absorbed), event_at(survivor)) {
        survivor.last_event.clone_from(&absorbed.last_event);
    }
    let device_at = |p: &ProfileDoc| p.device.as_ref().map(|x| x.at);
    if later(device_at(absorbed), device_at(survivor)) {
        survivor.device.clone_from(&absorbed.device);
    }
}

/// Adds the items of `more` that `into` lacks.
fn union<T: PartialEq + Clone>(into: &mut Vec<T>, more: &[T]) {
    for item in more {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn later<T: Ord>(candidate: Option<T>, held: Option<T>) -> bool {
    candidate.is_some() && candidate > held
}

/// Replays the absorbed side's values (current, then history) as writes at their own times.
fn combine_traits(survivor: &mut ProfileDoc, absorbed: &ProfileDoc) {
    for held in &absorbed.provenance {
        let current = absorbed
            .traits
            .get(&held.key)
            .cloned()
            .unwrap_or(Bson::Null);
        set_trait(
            survivor,
            TraitWrite {
                key: &held.key,
                value: current,
                source: &held.source,
                message_id: &held.message_id,
                at: held.at,
            },
        );
        for past in &held.history {
            set_trait(
                survivor,
                TraitWrite {
                    key: &held.key,
                    value: past.value.clone(),
                    source: &past.source,
                    message_id: &past.message_id,
                    at: past.at,
                },
            );
        }
    }
}
