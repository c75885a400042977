//! Computed traits kept as events arrive: each definition's state rides on the profile
//! ([`TraitState`]), and its value under `computed.<name>` is read from that state, so no step
//! of ingestion, merging or aging reads a person's event history.
use super::{Touch, apply::counted_event};
use crate::{
    model::{
        computed::ComputedTraitDef,
        computed_state::{Observed, TraitState},
    },
    server::{db::profile_doc::ProfileDoc, message::Message},
};
use chrono::{DateTime, Utc};
use mongodb::bson::{self, Bson};
use serde_json::Value;

/// Adds `touch`'s event to every definition that counts it, and sets those values as of `now`.
pub fn observe(
    profile: &mut ProfileDoc,
    touch: Touch<'_>,
    definitions: &[ComputedTraitDef],
    now: DateTime<Utc>,
) {
    let Some(event) = counted_event(touch.message) else {
        return;
    };
    for definition in definitions.iter().filter(|d| d.event == event) {
        let observed = Observed {
            at: touch.message.timestamp,
            key: touch.key,
            value: definition
                .property
                .as_deref()
                .and_then(|path| property(touch.message, path)),
        };
        let state = profile
            .computed_state
            .entry(definition.name.clone())
            .or_default();
        state.observe(definition, &observed);
        // An event older than the window leaves nothing behind.
        state.age(definition, now);
        set_value(profile, definition, now);
    }
}

/// Sets the value of every definition the profile keeps a state for, as of `now` (after a
/// merge, a restore or a day leaving a window).
pub fn refresh(profile: &mut ProfileDoc, definitions: &[ComputedTraitDef], now: DateTime<Utc>) {
    for definition in definitions {
        if profile.computed_state.contains_key(&definition.name) {
            set_value(profile, definition, now);
        }
    }
}

/// Drops the days that left `definition`'s window and sets its value; whether it changed.
pub fn age(profile: &mut ProfileDoc, definition: &ComputedTraitDef, now: DateTime<Utc>) -> bool {
    let Some(state) = profile.computed_state.get_mut(&definition.name) else {
        return false;
    };
    if !state.age(definition, now) {
        return false;
    }
    set_value(profile, definition, now);
    true
}

/// Adds the absorbed side's states to the survivor's (a merge).
pub fn absorb(survivor: &mut ProfileDoc, absorbed: &ProfileDoc) {
    for (name, state) in &absorbed.computed_state {
        survivor
            .computed_state
            .entry(name.clone())
            .or_default()
            .absorb(state);
    }
}

/// Replaces `definition`'s state with `state` and sets its value (a back-fill).
pub fn replace(
    profile: &mut ProfileDoc,
    definition: &ComputedTraitDef,
    state: TraitState,
    now: DateTime<Utc>,
) {
    profile
        .computed_state
        .insert(definition.name.clone(), state);
    set_value(profile, definition, now);
}

fn set_value(profile: &mut ProfileDoc, definition: &ComputedTraitDef, now: DateTime<Utc>) {
    let value = profile
        .computed_state
        .get(&definition.name)
        .map_or(Value::Null, |state| state.value(definition, now));
    let value = bson::to_bson(&value).unwrap_or(Bson::Null);
    profile.computed.insert(definition.name.clone(), value);
}

/// The value at dotted `path` inside the message's `properties`.
pub fn property<'a>(message: &'a Message, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(message.raw.get("properties")?, |value, part| {
            value.get(part)
        })
}

#[cfg(test)]
#[path = "computed_tests.rs"]
mod tests;
