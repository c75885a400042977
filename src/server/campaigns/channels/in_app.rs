//! In-app: the message is stored for the person's app to fetch (`in_app_api`).
use super::{Delivery, Outgoing, SendError};
use crate::server::db::in_app_messages::InAppDoc;
use mongodb::bson;

/// Stores `message` (once, whatever the retries).
pub async fn send(delivery: &Delivery<'_>, message: &Outgoing<'_>) -> Result<(), SendError> {
    let doc = InAppDoc {
        id: message.key.to_owned(),
        profile_id: message.profile.id,
        campaign_id: message.campaign.id,
        title: message.subject.clone(),
        body: message.body.clone(),
        created_at: bson::DateTime::now(),
        read_at: None,
    };
    delivery
        .service
        .in_app
        .deliver(&doc)
        .await
        .map_err(|e| SendError::Transient(format!("could not store the message: {e}")))
}
