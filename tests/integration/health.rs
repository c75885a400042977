use crate::support::TestApp;
use mongodb::{Client, options::ClientOptions};
use std::time::Duration;

#[tokio::test]
async fn healthz_reports_a_reachable_database_and_its_capabilities() {
    let app = TestApp::new().await;
    let reply = app.get("/healthz").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let health = reply.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"]["reachable"], true);
    assert_eq!(health["database"]["name"], app.db.name());
    assert!(
        !health["database"]["server_version"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // The test server runs with its oplog on, so change streams must be reported available.
    assert_eq!(health["database"]["change_streams"], true);
}

/// The app on a database server that is not there.
async fn app_without_database() -> TestApp {
    // Port 9 (discard) on loopback: nothing listens there, so every attempt is refused at once.
    let mut options = ClientOptions::parse("mongodb://127.0.0.1:9").await.unwrap();
    options.server_selection_timeout = Some(Duration::from_millis(300));
    TestApp::with_db(Client::with_options(options).unwrap().database("down"))
}

#[tokio::test]
async fn server_fns_answer_503_when_the_database_is_down() {
    let app = app_without_database().await;
    // A signed-in browser: its session lives in the database that is down.
    let id = tower_sessions::session::Id::default();
    *app.cookie.lock().unwrap() = Some(format!("enrich.sid={id}"));
    let reply = app.call("/api/customers/list", &[]).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["error"], "unavailable");
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_down() {
    let app = app_without_database().await;
    let reply = app.get("/healthz").await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    let health = reply.json();
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["database"]["reachable"], false);
    assert_eq!(health["database"]["change_streams"], false);
}
