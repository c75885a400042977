//! TTL indexes: on MongoDB each kind kept for a number of days, and not archived, gets a
//! `retention_ttl` index on its date field that expires documents at that age; the index
//! follows the rules as they are saved. Kinds folded into summaries before they go (events,
//! campaign messages) are deleted by the sweeper only. (The stand-in keeps the index and expires nothing: the
//! sweeper covers it.)
use super::{config::RetentionEnv, store::RetentionStore, target};
use crate::{
    error::AppError,
    model::retention::{RetentionKind, RetentionSettings},
    server::import::staged,
};
use futures::TryStreamExt;
use mongodb::{Database, IndexModel, bson::doc, options::IndexOptions};
use std::time::Duration;

/// The name of the index retention owns on each collection.
pub const INDEX: &str = "retention_ttl";

/// The index age for `kind` under `settings`, if it should have one.
pub fn wanted(settings: &RetentionSettings, kind: RetentionKind) -> Option<Duration> {
    let rule = settings.rule(kind);
    let plain = rule.days > 0 && !rule.archive && !kind.folded_before_deletion();
    plain.then(|| Duration::from_secs(u64::from(rule.days) * 86_400))
}

/// Makes every kind's TTL index match the rules in effect (saved, else `env`'s).
pub async fn sync_effective(db: &Database, env: &RetentionEnv) -> Result<(), AppError> {
    let settings = RetentionStore::new(db).settings(env).await?;
    sync(db, &settings).await
}

fn namespace_not_found(err: &mongodb::error::Error) -> bool {
    matches!(err.kind.as_ref(), mongodb::error::ErrorKind::Command(e) if e.code == 26)
}

/// Makes every kind's TTL index match `settings`.
pub async fn sync(db: &Database, settings: &RetentionSettings) -> Result<(), AppError> {
    for kind in RetentionKind::ALL {
        let (name, field) = target(kind);
        let collection = db.collection::<mongodb::bson::Document>(name);
        let existing = match collection.list_indexes().await {
            Ok(cursor) => cursor.try_collect::<Vec<IndexModel>>().await?,
            // A collection that does not exist yet has no indexes.
            Err(err) if namespace_not_found(&err) => Vec::new(),
            Err(err) => return Err(err.into()),
        };
        let named = |n: &str| {
            existing
                .iter()
                .find(|i| i.options.as_ref().and_then(|o| o.name.as_deref()) == Some(n))
        };
        if kind == RetentionKind::ImportFiles && named(staged::LEGACY_TTL_INDEX).is_some() {
            collection.drop_index(staged::LEGACY_TTL_INDEX).await?;
        }
        let current = named(INDEX).map(|i| i.options.as_ref().and_then(|o| o.expire_after));
        let want = wanted(settings, kind);
        if current == Some(want) {
            continue;
        }
        if current.is_some() {
            collection.drop_index(INDEX).await?;
        }
        if let Some(age) = want {
            let options = IndexOptions::builder()
                .name(INDEX.to_owned())
                .expire_after(age)
                .build();
            let model = IndexModel::builder()
                .keys(doc! { field: 1 })
                .options(options)
                .build();
            collection.create_index(model).await?;
        }
    }
    Ok(())
}
