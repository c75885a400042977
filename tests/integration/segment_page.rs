//! Issue 16 items 1, 4 and 11 through the API: the builder form without JavaScript stores what
//! was typed, the segment page right after saving has one member count and names (masked by
//! role) in its entries, and a rule without conditions needs an explicit confirmation.
use crate::support::TestApp;
use enrich::model::access::Role;
use serde_json::{Value, json};

async fn people(app: &TestApp, n: usize) {
    let key = app.write_key("web").await;
    for i in 0..n {
        let traits = json!({ "plan": "gold", "name": format!("Member Person{i}"), "email": format!("m{i}@example.com") });
        let body = json!({ "userId": format!("m{i}"), "traits": traits });
        assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    }
}

fn gold() -> String {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
        .to_string()
}

async fn detail(app: &TestApp, id: &str) -> Value {
    app.call("/api/segments/get", &[("id", id)]).await.json()
}

#[tokio::test]
async fn item_04_right_after_saving_the_page_has_one_member_count_and_names_not_ids() {
    let app = TestApp::new().await;
    people(&app, 18).await;
    let rule = gold();
    let form = [
        ("name", "Gold"),
        ("description", ""),
        ("rule", rule.as_str()),
    ];
    let saved = app.call("/api/segments/save", &form).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let id = saved.json().as_str().unwrap().to_owned();
    // No waiting: the page opened right after the save.
    let page = detail(&app, &id).await;
    assert_eq!(page["summary"]["size"], 18, "{page}");
    assert_eq!(page["compute"]["state"], "done", "{page}");
    let members = app
        .call("/api/segments/members", &[("id", &id)])
        .await
        .json();
    assert_eq!(members["total"], 18);
    let entries = page["transitions"].as_array().unwrap();
    assert!(!entries.is_empty());
    for t in entries {
        assert!(
            t["customer"].as_str().unwrap().starts_with("Member Person"),
            "{t}"
        );
    }
    let marketer = app.as_role(Role::Marketer).await;
    let masked = detail(&marketer, &id).await;
    for t in masked["transitions"].as_array().unwrap() {
        let name = t["customer"].as_str().unwrap();
        assert!(
            !name.contains("Person") && !name.is_empty() && name != t["profile_id"],
            "{t}"
        );
    }
}

#[tokio::test]
async fn item_11_a_rule_without_conditions_needs_an_explicit_confirmation() {
    let app = TestApp::new().await;
    let everyone = json!({ "type": "group", "kind": "all", "rules": [] }).to_string();
    let form = [
        ("name", "All"),
        ("description", ""),
        ("rule", everyone.as_str()),
    ];
    let refused = app.call("/api/segments/save", &form).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["field"], "confirm_everyone");
    let mut confirmed = form.to_vec();
    confirmed.push(("confirm_everyone", "true"));
    assert_eq!(app.call("/api/segments/save", &confirmed).await.status, 200);
}

#[tokio::test]
async fn item_01_the_builder_form_without_javascript_saves_the_typed_amount_and_unit() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let body = json!({ "userId": "d1", "traits": { "joined": "2020-01-02T00:00:00Z" } });
    assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    let form = [
        ("name", "Recent"),
        ("description", ""),
        ("b[r.group]", "all"),
        ("b[r.0.field]", "trait:traits.joined"),
        ("b[r.0.was]", "trait:traits.joined"),
        ("b[r.0.op]", "date|within_last"),
        ("b[r.0.amount]", "365"),
        ("b[r.0.unit]", "weeks"),
    ];
    let reply = app
        .submit_form("/api/segments/save", &form, "http://localhost/segments/new")
        .await;
    assert!(
        reply.status == 302 || reply.status == 303,
        "{} {}",
        reply.status,
        reply.body
    );
    let location = reply.headers["location"].to_str().unwrap().to_owned();
    let id = location.strip_prefix("/segments/").expect(&location);
    let page = detail(&app, id).await;
    assert_eq!(
        page["rule"]["rules"][0]["test"],
        json!({ "op": "within_last", "amount": 365, "unit": "weeks" })
    );
}

#[tokio::test]
async fn item_09_segment_form_errors_are_plain_words_naming_the_field() {
    let app = TestApp::new().await;
    let rule = gold();
    let form = [("name", " "), ("description", ""), ("rule", rule.as_str())];
    let refused = app.call("/api/segments/save", &form).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["field"], "name");
    assert_eq!(refused.json()["message"], "Name is required");
}
