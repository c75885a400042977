//! Building one visitor's personalization document. The profile is found through the identity
//! index (`_id` lookups), memberships of the exposed segments by their `_id`s, and the three
//! independent reads after that run at once.
use super::access::{Person, Reader};
use crate::{
    error::AppError,
    server::{
        AppState,
        db::{
            memberships::{Memberships, membership_key},
            products::Products,
            profile_doc::{ProfileDoc, ProfileStatus},
        },
        identity::identifiers::IdentityKind,
        products::recommend::refresh::current,
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

/// Longest chain of merges followed to the live profile.
const MAX_CHAIN: usize = 16;

/// A person's live profile and every profile merged into it, or `None` for someone never seen.
pub type Found = Option<(ProfileDoc, Vec<ObjectId>)>;

/// The live profile of `person`: the identifier's owner by `_id`, then along `merged_into`
/// (usually one read each).
pub async fn profiles(state: &AppState, person: &Person) -> Result<Found, AppError> {
    let graph = &state.ingest.graph;
    let (kind, id) = match person {
        Person::User(id) => (IdentityKind::UserId, id),
        Person::Anonymous(id) => (IdentityKind::AnonymousId, id),
    };
    let Some(identifier) = graph.policy.normalise(kind, id) else {
        return Ok(None);
    };
    let owners = graph.identities.owners(&[identifier.key()]).await?;
    let Some(mut next) = owners.values().next().copied() else {
        return Ok(None);
    };
    for _ in 0..MAX_CHAIN {
        let Some(profile) = graph.profiles.get(next).await? else {
            return Ok(None);
        };
        match profile.merged_into {
            Some(into) if profile.status == ProfileStatus::Merged => next = into,
            _ => {
                let mut ids = profile.absorbed.clone();
                ids.push(profile.id);
                return Ok(Some((profile, ids)));
            }
        }
    }
    Err(AppError::internal(format!(
        "merge chain from {next} is too long"
    )))
}

/// Whether the profile belongs to a known person: it holds any identifier besides anonymous
/// ids (a user id, an email, a phone, an id in another system).
fn is_known_user(profile: &ProfileDoc) -> bool {
    profile
        .identities
        .iter()
        .any(|i| i.kind != IdentityKind::AnonymousId.as_str())
}

/// The document for `person` as `reader` may see it, with the profile ids it was built from
/// (what the stream watches).
pub async fn build(
    state: &AppState,
    reader: &Reader,
    person: &Person,
) -> Result<(Personalization, Vec<ObjectId>), AppError> {
    let found = profiles(state, person).await?;
    build_from(state, reader, person, found).await
}

/// [`build`] with the person's profiles already read.
pub async fn build_from(
    state: &AppState,
    reader: &Reader,
    person: &Person,
    found: Found,
) -> Result<(Personalization, Vec<ObjectId>), AppError> {
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
    Ok(Content {
        recommendations: state.personalize.starting_recommendations(state).await?,
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

/// The stored recommendations as the catalog stands now; a profile never ranked (no product
/// events yet: those rank it as they arrive) gets the start a new visitor gets. A read never
/// ranks or writes.
async fn recommendations(state: &AppState, profile: &ProfileDoc) -> Result<Vec<Value>, AppError> {
    match &profile.recommendations {
        Some(stored) => {
            let cards = current(&Products::new(&state.db), &stored.items).await?;
            Ok(cards.iter().map(card_json).collect())
        }
        None => state.personalize.starting_recommendations(state).await,
    }
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

/// A recommended product as the API shows it.
pub fn card_json(card: &crate::model::product::ProductCard) -> Value {
    json!({
        "productId": card.id, "name": card.name, "sku": card.sku, "price": card.price,
        "currency": card.currency, "thumbnail": card.thumbnail, "reason": card.reason,
    })
}
