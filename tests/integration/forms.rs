//! Issue 16 items 9, 10 and 14: forms answer every problem at once in plain words, role-aware
//! pages, a reason for support's consent changes, and demo data from Settings.
use crate::{matching::until_rematched, support::TestApp};
use enrich::model::access::Role;
use serde_json::{Value, json};

/// The plain-words message the answer gives for `field`.
fn message(body: &Value, field: &str) -> String {
    let errors = match body["error"].as_str() {
        Some("invalid_fields") => body["errors"].as_array().cloned().unwrap_or_default(),
        _ => vec![body.clone()],
    };
    errors
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn item_09_forms_answer_every_field_error_at_once_in_plain_words() {
    let app = TestApp::new().await;
    let form = [("email", ""), ("role", "analyst"), ("password", "short")];
    let reply = app.call("/api/users/add", &form).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_fields", "{body}");
    assert_eq!(message(&body, "email"), "Email is required");
    assert_eq!(
        message(&body, "password"),
        "Initial password must be at least 12 characters"
    );
    let source = app.call("/api/sources/create", &[("name", " ")]).await;
    assert_eq!(source.status, 400, "{}", source.body);
    assert_eq!(message(&source.json(), "name"), "Name is required");
    let computed = app
        .call(
            "/api/computed/create",
            &[
                ("name", ""),
                ("event", ""),
                ("aggregate", "count"),
                ("property", ""),
                ("within_days", ""),
            ],
        )
        .await;
    assert_eq!(computed.status, 400, "{}", computed.body);
    assert_eq!(message(&computed.json(), "name"), "Name is required");
    assert_eq!(message(&computed.json(), "event"), "Event is required");
    let customer = app
        .call(
            "/api/customers/add",
            &[("name", ""), ("email", "not-an-email"), ("phone", "12ab")],
        )
        .await;
    assert_eq!(customer.status, 400, "{}", customer.body);
    let body = customer.json();
    assert_eq!(body["error"], "invalid_fields", "{body}");
    assert_eq!(message(&body, "name"), "Name is required");
    assert!(message(&body, "email").starts_with("Email must be a valid email address"));
    assert!(message(&body, "phone").starts_with("Phone must be 7 to 15 digits"));
}

#[tokio::test]
async fn item_09_a_save_without_javascript_comes_back_with_a_success_notice() {
    let app = TestApp::new().await;
    let form = [
        ("email", "new-analyst@example.com"),
        ("role", "analyst"),
        ("password", "a-long-enough-password"),
    ];
    let page = "http://localhost/settings/users";
    let posted = app.submit_form("/api/users/add", &form, page).await;
    assert_eq!(posted.status, 302, "{}", posted.body);
    let location = posted.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/settings/users?saved=user");
    let shown = app.get(&location).await;
    assert!(shown.body.contains("form-saved"), "{}", shown.body);
    assert!(shown.body.contains("User added."));
}

#[tokio::test]
async fn item_10_settings_show_why_a_role_cannot_change_sources_or_traits() {
    let app = TestApp::new().await;
    app.write_key("web").await;
    for role in [Role::Marketer, Role::Analyst] {
        let viewer = app.as_role(role).await;
        let page = viewer.get("/settings").await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains(">Create source<"), "{role:?}");
        assert!(!page.body.contains(">Revoke<"), "{role:?}");
        assert!(!page.body.contains(">New key<"), "{role:?}");
        assert!(page.body.contains("Only admins can"), "{role:?}: a reason");
        let computed = viewer.get("/settings/computed").await;
        assert!(!computed.body.contains("Create and back-fill"), "{role:?}");
        assert!(computed.body.contains("Only admins can"), "{role:?}");
    }
    let admin = app.get("/settings").await;
    assert!(admin.body.contains(">Create source<") && admin.body.contains(">New key<"));
    assert!(!admin.body.contains("Only admins can"));
}

#[tokio::test]
async fn item_10_support_changes_consent_only_with_a_reason_that_is_audited() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let sent = app
        .track(
            "/v1/identify",
            &key,
            &json!({"userId": "u1", "traits": {"name": "Ana"}}),
        )
        .await;
    assert_eq!(sent.status, 200);
    let id = app.live_profiles().await[0].id.to_hex();
    let support = app.as_role(Role::Support).await;
    let form = [
        ("id", id.as_str()),
        ("purpose", "email_marketing"),
        ("granted", "false"),
    ];
    let refused = support.call("/api/profiles/consent", &form).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["field"], "reason");
    let reason = "Customer asked by phone, ticket 4812";
    let with_reason = [&form[..], &[("reason", reason)]].concat();
    let done = support.call("/api/profiles/consent", &with_reason).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let audited = app
        .count(
            "audit",
            mongodb::bson::doc! { "action": "consent.update", "detail": { "$regex": "ticket 4812" } },
        )
        .await;
    assert_eq!(audited, 1, "the reason is in the audit log");
    let page = support.get(&format!("/customers/{id}")).await;
    assert!(
        page.body.contains("name=\"reason\""),
        "the form asks for it"
    );
}

/// Starts a demo load and follows its progress until it is done.
async fn load_demo(app: &TestApp) -> Value {
    let started = app.call("/api/demo/start", &[]).await;
    assert_eq!(started.status, 200, "{}", started.body);
    for _ in 0..600 {
        let status = app.call("/api/demo/status", &[]).await.json();
        if status["state"] != "running" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the demo load did not finish");
}

#[tokio::test]
async fn item_14_admins_load_demo_data_from_settings_twice_without_duplicate_people() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    app.track(
        "/v1/identify",
        &key,
        &json!({"userId": "real", "traits": {"name": "Real"}}),
    )
    .await;
    let page = app.get("/settings").await;
    assert!(
        page.body.contains("Load demo data"),
        "offered on a database with data"
    );
    let first = load_demo(&app).await;
    assert_eq!(first["state"], "done", "{first}");
    // The demo's look-alike customers are merged by the background matcher after the load.
    until_rematched(&app).await;
    let people = app.live_profiles().await.len();
    assert!(people > 100, "{people}");
    // Every profile ever made, merged ones included: the second full matching run may merge
    // look-alikes the first left (its model is trained again), but no load may make a person.
    let made = app.count("profiles", mongodb::bson::doc! {}).await;
    let again = load_demo(&app).await;
    assert_eq!(again["state"], "done", "{again}");
    until_rematched(&app).await;
    assert_eq!(
        app.count("profiles", mongodb::bson::doc! {}).await,
        made,
        "no profile made by loading the same people again"
    );
    let live = app.live_profiles().await.len();
    assert!(live <= people, "no duplicate people: {live} > {people}");
    let marketer = app.as_role(Role::Marketer).await;
    assert_eq!(marketer.call("/api/demo/start", &[]).await.status, 403);
    assert!(
        !marketer
            .get("/settings")
            .await
            .body
            .contains("Load demo data")
    );
}
