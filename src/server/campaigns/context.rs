//! What a template sees about one person. Restricted traits never enter it (they are not for
//! messages); personal data is masked when the context is built for a preview by a role
//! without `pii:read`.
use crate::{
    model::field::FieldClass,
    server::{
        db::profile_doc::ProfileDoc,
        privacy::{
            classes::Classes,
            envelope::is_envelope,
            mask::{mask_email, mask_json, mask_phone, mask_text},
        },
    },
};
use mongodb::bson::{Bson, Document};
use serde_json::{Map, Value, json};

/// Whom the context is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The person themself: everything but restricted traits.
    Recipient,
    /// A preview by someone who may not read personal data.
    MaskedPreview,
}

/// The template context for `profile`.
pub fn context(
    profile: &ProfileDoc,
    classes: &Classes,
    audience: Audience,
    trigger: Option<&Document>,
    campaign: &str,
    unsubscribe_url: &str,
) -> Value {
    let masked = audience == Audience::MaskedPreview;
    let pick = |text: &Option<String>, mask: fn(&str) -> String| match text {
        Some(t) if masked => Value::String(mask(t)),
        Some(t) => Value::String(t.clone()),
        None => Value::Null,
    };
    let name = Some(profile.name.clone()).filter(|n| !n.is_empty());
    let first_name = first_name(profile);
    let trigger = trigger.map(|d| Bson::Document(d.clone()).into_relaxed_extjson());
    json!({
        "profile": {
            "id": profile.id.to_hex(),
            "name": pick(&name, mask_text),
            "first_name": pick(&first_name, mask_text),
            "email": pick(&profile.email, mask_email),
            "phone": pick(&profile.phone, mask_phone),
        },
        "traits": traits(&profile.traits, classes, masked),
        "computed": Bson::Document(profile.computed.clone()).into_relaxed_extjson(),
        "event": trigger.unwrap_or(Value::Null),
        "campaign": { "name": campaign },
        "unsubscribe_url": unsubscribe_url,
        "recommendations": recommendations(profile),
    })
}

/// The first name: the `firstName` / `first_name` trait, else the display name's first word.
fn first_name(profile: &ProfileDoc) -> Option<String> {
    let text = |key: &str| profile.traits.get_str(key).ok().map(str::trim);
    text("firstName")
        .or(text("first_name"))
        .filter(|t| !t.is_empty())
        .or(profile.name.split_whitespace().next())
        .map(str::to_owned)
}

/// The profile's recommended products (`{% for p in recommendations %}{{ p.name }}…`).
fn recommendations(profile: &ProfileDoc) -> Value {
    let items = profile.recommendations.as_ref().map(|r| r.items.as_slice());
    serde_json::to_value(items.unwrap_or_default()).unwrap_or(Value::Null)
}

fn traits(stored: &Document, classes: &Classes, masked: bool) -> Value {
    let mut out = Map::new();
    for (key, value) in stored {
        let class = classes.of(key);
        if class == FieldClass::Restricted || is_envelope(value) {
            continue;
        }
        let value = value.clone().into_relaxed_extjson();
        let value = if masked && class == FieldClass::Pii {
            mask_json(key, &value)
        } else {
            value
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}
