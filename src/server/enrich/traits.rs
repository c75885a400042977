//! Traits merge last-write-wins by event time (not arrival order), keeping provenance and a
//! bounded history of earlier values.
use crate::server::db::profile_doc::{PastValue, ProfileDoc, TraitProvenance};
use mongodb::bson::{self, Bson};

/// Distinct top-level traits per profile; beyond it new keys are dropped (with a warning), so
/// a client inventing keys cannot grow a profile past MongoDB's document limit.
pub const MAX_TRAITS: usize = 500;
/// Earlier values kept per trait.
pub const HISTORY_LIMIT: usize = 10;

/// One value written to one trait by one message.
#[derive(Debug, Clone)]
pub struct TraitWrite<'a> {
    /// Top-level trait key.
    pub key: &'a str,
    /// The value.
    pub value: Bson,
    /// Source name.
    pub source: &'a str,
    /// Message id.
    pub message_id: &'a str,
    /// Event time.
    pub at: bson::DateTime,
}

/// Ties on time are broken by message id, so any arrival order gives the same winner.
fn is_newer(write: &TraitWrite<'_>, held: &TraitProvenance) -> bool {
    (write.at, write.message_id) >= (held.at, held.message_id.as_str())
}

/// Applies `write` to `profile`'s traits.
pub fn set_trait(profile: &mut ProfileDoc, write: TraitWrite<'_>) {
    let Some(index) = profile.provenance.iter().position(|p| p.key == write.key) else {
        if profile.provenance.len() >= MAX_TRAITS {
            tracing::warn!(profile = %profile.id, key = write.key, "trait limit reached; key dropped");
            return;
        }
        profile.traits.insert(write.key, write.value);
        profile.provenance.push(TraitProvenance {
            key: write.key.to_owned(),
            source: write.source.to_owned(),
            message_id: write.message_id.to_owned(),
            at: write.at,
            history: Vec::new(),
        });
        return;
    };
    let held = &mut profile.provenance[index];
    if held.message_id == write.message_id && held.at == write.at {
        return;
    }
    let current = profile.traits.get(write.key).cloned().unwrap_or(Bson::Null);
    if is_newer(&write, held) {
        if current != write.value {
            let past = PastValue {
                value: current,
                source: std::mem::take(&mut held.source),
                message_id: std::mem::take(&mut held.message_id),
                at: held.at,
            };
            remember(&mut held.history, past);
            profile.traits.insert(write.key, write.value);
        }
        held.source = write.source.to_owned();
        held.message_id = write.message_id.to_owned();
        held.at = write.at;
    } else if current != write.value {
        let past = PastValue {
            value: write.value,
            source: write.source.to_owned(),
            message_id: write.message_id.to_owned(),
            at: write.at,
        };
        remember(&mut held.history, past);
    }
}

/// Newest first, without repeating a (value, time) already kept, at most [`HISTORY_LIMIT`].
fn remember(history: &mut Vec<PastValue>, past: PastValue) {
    if history
        .iter()
        .any(|h| h.at == past.at && h.message_id == past.message_id)
    {
        return;
    }
    let position = history
        .iter()
        .position(|h| (h.at, h.message_id.as_str()) < (past.at, past.message_id.as_str()))
        .unwrap_or(history.len());
    history.insert(position, past);
    history.truncate(HISTORY_LIMIT);
}

#[cfg(test)]
#[path = "traits_tests.rs"]
mod tests;
