//! Admin API tokens: created by an admin and shown once, used by a script with no cookie and
//! no CSRF header, limited to their role, audited in their owner's name, refused once revoked,
//! expired, or when the owner is disabled or no longer an admin; tokens cannot mint tokens.
use crate::support::{Reply, TestApp};
use axum::{body::Body, http::Request};
use enrich::model::access::Role;
use mongodb::bson::{DateTime, doc, oid::ObjectId};

/// Creates a token as `app`'s signed-in admin; returns (its id, its secret).
async fn create(app: &TestApp, name: &str, role: &str, expires: &str) -> (String, String) {
    let reply = app
        .call(
            "/api/tokens/create",
            &[("name", name), ("role", role), ("expires", expires)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let created = reply.json();
    (
        created["token"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// A script's call: the bearer token only — no cookie, no Origin, no Referer.
async fn script(app: &TestApp, token: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    let request = Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    app.anonymous().send_raw(request).await
}

#[tokio::test]
async fn a_token_is_shown_once_works_without_a_session_and_is_limited_to_its_role() {
    let app = TestApp::new().await;
    let (id, secret) = create(&app, "nightly export", "analyst", "90").await;
    assert!(
        secret.starts_with("enr_pat_") && secret.len() > 40,
        "{secret}"
    );
    // The page's next load shows it (a form posted without JavaScript lands there) …
    let first = app.call("/api/tokens/list", &[]).await.json();
    assert_eq!(first["new_token"]["secret"], secret.as_str());
    // … and never again.
    let listed = app.call("/api/tokens/list", &[]).await;
    assert_eq!(listed.status, 200);
    assert!(
        !listed.body.contains(&secret),
        "shown once: {}",
        listed.body
    );
    let token = &listed.json()["tokens"][0];
    assert_eq!(
        (token["name"].as_str(), token["role"].as_str()),
        (Some("nightly export"), Some("analyst"))
    );
    assert!(token["last_used_at"].is_null());
    assert!(secret.starts_with(token["prefix"].as_str().unwrap()));
    let stored = app
        .count("api_tokens", doc! { "digest": { "$exists": true } })
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        app.count(
            "api_tokens",
            doc! { "$or": [{ "secret": &secret }, { "digest": &secret }] }
        )
        .await,
        0,
        "stored hashed"
    );

    // The analyst's reads work with no cookie and no CSRF header …
    let segments = script(&app, &secret, "/api/segments/list", &[]).await;
    assert_eq!(segments.status, 200, "{}", segments.body);
    // … the analyst's limits hold, and personal data stays masked as for an analyst.
    let users = script(&app, &secret, "/api/users/list", &[]).await;
    assert_eq!(users.status, 403, "{}", users.body);
    let save = script(&app, &secret, "/api/segments/save", &[("name", "x")]).await;
    assert_eq!(save.status, 403);
    let used = app.call("/api/tokens/list", &[]).await.json();
    assert!(used["tokens"][0]["last_used_at"].is_string(), "{used}");

    // A wrong or unknown token is refused, even beside a valid session cookie: no fallback.
    let forged = app
        .send(
            Request::post("/api/segments/list")
                .header("authorization", "Bearer enr_pat_not-a-token")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, 401, "{}", forged.body);

    let revoke = app.call("/api/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(revoke.status, 200, "{}", revoke.body);
    assert_eq!(
        script(&app, &secret, "/api/segments/list", &[])
            .await
            .status,
        401
    );
    let again = app.call("/api/tokens/revoke", &[("id", &id)]).await;
    assert_eq!(again.status, 404, "{}", again.body);
    for action in ["api_token.create", "api_token.revoke"] {
        assert_eq!(
            app.count(
                "audit",
                doc! { "action": action, "detail": { "$regex": "^nightly export \\(enr_pat_" } }
            )
            .await,
            1,
            "{action}"
        );
    }
    assert_eq!(
        app.count("audit", doc! { "detail": { "$regex": &secret } })
            .await,
        0,
        "the secret is never audited"
    );
}

#[tokio::test]
async fn actions_taken_with_a_token_are_audited_in_its_owners_name() {
    let app = TestApp::new().await;
    let (_, secret) = create(&app, "provisioning", "admin", "never").await;
    let created = script(&app, &secret, "/api/sources/create", &[("name", "erp")]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let entry = app
        .db
        .collection::<mongodb::bson::Document>("audit")
        .find_one(doc! { "action": "source.create" })
        .await
        .unwrap()
        .expect("audited");
    let actor = entry.get_str("actor").unwrap();
    assert!(
        actor.starts_with("admin-") && actor.contains(" via token provisioning (enr_pat_"),
        "{actor}"
    );
    assert!(!actor.contains(&secret));

    // Tokens cannot mint tokens (a leaked one must not outlive its revocation).
    let minted = script(
        &app,
        &secret,
        "/api/tokens/create",
        &[("name", "more"), ("role", "admin"), ("expires", "never")],
    )
    .await;
    assert_eq!(minted.status, 403, "{}", minted.body);

    // Metrics on the app's port: an admin token reads them; anyone else may not.
    let metrics = get_metrics(&app, Some(&secret)).await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("enrich_http_requests_total"));
    assert_eq!(get_metrics(&app, None).await.status, 401);
    let (_, analyst) = create(&app, "reader", "analyst", "30").await;
    assert_eq!(get_metrics(&app, Some(&analyst)).await.status, 403);
}

/// `GET /metrics` on the app's port with `token`, if any, and no cookie.
async fn get_metrics(app: &TestApp, token: Option<&str>) -> Reply {
    let mut request = Request::get("/metrics");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    app.anonymous()
        .send_raw(request.body(Body::empty()).unwrap())
        .await
}

/// What a script holding `secret` gets listing segments.
async fn segments_status(app: &TestApp, secret: &str) -> u16 {
    script(app, secret, "/api/segments/list", &[])
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn a_token_dies_with_its_expiry_and_its_owners_admin_rights() {
    let app = TestApp::new().await;
    let (expiring, expiring_secret) = create(&app, "short", "analyst", "30").await;
    let (_, secret) = create(&app, "long", "analyst", "never").await;
    assert_eq!(segments_status(&app, &expiring_secret).await, 200);
    let id: ObjectId = expiring.parse().unwrap();
    let past = DateTime::from_millis(DateTime::now().timestamp_millis() - 1_000);
    app.db
        .collection::<mongodb::bson::Document>("api_tokens")
        .update_one(doc! { "_id": id }, doc! { "$set": { "expires_at": past } })
        .await
        .unwrap();
    assert_eq!(
        segments_status(&app, &expiring_secret).await,
        401,
        "expired"
    );

    // Every token the owner made stops when they are demoted, or disabled, whatever its role.
    let users = app.db.collection::<mongodb::bson::Document>("users");
    let owner = users
        .find_one(doc! { "role": "admin" })
        .await
        .unwrap()
        .unwrap()
        .get_object_id("_id")
        .unwrap();
    for (change, why) in [
        (
            doc! { "role": "marketer" },
            "its owner is no longer an admin",
        ),
        (
            doc! { "role": "admin", "disabled": true },
            "its owner is disabled",
        ),
    ] {
        users
            .update_one(doc! { "_id": owner }, doc! { "$set": change })
            .await
            .unwrap();
        assert_eq!(segments_status(&app, &secret).await, 401, "{why}");
    }
}

#[tokio::test]
async fn a_bad_token_form_names_every_field_and_creates_nothing() {
    let app = TestApp::new().await;
    let reply = app
        .call(
            "/api/tokens/create",
            &[("name", " "), ("role", "root"), ("expires", "forever")],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    for field in ["name", "role", "expires"] {
        assert!(
            reply.body.contains(&format!("\"{field}\"")),
            "{field}: {}",
            reply.body
        );
    }
    let long = "x".repeat(81);
    let reply = app
        .call(
            "/api/tokens/create",
            &[("name", &long), ("role", "analyst"), ("expires", "30")],
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("at most 80"), "{}", reply.body);
    assert_eq!(app.count("api_tokens", doc! {}).await, 0);
    let marketer = app.as_role(Role::Marketer).await;
    let refused = marketer
        .call(
            "/api/tokens/create",
            &[("name", "mine"), ("role", "admin"), ("expires", "30")],
        )
        .await;
    assert_eq!(refused.status, 403);
}
