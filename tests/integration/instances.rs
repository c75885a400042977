//! Two app instances on one database, as behind a load balancer: both instances' campaign
//! workers and schedulers send each message once.
use crate::{
    campaign_support::{self as cs, email_form, launch, person, set, tag},
    segments::create,
    support::{TestApp, fresh_db, leptos_options},
};
use enrich::{
    model::access::Role,
    server::{AppState, config::Settings, privacy::keyring},
};
use serde_json::json;
use std::{collections::HashMap, time::Duration};

/// Two started instances over one fresh database, one key ring and one signed-in admin
/// session (sessions live in the database, so the cookie works on both).
async fn two_instances(settings: impl Fn(&str) -> Settings) -> (TestApp, TestApp) {
    let db = fresh_db().await;
    let ring = keyring::generate();
    let instance = |name: &str| {
        TestApp::from_state(AppState::new(
            leptos_options(),
            db.clone(),
            &settings(name),
            ring.clone(),
        ))
    };
    let first = instance("first");
    let mut second = instance("second");
    first.sign_in_as(Role::Admin).await;
    second.cookie = first.cookie.clone();
    (first, second)
}

#[tokio::test]
async fn both_instances_workers_and_schedulers_send_each_message_once() {
    let (first, second) = two_instances(|name| Settings {
        instance: name.to_owned(),
        ..cs::settings(&[])
    })
    .await;
    let key = first.write_key("web").await;
    let t = tag();
    for i in 0..24 {
        let app = if i % 2 == 0 { &first } else { &second };
        let traits = json!({ "email": format!("i{i}-{t}@mail.test"), "plan": "both" });
        person(app, &key, &format!("i{i}-{t}"), traits, true).await;
    }
    let rule = json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "both" } });
    let segment = create(&first, "Both", &rule).await;
    let id = launch(&second, &email_form("Once", &segment)).await;
    cs::wait_status(&first, &id, "completed").await;
    cs::wait_mail(&t, 24).await;
    // Both instances' workers had their chance to send twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut per_address: HashMap<String, usize> = HashMap::new();
    for mail in cs::mail(&t) {
        *per_address
            .entry(mail["rcpt_tos"][0].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_address.len(), 24);
    assert!(per_address.values().all(|n| *n == 1), "{per_address:?}");

    // A scheduled campaign falls due on both schedulers at once: one run, one message each.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let mut once = email_form("Scheduled", &segment);
    set(&mut once, "schedule", "at");
    set(&mut once, "send_at", &format!("{tomorrow}T10:00"));
    set(&mut once, "send_at_zone", "UTC");
    let scheduled = launch(&first, &once).await;
    let due =
        mongodb::bson::DateTime::from_chrono(chrono::Utc::now() - chrono::Duration::seconds(1));
    first
        .db
        .collection::<mongodb::bson::Document>("campaigns")
        .update_one(
            mongodb::bson::doc! { "_id": scheduled.parse::<mongodb::bson::oid::ObjectId>().unwrap() },
            mongodb::bson::doc! { "$set": { "next_run_at": due } },
        )
        .await
        .unwrap();
    cs::wait_status(&second, &scheduled, "completed").await;
    cs::wait_mail(&t, 48).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(cs::mail(&t).len(), 48, "each person once per campaign");
    assert_eq!(cs::detail(&first, &scheduled).await["runs"], 1);
}
