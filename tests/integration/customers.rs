use crate::support::TestApp;
use enrich::server::db::profiles::{ProfileDoc, Profiles};
use mongodb::bson::{Document, doc};

const ADD: &str = "/api/customers/add";
const LIST: &str = "/api/customers/list";

#[tokio::test]
async fn added_customer_is_stored_normalised_and_listed() {
    let app = TestApp::new().await;
    let reply = app
        .call(
            ADD,
            &[
                ("name", "  Ana Silva "),
                ("email", "Ana@Example.com"),
                ("phone", "+82 10-1234-5678"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["email"], "ana@example.com");

    let stored = app
        .db
        .collection::<Document>("profiles")
        .find_one(doc! {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.get_str("name").unwrap(), "Ana Silva");
    assert_eq!(stored.get_str("phone").unwrap(), "+821012345678");
    assert_eq!(stored.get_array("sources").unwrap().len(), 1);
    assert!(
        stored.get("last_seen").is_none(),
        "a hand-entered customer has never been seen"
    );

    let list = app.call(LIST, &[]).await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["customers"][0]["name"], "Ana Silva");
    assert_eq!(list["customers"][0]["source_count"], 1);
}

#[tokio::test]
async fn invalid_input_is_a_400_naming_the_field_and_stores_nothing() {
    let app = TestApp::new().await;
    let cases = [
        (("", "a@example.com", ""), "name"),
        (("Ana", "not-an-email", ""), "email"),
        (("Ana", "a@example.com", "12-ab"), "phone"),
    ];
    for ((name, email, phone), field) in cases {
        let reply = app
            .call(ADD, &[("name", name), ("email", email), ("phone", phone)])
            .await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.body);
        let body = reply.json();
        assert_eq!(body["error"], "invalid");
        assert_eq!(body["field"], field);
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let count = app
        .db
        .collection::<Document>("profiles")
        .count_documents(doc! {})
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_second_customer_with_the_same_email_is_a_409_and_the_first_is_untouched() {
    let app = TestApp::new().await;
    let first = app
        .call(ADD, &[("name", "Ana"), ("email", "ana@example.com")])
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second = app
        .call(ADD, &[("name", "Impostor"), ("email", "ANA@example.com ")])
        .await;
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.json()["field"], "email");

    let profiles = app.db.collection::<Document>("profiles");
    assert_eq!(profiles.count_documents(doc! {}).await.unwrap(), 1);
    let kept = profiles.find_one(doc! {}).await.unwrap().unwrap();
    assert_eq!(kept.get_str("name").unwrap(), "Ana");
}

#[tokio::test]
async fn form_post_without_javascript_redirects_back_and_shows_the_error() {
    let app = TestApp::new().await;
    // Browsers send an absolute Referer.
    let referer = "http://127.0.0.1:3000/customers";
    let ok = app
        .submit_form(
            ADD,
            &[("name", "Bo"), ("email", "bo@example.com"), ("phone", "")],
            referer,
        )
        .await;
    assert_eq!(ok.status, 302);
    // Success strips any earlier error from the query, leaving a bare `?`.
    assert_eq!(
        ok.headers["location"]
            .to_str()
            .unwrap()
            .trim_end_matches('?'),
        referer
    );

    let bad = app
        .submit_form(
            ADD,
            &[("name", "Cy"), ("email", "nope"), ("phone", "")],
            referer,
        )
        .await;
    assert_eq!(
        bad.status, 302,
        "a failed plain form post must still redirect back"
    );
    let location = bad.headers["location"].to_str().unwrap().to_owned();
    let back = location
        .strip_prefix("http://127.0.0.1:3000")
        .expect("back to the form's page");
    assert!(
        back.starts_with("/customers?"),
        "the error travels in the query: {location}"
    );

    let page = app.get(back).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("must be a valid email address"),
        "error not shown:\n{}",
        page.body
    );
    assert!(
        page.body.contains("bo@example.com"),
        "the stored customer is listed"
    );
}

#[tokio::test]
async fn created_per_day_counts_the_creation_day_and_fills_empty_days() {
    let app = TestApp::new().await;
    for (name, email) in [("A", "a@example.com"), ("B", "b@example.com")] {
        assert_eq!(
            app.call(ADD, &[("name", name), ("email", email)])
                .await
                .status,
            200
        );
    }
    // The day the server stamped, not "now": the test must not break across UTC midnight.
    let stored = app
        .db
        .collection::<ProfileDoc>("profiles")
        .find_one(doc! {})
        .await
        .unwrap();
    let millis = stored.unwrap().created_at.timestamp_millis();
    let created = chrono::DateTime::from_timestamp_millis(millis)
        .unwrap()
        .date_naive();
    let days = Profiles::new(&app.db)
        .created_per_day(created, 14)
        .await
        .unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(
        days.last().unwrap().day,
        created.format("%Y-%m-%d").to_string()
    );
    assert_eq!(days.last().unwrap().count, 2);
    assert!(days[..13].iter().all(|d| d.count == 0));
}

#[tokio::test]
async fn unreadable_arguments_are_a_400() {
    let app = TestApp::new().await;
    let reply = app.call(ADD, &[("email", "no-name@example.com")]).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["error"], "bad_request");
}
