//! Consent statements in messages: `context.consent` on any call (an object of purpose →
//! boolean, or Segment's `{categoryPreferences: {…}}`), and a `Consent Updated` track event's
//! properties in the same shapes. Per purpose, the latest statement by event time wins.
use crate::{
    model::consent::{CONSENT_EVENT, canonical_purpose},
    server::{
        db::profile_doc::{ConsentEntry, ProfileDoc},
        ingest::message::{Message, MessageType},
    },
};
use mongodb::bson;
use serde_json::{Map, Value};

/// The `(purpose, granted)` statements `message` makes.
pub fn statements(message: &Message) -> Vec<(&'static str, bool)> {
    let context = message.raw.get("context").and_then(|c| c.get("consent"));
    let properties = (message.kind == MessageType::Track
        && message.event.as_deref() == Some(CONSENT_EVENT))
    .then(|| message.raw.get("properties"))
    .flatten();
    let mut found = Vec::new();
    for object in [context, properties]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        read_preferences(object, &mut found);
    }
    found.sort();
    found
}

fn read_preferences(object: &Map<String, Value>, out: &mut Vec<(&'static str, bool)>) {
    let preferences = object
        .get("categoryPreferences")
        .and_then(Value::as_object)
        .unwrap_or(object);
    for (name, value) in preferences {
        if let (Some(purpose), Some(granted)) = (canonical_purpose(name), value.as_bool()) {
            out.push((purpose, granted));
        }
    }
}

/// Applies `message`'s statements from `source` at `at` (an older statement never wins).
pub fn apply_statements(
    profile: &mut ProfileDoc,
    message: &Message,
    source: &str,
    at: bson::DateTime,
) {
    for (purpose, granted) in statements(message) {
        let entry = ConsentEntry {
            purpose: purpose.to_owned(),
            granted,
            source: source.to_owned(),
            at,
        };
        match profile.consent.iter_mut().find(|c| c.purpose == purpose) {
            Some(current) if current.at <= at => *current = entry,
            Some(_) => {}
            None => profile.consent.push(entry),
        }
    }
}

/// A merge keeps, per purpose, the latest statement of either side.
pub fn combine(survivor: &mut ProfileDoc, absorbed: &ProfileDoc) {
    for entry in &absorbed.consent {
        match survivor
            .consent
            .iter_mut()
            .find(|c| c.purpose == entry.purpose)
        {
            Some(current) if current.at < entry.at => *current = entry.clone(),
            Some(_) => {}
            None => survivor.consent.push(entry.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ingest::limits::read_single;
    use chrono::{TimeZone, Utc};

    fn message(body: serde_json::Value, kind: MessageType) -> Message {
        read_single(body.to_string().as_bytes(), kind, Utc::now()).unwrap()
    }

    #[test]
    fn context_consent_and_the_consent_event_are_read() {
        let context = message(
            serde_json::json!({"userId": "u", "context": {"consent": {"categoryPreferences":
                {"Email Marketing": true, "advertising": true, "analytics": "yes"}}}}),
            MessageType::Identify,
        );
        assert_eq!(statements(&context), vec![("email_marketing", true)]);
        let event = message(
            serde_json::json!({"userId": "u", "event": "Consent Updated",
                "properties": {"sms_marketing": false, "personalization": true}}),
            MessageType::Track,
        );
        assert_eq!(
            statements(&event),
            vec![("personalization", true), ("sms_marketing", false)]
        );
    }

    #[test]
    fn the_latest_statement_wins_whatever_the_arrival_order() {
        let body = |granted: bool| serde_json::json!({"userId": "u", "context": {"consent": {"analytics": granted}}});
        let (yes, no) = (
            message(body(true), MessageType::Identify),
            message(body(false), MessageType::Identify),
        );
        let early = bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        let late = bson::DateTime::from_chrono(Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap());
        let mut profile = ProfileDoc::new(bson::oid::ObjectId::new(), early);
        apply_statements(&mut profile, &no, "web", late);
        apply_statements(&mut profile, &yes, "crm", early);
        assert!(
            !profile.consents_to("analytics"),
            "the later withdrawal stands"
        );
        assert_eq!(profile.consent[0].source, "web");
    }
}
