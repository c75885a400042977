//! Customers typed in on the Customers page enter through the same pipeline as every source, as
//! an identify call from the built-in `manual` source.
use super::{
    message::{Message, MessageType},
    pipeline,
};
use crate::{
    error::AppError,
    model::{CustomerSummary, NewCustomer, source::SourceKind},
    server::{AppState, identity::identifiers::IdentityKind},
};
use chrono::Utc;
use mongodb::bson::oid::ObjectId;
use serde_json::{Map, Value, json};

/// The source recorded for hand-entered customers.
pub const MANUAL_SOURCE: &str = "manual";

/// Adds a customer; an email some profile already has is a conflict.
pub async fn add_customer(
    state: &AppState,
    customer: &NewCustomer,
) -> Result<CustomerSummary, AppError> {
    let graph = &state.ingest.graph;
    let email = graph
        .policy
        .normalise(IdentityKind::Email, &customer.email)
        .ok_or_else(|| {
            AppError::invalid(
                "email",
                "is a placeholder address that cannot identify a customer",
            )
        })?;
    if !graph.identities.owners(&[email.key()]).await?.is_empty() {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "a customer with this email already exists".into(),
        });
    }
    let source = state
        .ingest
        .sources
        .get_or_create(MANUAL_SOURCE, SourceKind::Manual)
        .await?;
    let message = identify(customer);
    pipeline::ingest(graph, &source, std::slice::from_ref(&message)).await?;
    let owner = graph.identities.owners(&[email.key()]).await?;
    let id = owner
        .get(&email.key())
        .copied()
        .ok_or_else(|| AppError::internal("a hand-entered customer resolved to no profile"))?;
    Ok(graph.must_get(id).await?.into())
}

fn identify(customer: &NewCustomer) -> Message {
    let now = Utc::now();
    let message_id = format!("manual-{}", ObjectId::new().to_hex());
    let mut traits = Map::new();
    traits.insert("name".into(), json!(customer.name));
    traits.insert("email".into(), json!(customer.email));
    if let Some(phone) = &customer.phone {
        traits.insert("phone".into(), json!(phone));
    }
    let mut raw = Map::new();
    raw.insert("type".into(), json!("identify"));
    raw.insert("messageId".into(), json!(message_id));
    raw.insert("traits".into(), Value::Object(traits));
    Message {
        kind: MessageType::Identify,
        message_id,
        user_id: None,
        anonymous_id: None,
        event: None,
        name: None,
        previous_id: None,
        group_id: None,
        timestamp: now,
        received_at: now,
        raw,
    }
}
