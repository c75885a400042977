//! Every index enrich relies on, created idempotently at start-up in this one place.
use mongodb::{
    Database, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use std::time::Duration;

/// `(collection, index)` pairs; explicit names so they can be referred to and never drift.
fn all_indexes() -> Vec<(&'static str, IndexModel)> {
    use super::{profiles, sessions};
    vec![
        (
            profiles::COLLECTION,
            unique_sparse(doc! { "email": 1 }, "email_unique"),
        ),
        (
            profiles::COLLECTION,
            index(doc! { "created_at": -1 }, "created_at", |_| {}),
        ),
        (
            profiles::COLLECTION,
            index(doc! { "last_seen": -1 }, "last_seen", |_| {}),
        ),
        (
            sessions::COLLECTION,
            index(doc! { "expire_at": 1 }, "expire_at_ttl", |o| {
                o.expire_after = Some(Duration::ZERO);
            }),
        ),
    ]
}

/// Unique among documents that have the field: anonymous profiles have no email and must not
/// collide on "missing".
fn unique_sparse(keys: Document, name: &str) -> IndexModel {
    index(keys, name, |o| {
        o.unique = Some(true);
        o.sparse = Some(true);
    })
}

fn index(keys: Document, name: &str, configure: impl FnOnce(&mut IndexOptions)) -> IndexModel {
    let mut options = IndexOptions::builder().name(name.to_owned()).build();
    configure(&mut options);
    IndexModel::builder().keys(keys).options(options).build()
}

/// Creates every index that does not exist yet; an identical existing one is a no-op. An index
/// of the same name with different options fails start-up loudly rather than running without it.
pub async fn ensure_indexes(db: &Database) -> Result<(), mongodb::error::Error> {
    for (collection, model) in all_indexes() {
        db.collection::<Document>(collection)
            .create_index(model)
            .await?;
    }
    Ok(())
}
