//! Building one visitor's personalization document. The profile is found through the identity
//! index (`_id` lookups), memberships of the exposed segments by their `_id`s, and the three
//! independent reads after that run at once.
use super::access::{Person, Reader};
use crate::{
    error::AppError,
    server::{
        AppState,
        campaigns::in_app_api::profiles_of,
        db::{
            memberships::{Memberships, membership_key},
            products::Products,
            profile_doc::ProfileDoc,
        },
        identity::identifiers::IdentityKind,
        products::recommend::refresh::{current, for_unseen, refresh_profile},
    },
};
use chrono::{DateTime, Utc};
use mongodb::bson::oid::ObjectId;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// What a page shows this visitor: compared between pushes, so it holds no timestamp.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Content {
    /// Exposed traits (standard class only).
    pub traits: Map<String, Value>,
    /// Keys of the exposed segments the visitor is in, sorted.
    pub segments: Vec<String>,
    /// Recommended products, best first.
    pub recommendations: Vec<Value>,
    /// Unread in-app messages, newest first (never to a write key: they may quote the person).
    pub messages: Vec<Value>,
}

/// The document both endpoints send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Personalization {
    /// The anonymous id asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anonymous_id: Option<String>,
    /// The user id asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// What to show.
    #[serde(flatten)]
    pub content: Content,
    /// When it was built.
    pub updated_at: DateTime<Utc>,
}

/// The live profile of `person` and every profile merged into it; `None` for someone never seen.
pub async fn profiles(
    state: &AppState,
    person: &Person,
) -> Result<Option<(ProfileDoc, Vec<ObjectId>)>, AppError> {
    let graph = &state.ingest.graph;
    let live = match person {
        Person::User(user) => profiles_of(state, user).await?.last().copied(),
        Person::Anonymous(id) => {
            let Some(identifier) = graph.policy.normalise(IdentityKind::AnonymousId, id) else {
                return Ok(None);
            };
            let owners = graph.identities.owners(&[identifier.key()]).await?;
            match owners.values().next() {
                Some(owner) => Some(graph.live_profile_id(*owner).await?),
                None => None,
            }
        }
    };
    let Some(live) = live else { return Ok(None) };
    let Some(profile) = graph.profiles.get(live).await? else {
        return Ok(None);
    };
    let mut ids = profile.absorbed.clone();
    ids.push(profile.id);
    Ok(Some((profile, ids)))
}

/// Whether the profile belongs to a known user (it holds a user id).
fn is_known_user(profile: &ProfileDoc) -> bool {
    profile
        .identities
        .iter()
        .any(|i| i.kind == IdentityKind::UserId.as_str())
}

/// The document for `person` as `reader` may see it, with the profile ids it was built from
/// (what the stream watches).
pub async fn build(
    state: &AppState,
    reader: &Reader,
    person: &Person,
) -> Result<(Personalization, Vec<ObjectId>), AppError> {
    let found = profiles(state, person).await?;
    // A write key learns nothing about a known user, not even that the id is one.
    let found = found.filter(|(p, _)| *reader != Reader::Visitor || !is_known_user(p));
    let (content, ids) = match found {
        Some((profile, ids)) => (content_of(state, reader, &profile, &ids).await?, ids),
        None => (unseen(state).await?, Vec::new()),
    };
    let (anonymous_id, user_id) = match person {
        Person::Anonymous(id) => (Some(id.clone()), None),
        Person::User(id) => (None, Some(id.clone())),
    };
    let document = Personalization {
        anonymous_id,
        user_id,
        content,
        updated_at: Utc::now(),
    };
    Ok((document, ids))
}

/// What someone never seen gets: the start every new visitor gets.
async fn unseen(state: &AppState) -> Result<Content, AppError> {
    let recommendations = for_unseen(&state.ingest.graph).await?;
    Ok(Content {
        recommendations: recommendations.iter().map(card_json).collect(),
        ..Content::default()
    })
}

async fn content_of(
    state: &AppState,
    reader: &Reader,
    profile: &ProfileDoc,
    ids: &[ObjectId],
) -> Result<Content, AppError> {
    let classes = state.ingest.graph.gate.classes.current().await?;
    let traits: Map<String, Value> = profile
        .traits
        .iter()
        .filter(|(key, _)| classes.is_exposed(key))
        .map(|(key, value)| (key.clone(), value.clone().into_relaxed_extjson()))
        .collect();
    let (segments, recommendations, messages) = tokio::try_join!(
        segment_keys(state, profile.id),
        recommendations(state, profile),
        messages(state, reader, ids),
    )?;
    Ok(Content {
        traits,
        segments,
        recommendations,
        messages,
    })
}

async fn segment_keys(state: &AppState, profile: ObjectId) -> Result<Vec<String>, AppError> {
    let exposed = state.personalize.exposed_segments().await?;
    let keys: Vec<String> = exposed
        .iter()
        .map(|(segment, _)| membership_key(*segment, profile))
        .collect();
    let present = Memberships::new(&state.db).existing(&keys).await?;
    let mut names: Vec<String> = exposed
        .iter()
        .zip(&keys)
        .filter(|(_, key)| present.contains(key))
        .map(|((_, name), _)| name.clone())
        .collect();
    names.sort();
    Ok(names)
}

async fn recommendations(state: &AppState, profile: &ProfileDoc) -> Result<Vec<Value>, AppError> {
    let cards = match &profile.recommendations {
        Some(stored) => current(&Products::new(&state.db), &stored.items).await?,
        None => refresh_profile(&state.ingest.graph, profile.id).await?,
    };
    Ok(cards.iter().map(card_json).collect())
}

async fn messages(
    state: &AppState,
    reader: &Reader,
    ids: &[ObjectId],
) -> Result<Vec<Value>, AppError> {
    if *reader == Reader::Visitor {
        return Ok(Vec::new());
    }
    let all = state.campaigns.in_app.of_profiles(ids).await?;
    Ok(all
        .iter()
        .filter(|m| m.read_at.is_none())
        .map(|m| {
            json!({
                "id": m.id, "title": m.title, "body": m.body,
                "campaignId": m.campaign_id.to_hex(), "createdAt": m.created_at.to_chrono(),
            })
        })
        .collect())
}

fn card_json(card: &crate::model::product::ProductCard) -> Value {
    json!({
        "productId": card.id, "name": card.name, "sku": card.sku, "price": card.price,
        "currency": card.currency, "thumbnail": card.thumbnail, "reason": card.reason,
    })
}
