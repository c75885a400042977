//! Settings and customer pages render from the server (what a browser without JavaScript sees).
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_created_write_key_is_shown_once_after_a_no_javascript_post() {
    let app = TestApp::new().await;
    let empty = app.get("/settings").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("sources-empty"), "{}", empty.body);

    let posted = app
        .send(
            axum::http::Request::post("/api/sources/create")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "text/html")
                .header("referer", "http://localhost/settings")
                .body(axum::body::Body::from("name=web"))
                .unwrap(),
        )
        .await;
    assert_eq!(posted.status, 302, "{}", posted.body);
    let cookie = posted.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let with_session = |path: &str| {
        axum::http::Request::get(path)
            .header("cookie", cookie.clone())
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let page = app.send(with_session("/settings")).await;
    let key = page
        .body
        .split("data-testid=\"new-key-value\"")
        .nth(1)
        .and_then(|rest| rest.split('>').nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        key.starts_with("wk_"),
        "the key is on the page: {}",
        page.body
    );
    let again = app.send(with_session("/settings")).await;
    assert!(!again.body.contains(&key), "and only once");
    let accepted = app
        .track("/v1/identify", &key, &json!({"userId": "u1"}))
        .await;
    assert_eq!(accepted.status, 200, "the shown key works");
}

#[tokio::test]
async fn customer_page_shows_identities_traits_with_provenance_and_merges() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    for body in [
        json!({"userId": "u1", "traits": {"name": "Ana Lima", "plan": "free"}, "timestamp": "2026-11-01T00:00:00Z"}),
        json!({"anonymousId": "a1", "traits": {"plan": "pro"}, "timestamp": "2026-11-02T00:00:00Z"}),
        json!({"userId": "u1", "anonymousId": "a1"}),
    ] {
        assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    }
    let profile = &app.live_profiles().await[0];
    let page = app
        .get(&format!("/customers/{}", profile.id.to_hex()))
        .await;
    assert_eq!(page.status, 200);
    for needle in [
        "Ana Lima",
        "user_id",
        "anonymous_id",
        "Earlier values",
        "free",
        "Unmerge",
    ] {
        assert!(page.body.contains(needle), "{needle} missing");
    }
    assert_eq!(
        app.get("/customers/not-an-id").await.status,
        200,
        "an error state, not a crash"
    );
}

#[tokio::test]
async fn every_settings_page_renders() {
    let app = TestApp::new().await;
    for (path, marker) in [
        ("/settings/import", "enctype=\"multipart/form-data\""),
        ("/settings/computed", "computed-empty"),
        ("/settings/fields", "fields-empty"),
        (
            "/settings/import?error=mapping%3A+is+required",
            "mapping: is required",
        ),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(marker), "{path}: {marker} missing");
    }
}
