//! The in-process live hub: one broadcast channel that membership changes (and later the
//! ingest path and campaign sends) publish to, and live views subscribe to.
use crate::model::live::LiveMessage;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Messages kept for slow subscribers before they skip ahead.
const CAPACITY: usize = 4_096;

/// Cheap to clone; every clone publishes to the same subscribers.
#[derive(Clone, Debug)]
pub struct LiveHub {
    sender: broadcast::Sender<Arc<LiveMessage>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl LiveHub {
    /// Publishes `message` to whoever listens now (nobody listening is fine).
    pub fn publish(&self, message: LiveMessage) {
        let _ = self.sender.send(Arc::new(message));
    }

    /// A new subscription, starting with the next message.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveMessage>> {
        self.sender.subscribe()
    }
}
