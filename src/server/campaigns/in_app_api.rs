//! What apps and mail clients call: `GET /v1/profiles/{userId}/messages` and
//! `POST /v1/profiles/{userId}/messages/{id}/read` (server key, or that user's token), and the
//! signed links in emails — the open pixel, tracked clicks, and the unsubscribe page with its
//! one-click POST.
use super::links::{self, LinkKind};
use crate::{
    error::AppError,
    model::campaign::Channel,
    server::{
        AppState, auth::policy::declared, db::outbox::parse_outbox_key,
        identity::identifiers::IdentityKind, ingest::auth::reader::authorize_read,
    },
};
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use mongodb::bson::oid::ObjectId;
use serde::Deserialize;
use serde_json::json;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            declared("GET", "/v1/profiles/{user_id}/messages"),
            get(list_messages),
        )
        .route(
            declared("POST", "/v1/profiles/{user_id}/messages/{id}/read"),
            post(mark_read),
        )
        .route(declared("GET", "/v1/links/open/{token}"), get(opened))
        .route(declared("GET", "/v1/links/click/{token}"), get(clicked))
        .route(
            declared("GET", "/v1/links/unsubscribe/{token}"),
            get(unsubscribe_page).post(unsubscribe),
        )
}

/// The profiles merged into `user_id`'s live profile, then the live one; empty for a person
/// never seen (who is answered like anyone with nothing yet: no existence oracle).
pub(crate) async fn profiles_of(
    state: &AppState,
    user_id: &str,
) -> Result<Vec<ObjectId>, AppError> {
    let graph = &state.ingest.graph;
    let Some(identifier) = graph.policy.normalise(IdentityKind::UserId, user_id) else {
        return Ok(Vec::new());
    };
    let owners = graph.identities.owners(&[identifier.key()]).await?;
    let Some(owner) = owners.values().next().copied() else {
        return Ok(Vec::new());
    };
    let live = graph.live_profile_id(owner).await?;
    let mut ids = graph.must_get(live).await?.absorbed;
    ids.push(live);
    Ok(ids)
}

async fn list_messages(
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, AppError> {
    authorize_read(&state.ingest.sources, &headers, &user_id).await?;
    let ids = profiles_of(&state, &user_id).await?;
    let messages = state.campaigns.in_app.of_profiles(&ids).await?;
    let list: Vec<_> = messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "title": m.title,
                "body": m.body,
                "campaignId": m.campaign_id.to_hex(),
                "createdAt": m.created_at.to_chrono(),
                "read": m.read_at.is_some(),
            })
        })
        .collect();
    let unread = messages.iter().filter(|m| m.read_at.is_none()).count();
    Ok(Json(json!({ "messages": list, "unread": unread })))
}

async fn mark_read(
    State(state): State<AppState>,
    Path((user_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, AppError> {
    authorize_read(&state.ingest.sources, &headers, &user_id).await?;
    let ids = profiles_of(&state, &user_id).await?;
    if !state.campaigns.in_app.mark_read(&id, &ids).await? {
        return Err(AppError::NotFound {
            what: format!("message {id}"),
        });
    }
    state.campaigns.outbox.mark_first(&id, "opened_at").await?;
    Ok(Json(json!({ "id": id, "read": true })))
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

async fn link_key(state: &AppState) -> Result<Vec<u8>, AppError> {
    Ok(state.campaigns.settings.secrets().await?.link_secret)
}

async fn opened(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let key = link_key(&state).await?;
    // A bad token still gets the pixel: mail clients show a broken image otherwise.
    if let Some(id) = links::verify(&key, LinkKind::Open, &token, "") {
        state.campaigns.outbox.mark_first(&id, "opened_at").await?;
    }
    let headers = [
        (header::CONTENT_TYPE, "image/gif"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    Ok((headers, PIXEL).into_response())
}

#[derive(Deserialize)]
struct Target {
    u: String,
}

async fn clicked(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(target): Query<Target>,
) -> Result<Response, AppError> {
    let key = link_key(&state).await?;
    let id = links::verify(&key, LinkKind::Click, &token, &target.u)
        .ok_or_else(|| AppError::invalid("token", "is not a valid link"))?;
    state.campaigns.outbox.mark_first(&id, "clicked_at").await?;
    Ok(Redirect::to(&target.u).into_response())
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let key = link_key(&state).await?;
    if links::verify(&key, LinkKind::Unsubscribe, &token, "").is_none() {
        return Ok((
            StatusCode::NOT_FOUND,
            Html(page("This link is not valid", "", None)),
        )
            .into_response());
    }
    let form = "<form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>";
    Ok(Html(page(
        "Unsubscribe",
        "You will no longer receive these messages.",
        Some(form),
    ))
    .into_response())
}

/// Records the withdrawal of the campaign's consent purpose (a `Consent Updated` event, as if
/// the person had said so anywhere else). Also answers RFC 8058 one-click POSTs.
async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let key = link_key(&state).await?;
    let Some(id) = links::verify(&key, LinkKind::Unsubscribe, &token, "") else {
        return Ok((
            StatusCode::NOT_FOUND,
            Html(page("This link is not valid", "", None)),
        )
            .into_response());
    };
    let service = &state.campaigns;
    // The signed key names the campaign and the person: the link works after retention
    // deleted the message itself.
    let (campaign_id, profile_id) = match service.outbox.get(&id).await? {
        Some(item) => (item.campaign_id, item.profile_id),
        None => parse_outbox_key(&id).ok_or_else(|| AppError::NotFound {
            what: "message".into(),
        })?,
    };
    let campaign = service.campaigns.must_get(campaign_id).await?;
    let purpose = campaign.definition.purpose().to_owned();
    crate::server::privacy::consent::record_consent(
        &state,
        profile_id,
        &purpose,
        false,
        "unsubscribe link",
    )
    .await?;
    let channel = match campaign.definition.channel {
        Channel::Email => "emails",
        _ => "messages",
    };
    let text = format!("You are unsubscribed and will receive no more marketing {channel}.");
    Ok(Html(page("Unsubscribed", &text, None)).into_response())
}

fn page(title: &str, text: &str, form: Option<&str>) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto\">\
         <main><h1>{title}</h1><p>{text}</p>{}</main></body></html>",
        form.unwrap_or_default()
    )
}
