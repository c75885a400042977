//! Consent changed on the customer page enters like any other statement: a `Consent Updated`
//! track event from the `manual` source, addressed by one of the person's identifiers. It is
//! stored, applied by the same rules, and survives an unmerge's rebuild from events.
use crate::{
    error::AppError,
    model::{
        access::SessionUser,
        consent::{CONSENT_EVENT, canonical_purpose},
        source::SourceKind,
    },
    server::{
        AppState,
        audit::{self, Record},
        db::profile_doc::IdentityEntry,
        ingest::{
            manual::{MANUAL_SOURCE, server_message},
            message::{Message, MessageType},
            pipeline,
        },
    },
};
use mongodb::bson::oid::ObjectId;
use serde_json::json;

/// Sets `purpose` to `granted` on customer `id`, on behalf of `user`, for `reason` (if
/// given); audited with the reason.
pub async fn set_consent(
    state: &AppState,
    user: &SessionUser,
    id: ObjectId,
    purpose: &str,
    granted: bool,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let profile = record_consent(state, id, purpose, granted, &user.email).await?;
    let mut detail = format!(
        "{purpose} {}",
        if granted { "granted" } else { "withdrawn" }
    );
    if let Some(reason) = reason {
        detail.push_str(&format!(" — reason: {reason}"));
    }
    audit::write_current(
        &state.db,
        Record::new("consent.update", profile.to_hex()).detail(detail),
    )
    .await
}

/// Records `purpose` as `granted` on customer `id` as stated by `by` (a user's email, or
/// `unsubscribe link`); returns the live profile's id.
pub async fn record_consent(
    state: &AppState,
    id: ObjectId,
    purpose: &str,
    granted: bool,
    by: &str,
) -> Result<ObjectId, AppError> {
    let purpose = canonical_purpose(purpose).ok_or_else(|| {
        AppError::invalid(
            "purpose",
            "must be email_marketing, sms_marketing, personalization or analytics",
        )
    })?;
    let graph = &state.ingest.graph;
    let profile = graph.must_get(graph.live_profile_id(id).await?).await?;
    let address = profile.identities.first().ok_or_else(|| {
        AppError::invalid(
            "id",
            "this customer has no identifier to record consent under",
        )
    })?;
    let source = state
        .ingest
        .sources
        .get_or_create(MANUAL_SOURCE, SourceKind::Manual)
        .await?;
    let message = consent_message(address, purpose, granted, by)?;
    pipeline::ingest(graph, &source, std::slice::from_ref(&message)).await?;
    Ok(profile.id)
}

/// The track call stating the change, addressed by `address`.
fn consent_message(
    address: &IdentityEntry,
    purpose: &str,
    granted: bool,
    by: &str,
) -> Result<Message, AppError> {
    let mut body = json!({
        "messageId": format!("consent-{}", ObjectId::new().to_hex()),
        "event": CONSENT_EVENT,
        "properties": { purpose: granted, "changed_by": by },
    });
    match address.kind.as_str() {
        "user_id" => body["userId"] = json!(address.value),
        "anonymous_id" => body["anonymousId"] = json!(address.value),
        "email" | "phone" => {
            body["context"] = json!({ "traits": { address.kind.as_str(): address.value } })
        }
        _ => {
            let (kind, id) = address
                .value
                .split_once(':')
                .unwrap_or(("external", &address.value));
            body["context"] = json!({ "externalIds": [{ "type": kind, "id": id }] });
        }
    }
    server_message(&body, MessageType::Track)
}
