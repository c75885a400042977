//! The live feed: what the hub carries, the `/ws/live` wire protocol (version [`PROTOCOL`]), and
//! the snapshot a client starts from or resyncs to.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::live_series::{LiveBucket, LiveSeries, NameCount};

/// The protocol version every frame carries in `v`.
pub const PROTOCOL: u8 = 1;

/// One message on the live hub; on the wire it is flattened into a [`LiveFrame`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// An event was stored.
    Event(LiveEvent),
    /// A profile entered or left a segment.
    SegmentTransition {
        /// Segment id (hex).
        segment_id: String,
        /// Segment name.
        segment: String,
        /// Profile id (hex).
        profile_id: String,
        /// `entered` or `exited`.
        kind: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A campaign message was sent to a profile.
    CampaignSend {
        /// Campaign id (hex).
        campaign_id: String,
        /// Campaign name.
        campaign: String,
        /// Channel (`email`, `webhook`, `in_app`).
        channel: String,
        /// Profile id (hex).
        profile_id: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The counts of one second that just ended.
    Tick(LiveTick),
}

impl LiveMessage {
    /// The stream a subscriber asks for to receive this message.
    pub fn stream(&self) -> Stream {
        match self {
            LiveMessage::Event(_) => Stream::Events,
            LiveMessage::SegmentTransition { .. } => Stream::Segments,
            LiveMessage::CampaignSend { .. } => Stream::Campaigns,
            LiveMessage::Tick(_) => Stream::Stats,
        }
    }
}

/// One stored event as the live tail shows it. Carries no traits or properties, only what
/// tells the event apart; `who` is masked for roles without `pii:read`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// The counted name (`Order Completed`, `Page Viewed`, `Identify`, …).
    pub event: String,
    /// Call type: `track`, `page`, `screen`, `identify`, `group`, `alias`.
    pub kind: String,
    /// Source name.
    pub source: String,
    /// The profile it belongs to (hex), if it identified anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    /// Whether the message carried a user id (identified) rather than only an anonymous id.
    pub identified: bool,
    /// The user id, masked per role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// Page path without its query string, for page views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// When it arrived; the charts count by arrival.
    pub received_at: DateTime<Utc>,
}

/// What happened during one second, published right after it ends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveTick {
    /// The counts, as a one-second bucket.
    pub bucket: LiveBucket,
    /// Distinct profiles with an event in the last five minutes.
    pub active_profiles: u64,
}

/// The streams a websocket client subscribes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Every stored event (the tail); filters: `event`, `source`.
    Events,
    /// Segment entries and exits; filter: `segment`.
    Segments,
    /// Campaign sends; filter: `campaign`.
    Campaigns,
    /// One [`LiveTick`] per second.
    Stats,
}

impl Stream {
    /// Every stream, in display order.
    pub const ALL: [Stream; 4] = [
        Stream::Events,
        Stream::Segments,
        Stream::Campaigns,
        Stream::Stats,
    ];
}

/// Narrows a stream; unset fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamFilter {
    /// Event name (events stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Source name (events stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Segment id (segments stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// Campaign id (campaigns stream).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

impl StreamFilter {
    /// Whether `message` passes this filter.
    pub fn admits(&self, message: &LiveMessage) -> bool {
        let fits =
            |wanted: &Option<String>, actual: &str| wanted.as_deref().is_none_or(|w| w == actual);
        match message {
            LiveMessage::Event(e) => fits(&self.event, &e.event) && fits(&self.source, &e.source),
            LiveMessage::SegmentTransition { segment_id, .. } => fits(&self.segment, segment_id),
            LiveMessage::CampaignSend { campaign_id, .. } => fits(&self.campaign, campaign_id),
            LiveMessage::Tick(_) => true,
        }
    }
}

/// A frame from the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Start (or replace the filter of) a stream.
    Subscribe {
        /// Protocol version.
        v: u8,
        /// Which stream.
        stream: Stream,
        /// Optional narrowing.
        #[serde(default)]
        filter: StreamFilter,
    },
    /// Stop a stream.
    Unsubscribe {
        /// Protocol version.
        v: u8,
        /// Which stream.
        stream: Stream,
    },
    /// After a reconnect: replay what the subscribed streams missed since sequence `after`.
    Resume {
        /// Protocol version.
        v: u8,
        /// The last sequence number the client saw.
        after: u64,
    },
    /// Keep-alive; answered with `pong`.
    Ping {
        /// Protocol version.
        v: u8,
    },
}

/// A frame from the server: a sequenced live message, or a control message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServerFrame {
    /// A hub message with its sequence number.
    Live(LiveFrame),
    /// Everything else.
    Control(ControlFrame),
}

/// A hub message on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveFrame {
    /// Protocol version.
    pub v: u8,
    /// Position in this server's feed; resume after it.
    pub seq: u64,
    /// The message.
    #[serde(flatten)]
    pub message: LiveMessage,
}

/// A control message on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlFrame {
    /// Protocol version.
    pub v: u8,
    /// The message.
    #[serde(flatten)]
    pub control: Control,
}

/// Control messages from the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    /// First frame after connecting.
    Welcome {
        /// The app instance answering (its feed numbers its messages).
        instance: String,
        /// The latest sequence number so far.
        seq: u64,
        /// `change_stream` or `in_process`.
        feed: String,
    },
    /// A subscription is active.
    Subscribed {
        /// Which stream.
        stream: Stream,
    },
    /// A subscription ended.
    Unsubscribed {
        /// Which stream.
        stream: Stream,
    },
    /// A resume replayed this many messages; the live feed continues after them.
    Resumed {
        /// Messages replayed.
        replayed: u64,
    },
    /// The client fell behind and skipped this many messages: fetch a snapshot.
    Lagged {
        /// Messages skipped.
        missed: u64,
    },
    /// The resume point is no longer held: fetch a snapshot.
    Resync {
        /// Why.
        reason: String,
    },
    /// Answer to `ping`.
    Pong,
    /// A frame was refused; the connection stays open.
    Error {
        /// What was wrong (`type`, `stream`, `filter`, `v`, …).
        field: String,
        /// The rule it broke.
        message: String,
    },
}

impl ControlFrame {
    /// `control` at the current protocol version.
    pub fn new(control: Control) -> Self {
        Self {
            v: PROTOCOL,
            control,
        }
    }
}

/// Where a live screen starts, and what a lagging client resyncs from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveSnapshot {
    /// The feed's sequence number when this was taken; resume after it.
    pub seq: u64,
    /// `change_stream` or `in_process`.
    pub feed: String,
    /// The chart series for the requested window.
    pub series: LiveSeries,
    /// Distinct profiles with an event in the last five minutes.
    pub active_profiles: u64,
    /// The newest events, newest first, masked per role.
    pub tail: Vec<LiveEvent>,
    /// When the snapshot was taken.
    pub at: DateTime<Utc>,
    /// The series counts the seconds before this; later ones arrive as ticks after `seq`.
    pub ticks_from: DateTime<Utc>,
}

/// The chart windows the live page offers, in minutes.
pub const WINDOWS: [u32; 3] = [5, 15, 60];

/// Bucket width for a window: about 300 points or fewer whatever the window.
pub fn bucket_seconds(window_minutes: u32) -> u32 {
    match window_minutes {
        0..=5 => 1,
        6..=15 => 5,
        _ => 20,
    }
}
