//! What enrich needs from the MongoDB server through the Rust driver, checked on the test server.
use crate::support::fresh_db;
use enrich::server::db::indexes::ensure_indexes;
use futures::{StreamExt, TryStreamExt};
use mongodb::{
    bson::{Document, doc},
    options::FindOptions,
};
use std::time::Duration;

#[tokio::test]
async fn cursors_page_through_more_than_one_batch() {
    let db = fresh_db().await;
    let coll = db.collection::<Document>("things");
    let docs: Vec<Document> = (0..250).map(|i| doc! { "i": i }).collect();
    coll.insert_many(docs).await.unwrap();
    let options = FindOptions::builder()
        .batch_size(40)
        .sort(doc! { "i": 1 })
        .build();
    let all: Vec<Document> = coll
        .find(doc! {})
        .with_options(options)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 250);
    assert_eq!(all[249].get_i32("i").unwrap(), 249);
}

#[tokio::test]
async fn change_streams_deliver_inserts() {
    let db = fresh_db().await;
    let coll = db.collection::<Document>("events");
    let mut stream = coll.watch().await.unwrap();
    coll.insert_one(doc! { "name": "Signed Up" }).await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a change event within 10 s")
        .expect("the stream is open")
        .unwrap();
    let inserted = event.full_document.expect("inserts carry the document");
    assert_eq!(inserted.get_str("name").unwrap(), "Signed Up");
}

#[tokio::test]
async fn ensure_indexes_is_idempotent_and_retires_the_old_profile_email_index() {
    let db = fresh_db().await;
    let profiles = db.collection::<Document>("profiles");
    let retired = mongodb::IndexModel::builder()
        .keys(doc! { "email": 1 })
        .options(
            mongodb::options::IndexOptions::builder()
                .name("email_unique".to_owned())
                .unique(true)
                .sparse(true)
                .build(),
        )
        .build();
    profiles.create_index(retired).await.unwrap();
    ensure_indexes(&db).await.unwrap();
    ensure_indexes(&db).await.unwrap();
    let names = profiles.list_index_names().await.unwrap();
    assert!(!names.contains(&"email_unique".to_owned()), "{names:?}");

    let events = db.collection::<Document>("events");
    let names = events.list_index_names().await.unwrap();
    assert!(
        names.contains(&"source_message_unique".to_owned()),
        "{names:?}"
    );
    let event = doc! { "source_id": 1, "message_id": "m" };
    events.insert_one(event.clone()).await.unwrap();
    let duplicate = events.insert_one(event).await.unwrap_err();
    assert!(
        enrich::server::db::is_duplicate_key(&duplicate),
        "{duplicate}"
    );
    events
        .insert_one(doc! { "source_id": 2, "message_id": "m" })
        .await
        .expect("message ids are unique per source only");
}
