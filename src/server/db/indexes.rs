//! Every index enrich relies on, created idempotently at start-up in this one place.
use mongodb::{
    Database, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use std::time::Duration;

/// `(collection, index)` pairs; index names are explicit so they can be referred to and never drift.
fn all_indexes() -> Vec<(&'static str, IndexModel)> {
    vec![
        (
            super::profiles::COLLECTION,
            index(doc! { "email": 1 }, "email_unique", |o| {
                o.unique = Some(true);
                // Anonymous profiles have no email; they must not collide on "missing".
                o.sparse = Some(true);
            }),
        ),
        (
            super::profiles::COLLECTION,
            index(doc! { "created_at": -1 }, "created_at", |_| {}),
        ),
        (
            super::profiles::COLLECTION,
            index(doc! { "last_seen": -1 }, "last_seen", |_| {}),
        ),
        (
            super::sessions::COLLECTION,
            index(doc! { "expire_at": 1 }, "expire_at_ttl", |o| {
                o.expire_after = Some(Duration::ZERO);
            }),
        ),
    ]
}

fn index(keys: Document, name: &str, configure: impl FnOnce(&mut IndexOptions)) -> IndexModel {
    let mut options = IndexOptions::builder().name(name.to_owned()).build();
    configure(&mut options);
    IndexModel::builder().keys(keys).options(options).build()
}

/// Creates every index that does not exist yet; existing ones are left as they are.
pub async fn ensure_indexes(db: &Database) -> Result<(), mongodb::error::Error> {
    for (collection, model) in all_indexes() {
        db.collection::<Document>(collection)
            .create_index(model)
            .await?;
    }
    Ok(())
}
