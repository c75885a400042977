//! A stored profile as rule evaluation reads it.
use crate::{
    segment::eval::{CounterValue, DateValue, Subject},
    server::db::profile_doc::ProfileDoc,
};
use mongodb::bson::{Bson, Document};
use serde_json::Value;

/// The parts of `profile` rules can test.
pub fn subject_of(profile: &ProfileDoc) -> Subject {
    Subject {
        id: profile.id.to_hex(),
        traits: json_of(&profile.traits),
        computed: json_of(&profile.computed),
        dates: profile
            .dates
            .iter()
            .map(|d| DateValue {
                path: d.path.clone(),
                at: d.at.timestamp_millis(),
                weekday: u8::try_from(d.weekday).unwrap_or(0),
                month_day: u32::try_from(d.month_day).unwrap_or(0),
            })
            .collect(),
        counters: profile
            .counters
            .iter()
            .map(|c| CounterValue {
                event: c.event.clone(),
                total: c.total,
                daily: c.daily.iter().map(|d| (d.day.clone(), d.count)).collect(),
            })
            .collect(),
        consent: profile
            .consent
            .iter()
            .map(|c| (c.purpose.clone(), c.granted))
            .collect(),
        identity_kinds: profile.identities.iter().map(|i| i.kind.clone()).collect(),
        bucket: profile.bucket.and_then(|b| u32::try_from(b).ok()),
    }
}

/// A document as JSON with plain numbers (what the rules compare).
fn json_of(document: &Document) -> Value {
    Bson::Document(document.clone()).into_relaxed_extjson()
}
