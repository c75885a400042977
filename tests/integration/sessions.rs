use crate::support::fresh_db;
use enrich::server::db::sessions::MongoSessionStore;
use time::{Duration, OffsetDateTime};
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

fn record(expires_in: Duration) -> Record {
    let mut data = std::collections::HashMap::new();
    data.insert(
        "user.role".to_owned(),
        serde_json::json!({"$role": "admin"}),
    );
    Record {
        id: Id::default(),
        data,
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

#[tokio::test]
async fn sessions_round_trip_and_can_be_deleted() {
    let store = MongoSessionStore::new(&fresh_db().await);
    let mut session = record(Duration::hours(1));
    store.create(&mut session).await.unwrap();
    let loaded = store
        .load(&session.id)
        .await
        .unwrap()
        .expect("saved session loads");
    assert_eq!(
        loaded.data, session.data,
        "keys with dots and values with $ survive"
    );
    assert_eq!(
        loaded.expiry_date.unix_timestamp(),
        session.expiry_date.unix_timestamp()
    );

    session.data.insert("n".into(), serde_json::json!(2));
    store.save(&session).await.unwrap();
    assert_eq!(store.load(&session.id).await.unwrap().unwrap().data["n"], 2);

    store.delete(&session.id).await.unwrap();
    assert!(store.load(&session.id).await.unwrap().is_none());
}

#[tokio::test]
async fn expired_sessions_are_never_loaded() {
    let store = MongoSessionStore::new(&fresh_db().await);
    let mut session = record(Duration::seconds(-1));
    store.create(&mut session).await.unwrap();
    assert!(store.load(&session.id).await.unwrap().is_none());
}
