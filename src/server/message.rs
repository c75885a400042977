//! A Segment-spec message as the server keeps it: the typed view every part works on (identity,
//! enrichment, storage), with the message as sent. Reading and checking one is `ingest`'s job;
//! the type lives here, below the database layer, so storage does not depend on ingestion.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The six Segment call types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    /// Who the person is (traits).
    Identify,
    /// Something the person did (`event`).
    Track,
    /// A web page view.
    Page,
    /// A mobile screen view.
    Screen,
    /// Membership of an account or company.
    Group,
    /// Links `previousId` to `userId`.
    Alias,
}

impl MessageType {
    /// The wire name (`track`, `page`, …), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identify => "identify",
            Self::Track => "track",
            Self::Page => "page",
            Self::Screen => "screen",
            Self::Group => "group",
            Self::Alias => "alias",
        }
    }

    /// Reads the `type` field of a batch message.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "identify" => Self::Identify,
            "track" => Self::Track,
            "page" => Self::Page,
            "screen" => Self::Screen,
            "group" => Self::Group,
            "alias" => Self::Alias,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod type_names {
    use super::MessageType as T;

    #[test]
    fn names_are_the_wire_names_and_parse_back() {
        for kind in [
            T::Identify,
            T::Track,
            T::Page,
            T::Screen,
            T::Group,
            T::Alias,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(T::parse(kind.as_str()), Some(kind));
        }
    }
}

/// A checked message. `raw` is what the client sent, batch context merged in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Call type.
    pub kind: MessageType,
    /// Client-chosen id, unique per source; generated when the client sent none.
    pub message_id: String,
    /// Known user id.
    pub user_id: Option<String>,
    /// Device or cookie id.
    pub anonymous_id: Option<String>,
    /// Track: the event name.
    pub event: Option<String>,
    /// Page / screen: its name.
    pub name: Option<String>,
    /// Alias: the id being linked to `user_id`.
    pub previous_id: Option<String>,
    /// Group: the account id.
    pub group_id: Option<String>,
    /// When it happened, corrected for the client's clock skew.
    pub timestamp: DateTime<Utc>,
    /// When we received it.
    pub received_at: DateTime<Utc>,
    /// The message as sent, unknown fields included.
    pub raw: Map<String, Value>,
}
