//! Changing a trait key's class. Newly restricted keys have their stored values encrypted at
//! once (profiles, trait history, events, merge snapshots) and get a blind index.
use super::{classes::FieldClasses, keyring::KeyRing, restricted::seal_stored};
use crate::{
    error::AppError,
    model::field::FieldClass,
    server::db::{events, merges, profiles},
};
use futures::TryStreamExt;
use mongodb::{
    Database, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};

/// Classifies `key` and, when it becomes restricted, encrypts what is stored in clear.
/// Returns how many documents were encrypted.
pub async fn classify(
    db: &Database,
    classes: &FieldClasses,
    keys: &KeyRing,
    key: &str,
    class: FieldClass,
) -> Result<u64, AppError> {
    classes.set(key, class).await?;
    if class != FieldClass::Restricted {
        return Ok(0);
    }
    ensure_blind_index(db, key).await?;
    let restricted = [key.to_owned()];
    let mut sealed = 0;
    for (collection, filter) in holders(key) {
        sealed += seal_all(db, keys, &restricted, collection, filter).await?;
    }
    Ok(sealed)
}

/// The blind index equality lookups on a restricted key use.
pub async fn ensure_blind_index(db: &Database, key: &str) -> Result<(), AppError> {
    let options = IndexOptions::builder()
        .name(format!("blind_{key}"))
        .sparse(true)
        .build();
    let model = IndexModel::builder()
        .keys(doc! { format!("traits.{key}.bidx"): 1 })
        .options(options)
        .build();
    db.collection::<Document>(profiles::COLLECTION)
        .create_index(model)
        .await?;
    Ok(())
}

/// Where values of `key` may be stored: (collection, filter).
fn holders(key: &str) -> Vec<(&'static str, Document)> {
    let exists = |path: String| doc! { path: { "$exists": true } };
    vec![
        (
            profiles::COLLECTION,
            doc! { "$or": [
                exists(format!("traits.{key}")), { "provenance.key": key },
            ] },
        ),
        (
            events::COLLECTION,
            doc! { "$or": [
                exists(format!("message.raw.traits.{key}")),
                exists(format!("message.raw.context.traits.{key}")),
                exists(format!("message.raw.properties.{key}")),
            ] },
        ),
        (merges::COLLECTION, doc! {}),
    ]
}

async fn seal_all(
    db: &Database,
    keys: &KeyRing,
    restricted: &[String],
    collection: &str,
    filter: Document,
) -> Result<u64, AppError> {
    let collection = db.collection::<Document>(collection);
    let mut cursor = collection.find(filter).await?;
    let mut sealed = 0;
    while let Some(mut document) = cursor.try_next().await? {
        if seal_stored(keys, restricted, "", &mut document)? > 0 {
            let id = document.get("_id").cloned().unwrap_or_default();
            collection
                .replace_one(doc! { "_id": id }, &document)
                .await?;
            sealed += 1;
        }
    }
    Ok(sealed)
}
