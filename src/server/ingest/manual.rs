//! Customers typed in on the Customers page enter through the same pipeline as every source, as
//! an identify call from the built-in `manual` source.
use super::{
    message::{Message, MessageType},
    pipeline,
};
use crate::{
    error::AppError,
    model::{CustomerSummary, NewCustomer, source::SourceKind},
    server::{
        AppState,
        identity::{
            IdentityGraph,
            identifiers::{Identifier, IdentityKind},
        },
    },
};
use chrono::Utc;
use mongodb::bson::oid::ObjectId;
use serde_json::{Value, json};

/// The source recorded for hand-entered customers.
pub const MANUAL_SOURCE: &str = "manual";

/// Adds a customer. An email or phone some profile already has is a conflict naming the
/// field: a hand entry that shared one would attach to that profile and overwrite its traits
/// (its primary email, say), letting whoever types it take over someone else's messages.
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
    refuse_taken(graph, "email", Some(&email)).await?;
    let phone = match customer.phone.as_deref() {
        None => None,
        // A number that identifies nobody would be stored as a trait alone, silently.
        Some(raw) => Some(
            graph
                .policy
                .normalise(IdentityKind::Phone, raw)
                .ok_or_else(|| {
                    AppError::invalid(
                        "phone",
                        "Phone is not a valid number: include the country code, e.g. +82 10 1234 5678",
                    )
                })?,
        ),
    };
    refuse_taken(graph, "phone", phone.as_ref()).await?;
    let source = state
        .ingest
        .sources
        .get_or_create(MANUAL_SOURCE, SourceKind::Manual)
        .await?;
    let message = identify(customer)?;
    pipeline::ingest(graph, &source, std::slice::from_ref(&message)).await?;
    let owner = graph.identities.owners(&[email.key()]).await?;
    let id = owner
        .get(&email.key())
        .copied()
        .ok_or_else(|| AppError::internal("a hand-entered customer resolved to no profile"))?;
    Ok(graph.must_get(id).await?.into())
}

/// 409 naming `field` when a profile already owns `identifier`.
async fn refuse_taken(
    graph: &IdentityGraph,
    field: &str,
    identifier: Option<&Identifier>,
) -> Result<(), AppError> {
    let Some(identifier) = identifier else {
        return Ok(());
    };
    let owners = graph.identities.owners(&[identifier.key()]).await?;
    let Some(owner) = owners.values().next() else {
        return Ok(());
    };
    // The page turns the path into a link to the existing customer.
    Err(AppError::Conflict {
        field: field.into(),
        message: format!(
            "A customer with this {field} already exists: /customers/{}",
            owner.to_hex()
        ),
    })
}

fn identify(customer: &NewCustomer) -> Result<Message, AppError> {
    let mut traits = json!({ "name": customer.name, "email": customer.email });
    if let Some(phone) = &customer.phone {
        traits["phone"] = json!(phone);
    }
    let body =
        json!({ "messageId": format!("manual-{}", ObjectId::new().to_hex()), "traits": traits });
    server_message(&body, MessageType::Identify)
}

/// A message the app itself sends (hand entry, consent changes). Unlike a client's it may
/// name its person by traits or external ids alone, so it skips the client-facing checks.
pub fn server_message(body: &Value, kind: MessageType) -> Result<Message, AppError> {
    let now = Utc::now();
    let mut raw = body.as_object().cloned().unwrap_or_default();
    raw.insert(
        "type".into(),
        serde_json::to_value(kind).map_err(AppError::internal)?,
    );
    let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Message {
        kind,
        message_id: text("messageId").unwrap_or_else(|| ObjectId::new().to_hex()),
        user_id: text("userId"),
        anonymous_id: text("anonymousId"),
        event: text("event"),
        name: None,
        previous_id: None,
        group_id: None,
        timestamp: now,
        received_at: now,
        raw,
    })
}
