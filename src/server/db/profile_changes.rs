//! Word of every profile written or deleted, for whoever keeps segment memberships current.
use mongodb::bson::oid::ObjectId;
use std::sync::{Arc, OnceLock};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// Cheap to clone; every clone notifies the same listener.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    listener: Arc<OnceLock<UnboundedSender<ObjectId>>>,
}

impl ProfileChanges {
    /// Reports that profile `id` changed (a no-op until someone listens).
    pub fn notify(&self, id: ObjectId) {
        if let Some(sender) = self.listener.get() {
            // The listener only goes away when the server stops.
            let _ = sender.send(id);
        }
    }

    /// Starts listening; `None` if someone already does.
    pub fn listen(&self) -> Option<UnboundedReceiver<ObjectId>> {
        let (sender, receiver) = unbounded_channel();
        self.listener.set(sender).ok().map(|()| receiver)
    }
}
