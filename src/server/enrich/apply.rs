//! One message → one profile update.
use super::{
    counters::{Retention, count_event},
    traits::{TraitWrite, set_trait},
};
use crate::server::{
    db::profile_doc::{DeviceInfo, LastEvent, LastPage, ProfileDoc},
    identity::identifiers::{IdentityPolicy, normalise_email, trait_objects},
    ingest::message::{Message, MessageType},
};
use mongodb::bson::{self, Bson, Document};
use serde_json::Value;

pub use crate::server::db::profile_doc::APPLIED_MEMORY;
/// `context` fields kept as the profile's device and location.
const DEVICE_FIELDS: &[&str] = &[
    "device",
    "os",
    "userAgent",
    "ip",
    "location",
    "locale",
    "timezone",
    "app",
    "screen",
];

/// A message on its way into a profile.
#[derive(Debug, Clone, Copy)]
pub struct Touch<'a> {
    /// The message.
    pub message: &'a Message,
    /// Name of the source that sent it.
    pub source: &'a str,
    /// `sourceId:messageId`, unique per message.
    pub key: &'a str,
}

/// The counter a message increments: the event name, or the page/screen view.
pub fn counted_event(message: &Message) -> Option<String> {
    match message.kind {
        MessageType::Track => message.event.clone(),
        MessageType::Page => Some("Page Viewed".to_owned()),
        MessageType::Screen => Some("Screen Viewed".to_owned()),
        _ => None,
    }
}

/// Applies `touch` to `profile`; `false` (and no change) if it was applied already.
pub fn apply(
    profile: &mut ProfileDoc,
    touch: Touch<'_>,
    policy: &IdentityPolicy,
    retention: &Retention,
) -> bool {
    if profile.applied.iter().any(|k| k == touch.key) {
        return false;
    }
    remember_applied(&mut profile.applied, touch.key.to_owned());
    let message = touch.message;
    let at = bson::DateTime::from_chrono(message.timestamp);
    profile.first_seen = Some(profile.first_seen.map_or(at, |seen| seen.min(at)));
    if !profile.sources.iter().any(|s| s == touch.source) {
        profile.sources.push(touch.source.to_owned());
    }
    apply_traits(profile, touch, at);
    if let Some(event) = counted_event(message) {
        note_activity(profile, touch, event, retention);
    }
    if message.kind == MessageType::Page {
        note_page(profile, message, at);
    }
    note_device(profile, message, at);
    super::consent::apply_statements(profile, message, touch.source, at);
    profile.event_count += 1;
    refresh_display(profile, policy);
    true
}

/// Identify / context traits, and the group a group call names.
fn apply_traits(profile: &mut ProfileDoc, touch: Touch<'_>, at: bson::DateTime) {
    for traits in trait_objects(touch.message) {
        for (key, value) in traits {
            set_trait(profile, write(key, value, touch, at));
        }
    }
    if let Some(group) = &touch.message.group_id {
        let group = Value::String(group.clone());
        set_trait(profile, write("groupId", &group, touch, at));
    }
}

/// A counted event: last seen, its counter, the latest event.
fn note_activity(profile: &mut ProfileDoc, touch: Touch<'_>, event: String, retention: &Retention) {
    let at = bson::DateTime::from_chrono(touch.message.timestamp);
    profile.last_seen = Some(profile.last_seen.map_or(at, |seen| seen.max(at)));
    count_event(profile, &event, touch.message.timestamp, 1, retention);
    if profile.last_event.as_ref().is_none_or(|e| e.at <= at) {
        let source = touch.source.to_owned();
        profile.last_event = Some(LastEvent {
            name: event,
            source,
            at,
        });
    }
}

fn write<'a>(key: &'a str, value: &Value, touch: Touch<'a>, at: bson::DateTime) -> TraitWrite<'a> {
    TraitWrite {
        key,
        value: bson::to_bson(value).unwrap_or(Bson::Null),
        source: touch.source,
        message_id: &touch.message.message_id,
        at,
    }
}

/// Keeps the newest [`APPLIED_MEMORY`] keys.
pub fn remember_applied(applied: &mut Vec<String>, key: String) {
    applied.push(key);
    if applied.len() > APPLIED_MEMORY {
        let excess = applied.len() - APPLIED_MEMORY;
        applied.drain(..excess);
    }
}

fn note_page(profile: &mut ProfileDoc, message: &Message, at: bson::DateTime) {
    if profile.last_page.as_ref().is_some_and(|p| p.at > at) {
        return;
    }
    let properties = message.raw.get("properties");
    let context_page = message.raw.get("context").and_then(|c| c.get("page"));
    let text = |name: &str| {
        [properties, context_page]
            .into_iter()
            .flatten()
            .find_map(|object| object.get(name)?.as_str().map(str::to_owned))
    };
    profile.last_page = Some(LastPage {
        url: text("url"),
        path: text("path"),
        title: text("title").or_else(|| message.name.clone()),
        referrer: text("referrer"),
        at,
    });
}

fn note_device(profile: &mut ProfileDoc, message: &Message, at: bson::DateTime) {
    let Some(Value::Object(context)) = message.raw.get("context") else {
        return;
    };
    if profile.device.as_ref().is_some_and(|d| d.at > at) {
        return;
    }
    let mut kept = Document::new();
    for field in DEVICE_FIELDS {
        if let Some(value) = context.get(*field) {
            kept.insert(*field, bson::to_bson(value).unwrap_or(Bson::Null));
        }
    }
    if !kept.is_empty() {
        profile.device = Some(DeviceInfo { context: kept, at });
    }
}

/// Name, email and phone shown in lists, derived from the current traits.
pub fn refresh_display(profile: &mut ProfileDoc, policy: &IdentityPolicy) {
    let text = |key: &str| profile.traits.get_str(key).ok().map(str::trim);
    let name = match text("name").filter(|n| !n.is_empty()) {
        Some(name) => name.to_owned(),
        None => {
            let first = text("firstName").or(text("first_name")).unwrap_or("");
            let last = text("lastName").or(text("last_name")).unwrap_or("");
            format!("{first} {last}").trim().to_owned()
        }
    };
    profile.name_lower = name.to_lowercase();
    let words = crate::model::search::name_words(&name);
    profile.name_prefixes = crate::model::search::name_prefixes(&words);
    profile.name_folded = words.join(" ");
    profile.name = name;
    profile.email = text("email").and_then(normalise_email);
    profile.phone = text("phone").map(|raw| policy.normalise_phone(raw).unwrap_or(raw.to_owned()));
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
