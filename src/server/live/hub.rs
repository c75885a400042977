//! One tokio broadcast channel, numbered: every message gets the next sequence number, is
//! counted for the charts, kept in a short replay buffer for reconnecting clients, and sent to
//! whoever listens. Publishing never waits: a subscriber that falls behind skips ahead.
use super::{feed::FeedStatus, stats::LiveStats};
use crate::{
    model::live::{LiveEvent, LiveFrame, LiveMessage, PROTOCOL},
    server::privacy::mask::mask_json,
};
use axum::extract::ws::Utf8Bytes;
use serde_json::Value;
use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
};
use tokio::sync::broadcast;

/// Messages kept for slow subscribers (and for replay after a reconnect) by default.
pub const DEFAULT_BUFFER: usize = 4_096;

/// A published message with its sequence number. The JSON a client receives is built once per
/// message and role class, however many clients receive it.
#[derive(Debug)]
pub struct HubItem {
    /// Position in this process's feed.
    pub seq: u64,
    /// The message, unmasked (it never leaves the server as is).
    pub message: LiveMessage,
    full: OnceLock<Utf8Bytes>,
    masked: OnceLock<Utf8Bytes>,
}

impl HubItem {
    fn new(seq: u64, message: LiveMessage) -> Self {
        Self {
            seq,
            message,
            full: OnceLock::new(),
            masked: OnceLock::new(),
        }
    }

    /// The frame as sent to a client that may (`read_pii`) or may not read PII (cheap to clone).
    pub fn json(&self, read_pii: bool) -> Utf8Bytes {
        let cell = if read_pii { &self.full } else { &self.masked };
        cell.get_or_init(|| {
            let message = if read_pii {
                self.message.clone()
            } else {
                masked(&self.message)
            };
            let frame = LiveFrame {
                v: PROTOCOL,
                seq: self.seq,
                message,
            };
            Utf8Bytes::from(serde_json::to_string(&frame).unwrap_or_default())
        })
        .clone()
    }
}

/// `message` as a role without `pii:read` may see it.
pub fn masked(message: &LiveMessage) -> LiveMessage {
    match message {
        LiveMessage::Event(event) => LiveMessage::Event(masked_event(event)),
        other => other.clone(),
    }
}

/// `event` with its user id masked.
pub fn masked_event(event: &LiveEvent) -> LiveEvent {
    let who =
        event.who.as_ref().map(
            |who| match mask_json("userId", &Value::String(who.clone())) {
                Value::String(masked) => masked,
                _ => "***".to_owned(),
            },
        );
    LiveEvent {
        who,
        ..event.clone()
    }
}

/// Cheap to clone; every clone publishes to the same subscribers.
#[derive(Clone, Debug)]
pub struct LiveHub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sender: broadcast::Sender<Arc<HubItem>>,
    recent: Mutex<Recent>,
    stats: Mutex<LiveStats>,
    change_stream: AtomicBool,
    status: Mutex<FeedStatus>,
    capacity: usize,
}

#[derive(Debug)]
struct Recent {
    last_seq: u64,
    items: VecDeque<Arc<HubItem>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new(DEFAULT_BUFFER)
    }
}

impl LiveHub {
    /// A hub keeping `capacity` messages for laggards and replays.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        // Numbering starts at the boot time in microseconds, so numbers from before a restart
        // are always older than anything this process holds: a stale resume asks for a resync.
        let first = chrono::Utc::now().timestamp_micros().max(0) as u64;
        Self {
            inner: Arc::new(Inner {
                sender: broadcast::channel(capacity).0,
                recent: Mutex::new(Recent {
                    last_seq: first,
                    items: VecDeque::with_capacity(capacity),
                }),
                stats: Mutex::new(LiveStats::default()),
                change_stream: AtomicBool::new(false),
                status: Mutex::new(FeedStatus::default()),
                capacity,
            }),
        }
    }

    /// Publishes `message` to whoever listens now (nobody listening is fine).
    pub fn publish(&self, message: LiveMessage) {
        self.lock_stats().record(&message);
        let mut recent = self.inner.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.last_seq += 1;
        let item = Arc::new(HubItem::new(recent.last_seq, message));
        if recent.items.len() == self.inner.capacity {
            recent.items.pop_front();
        }
        recent.items.push_back(item.clone());
        // Sent under the lock, so the replay buffer and the channel agree on the order.
        let _ = self.inner.sender.send(item);
    }

    /// Publishes what this process itself stored (events, transitions), unless a change
    /// stream feeds the hub: then the change stream delivers it, to every instance alike.
    pub fn publish_local(&self, message: LiveMessage) {
        if !self.inner.change_stream.load(Ordering::Relaxed) {
            self.publish(message);
        }
    }

    /// Records what feeds the hub (for `/healthz` and the live page) and, with it, whether this
    /// process still publishes its own writes.
    pub fn set_status(&self, status: FeedStatus) {
        self.inner
            .change_stream
            .store(status.is_change_stream(), Ordering::Relaxed);
        *self.inner.status.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }

    /// What feeds the hub.
    pub fn status(&self) -> FeedStatus {
        self.inner
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A new subscription, starting with the next message.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<HubItem>> {
        self.inner.sender.subscribe()
    }

    /// The newest sequence number.
    pub fn last_seq(&self) -> u64 {
        self.lock_recent().last_seq
    }

    /// Everything after `after`, if the buffer still holds all of it.
    pub fn since(&self, after: u64) -> Option<Vec<Arc<HubItem>>> {
        let recent = self.lock_recent();
        let oldest = recent
            .items
            .front()
            .map_or(recent.last_seq + 1, |item| item.seq);
        if after > recent.last_seq || after + 1 < oldest {
            return None;
        }
        Some(
            recent
                .items
                .iter()
                .filter(|item| item.seq > after)
                .cloned()
                .collect(),
        )
    }

    /// The statistics the hub keeps (for snapshots and the ticker).
    pub fn stats(&self) -> std::sync::MutexGuard<'_, LiveStats> {
        self.lock_stats()
    }

    fn lock_stats(&self) -> std::sync::MutexGuard<'_, LiveStats> {
        self.inner.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.inner.recent.lock().unwrap_or_else(|e| e.into_inner())
    }
}
