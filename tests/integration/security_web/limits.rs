//! Item 17: expensive calls are limited per user (previews, overlaps, exports: 429 with
//! `Retry-After` naming the limit), live sockets per user, and imports at once.
use super::app_with;
use crate::{
    imports::multipart,
    segments::create,
    support::{Reply, TestApp},
};
use axum::{body::Body, http::Request};
use enrich::{
    model::access::Role,
    server::{auth::settings::AuthSettings, limits::settings::LimitSettings},
};
use serde_json::json;
use std::{net::SocketAddr, time::Duration};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{self, client::IntoClientRequest, http::HeaderValue},
};

/// Asserts `reply` is a 429 naming `limit`, with `Retry-After`.
fn assert_limited(reply: &Reply, limit: &str) {
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(
        reply.headers.contains_key("retry-after"),
        "{:?}",
        reply.headers
    );
    assert_eq!(reply.json()["limit"], limit, "{}", reply.body);
}

#[tokio::test]
async fn item_17_previews_overlaps_and_exports_are_rate_limited_per_user() {
    let limits = LimitSettings {
        previews_per_minute: 2,
        overlaps_per_minute: 1,
        exports_per_minute: 1,
        ..LimitSettings::default()
    };
    let app = app_with(AuthSettings::default(), limits).await;
    app.sign_in_as(Role::Admin).await;
    let key = app.write_key("web").await;
    let gold = json!({ "userId": "g1", "traits": { "plan": "gold" } });
    assert_eq!(app.track("/v1/identify", &key, &gold).await.status, 200);
    let rule = json!({ "type": "trait", "path": "traits.plan",
        "test": { "op": "equals", "value": "gold" } });
    let preview = |app: TestApp| {
        let rule = rule.to_string();
        async move { app.call("/api/segments/preview", &[("rule", &rule)]).await }
    };
    for _ in 0..2 {
        assert_eq!(preview(app.clone()).await.status, 200);
    }
    assert_limited(&preview(app.clone()).await, "segment_previews");
    let marketer = app.as_role(Role::Marketer).await;
    assert_eq!(
        preview(marketer).await.status,
        200,
        "another user has their own budget"
    );

    let (first, second) = (
        create(&app, "A", &rule).await,
        create(&app, "B", &rule).await,
    );
    let overlap = [("first", first.as_str()), ("second", second.as_str())];
    assert_eq!(
        app.call("/api/segments/overlap", &overlap).await.status,
        200
    );
    assert_limited(
        &app.call("/api/segments/overlap", &overlap).await,
        "segment_overlaps",
    );

    let export = format!("/segments/{first}/export");
    assert_eq!(app.get(&export).await.status, 200);
    assert_limited(&app.get(&export).await, "exports");
}

#[tokio::test]
async fn item_17_concurrent_imports_are_capped() {
    let limits = LimitSettings {
        concurrent_imports: 1,
        ..LimitSettings::default()
    };
    let app = app_with(AuthSettings::default(), limits).await;
    app.sign_in_as(Role::Admin).await;
    let upload = |path: &str, fields: &[(&str, Option<&str>, &str)], accept: &str| {
        let (content_type, body) = multipart(fields);
        Request::post(path)
            .header("content-type", content_type)
            .header("accept", accept)
            .body(Body::from(body))
            .unwrap()
    };
    let records = [
        ("source", None, "crm"),
        (
            "mapping",
            None,
            "[columns]\nid = \"user_id\"\nemail = \"email\"\n",
        ),
        ("file", Some("crm.csv"), "id,email\n1,a@example.com\n"),
    ];
    let catalog = [(
        "file",
        Some("catalog.jsonl"),
        r#"{"id":"mug","name":"Mug","variants":[{"id":"MUG-1","price":900,"currency":"EUR"}]}"#,
    )];
    // One import is running (its slot is held here, deterministically).
    let running = app
        .state
        .limits
        .imports
        .clone()
        .try_acquire_owned()
        .unwrap();
    let json = "application/json";
    let refused = app.send(upload("/imports", &records, json)).await;
    assert_limited(&refused, "concurrent_imports");
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("at most 1")
    );
    let refused = app.send(upload("/catalog/import", &catalog, json)).await;
    assert_limited(&refused, "concurrent_imports");
    let browser = app
        .send(upload("/catalog/import", &catalog, "text/html"))
        .await;
    let location = browser.headers["location"].to_str().unwrap();
    assert!(location.contains("concurrent_imports"), "{location}");
    drop(running);
    let started = app.send(upload("/imports", &records, json)).await;
    assert_eq!(started.status, 202, "{}", started.body);
}

/// Serves `app` on a loopback port, as `main` does.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    address
}

/// Opens `/ws/live` with `app`'s session cookie.
async fn open_socket(app: &TestApp, address: SocketAddr) -> Result<impl Sized, tungstenite::Error> {
    let mut request = format!("ws://{address}/ws/live")
        .into_client_request()
        .unwrap();
    let cookie = app.cookie.lock().unwrap().clone().expect("signed in");
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    connect_async(request).await.map(|(socket, _)| socket)
}

#[tokio::test]
async fn item_17_live_sockets_per_user_are_capped() {
    let limits = LimitSettings {
        sockets_per_user: 2,
        ..LimitSettings::default()
    };
    let app = app_with(AuthSettings::default(), limits).await;
    app.sign_in_as(Role::Analyst).await;
    let user = app.call("/api/auth/me", &[]).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let address = serve(&app).await;
    let first = open_socket(&app, address).await.expect("first socket");
    let _second = open_socket(&app, address).await.expect("second socket");
    match open_socket(&app, address).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!(
            "a third socket must be refused with 429: {:?}",
            other.is_ok()
        ),
    }
    let other = app.as_role(Role::Analyst).await;
    let _theirs = open_socket(&other, address)
        .await
        .expect("another user's socket");
    drop(first);
    // The server notices the closed socket and frees its place.
    for _ in 0..200 {
        if app.state.limits.sockets.count(&user) < 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    open_socket(&app, address)
        .await
        .expect("a freed place is reusable");
}
