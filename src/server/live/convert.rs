//! Stored documents as live messages: the same conversion whether the ingest path publishes
//! an event itself or a change stream delivers it.
use crate::{
    model::live::{LiveEvent, LiveMessage},
    server::{db::events::EventDoc, ingest::message::MessageType},
};
use serde_json::Value;

/// Longest page path shown; longer ones are cut.
const MAX_PATH: usize = 200;

/// The live-tail form of a stored event.
pub fn live_event(doc: &EventDoc) -> LiveMessage {
    let message = &doc.message;
    let kind = message.kind.as_str();
    let event = doc.event.clone().unwrap_or_else(|| title_case(kind));
    let page = (message.kind == MessageType::Page)
        .then(|| page_path(&message.raw))
        .flatten();
    LiveMessage::Event(LiveEvent {
        event,
        kind: kind.to_owned(),
        source: doc.source.clone(),
        profile_id: doc.profile_id.map(|id| id.to_hex()),
        identified: message.user_id.is_some(),
        who: message.user_id.clone(),
        page,
        at: message.timestamp,
        received_at: message.received_at,
    })
}

/// `identify` → `Identify`.
fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The page's path from `properties.path`, `context.page.path` or the URL, without its query
/// string or fragment (they often carry tokens or email addresses).
pub fn page_path(raw: &serde_json::Map<String, Value>) -> Option<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let properties = raw.get("properties");
    let path = text(properties.and_then(|p| p.get("path")))
        .or_else(|| {
            text(
                raw.get("context")
                    .and_then(|c| c.get("page"))
                    .and_then(|p| p.get("path")),
            )
        })
        .or_else(|| text(properties.and_then(|p| p.get("url"))).map(|url| path_of_url(&url)))?;
    let path = without_query(&path).trim();
    if path.is_empty() {
        return None;
    }
    Some(path.chars().take(MAX_PATH).collect())
}

/// `url` (or path) without its query string and fragment: the one rule for every page address
/// shown anywhere (the live feed, the customer page).
pub fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

fn path_of_url(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or_else(|| "/".to_owned(), |i| after_scheme[i..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn a_page_path_never_keeps_its_query_string() {
        let from_properties = raw(json!({ "properties": { "path": "/reset?email=a@b.c" } }));
        assert_eq!(page_path(&from_properties).as_deref(), Some("/reset"));
        let from_context = raw(json!({ "context": { "page": { "path": "/pricing#plans" } } }));
        assert_eq!(page_path(&from_context).as_deref(), Some("/pricing"));
        let from_url = raw(json!({ "properties": { "url": "https://shop.test/cart?x=1" } }));
        assert_eq!(page_path(&from_url).as_deref(), Some("/cart"));
        assert_eq!(page_path(&raw(json!({}))), None);
    }

    #[test]
    fn calls_without_an_event_name_are_named_after_their_type() {
        assert_eq!(title_case("identify"), "Identify");
        assert_eq!(title_case(""), "");
    }
}
