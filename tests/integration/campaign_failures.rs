//! Issue 16 item 3: a campaign whose channel is not set up is refused at launch (naming what is
//! missing), the launch step says how many people it reaches, a run where every send failed
//! ends `failed`, "sent" means accepted by the channel on every page, and failed messages are
//! retried once the cause is fixed.
use crate::{
    campaign_support::{self as cs, app, email_form, launch, person, results, set, tag, variant},
    segments::create,
    support::TestApp,
};
use enrich::model::access::Role;
use serde_json::{Value, json};

fn gold() -> Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
}

/// `n` consenting gold members whose addresses carry `t`; the gold segment.
async fn members(app: &TestApp, t: &str, n: usize) -> String {
    let key = app.write_key("web").await;
    for i in 0..n {
        let traits = json!({ "email": format!("f{i}-{t}@mail.test"), "plan": "gold" });
        person(app, &key, &format!("f{i}-{t}"), traits, true).await;
    }
    create(app, "Gold", &gold()).await
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port().to_string()
}

/// The list's row for campaign `id`.
async fn listed(app: &TestApp, id: &str) -> Value {
    let list = app.call("/api/campaigns/list", &[]).await.json();
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn item_03_launch_refuses_a_channel_that_is_not_set_up_and_names_what_is_missing() {
    let app = app(&[("ENRICH_SMTP_HOST", "")]).await;
    let t = tag();
    let segment = members(&app, &t, 3).await;
    let saved = cs::save(&app, &email_form("Unsent", &segment)).await;
    let id = saved.json().as_str().unwrap().to_owned();
    let check = app
        .call("/api/campaigns/launch_check", &[("id", &id)])
        .await;
    assert_eq!(check.status, 200, "{}", check.body);
    let check = check.json();
    assert_eq!(check["recipients"], 3, "{check}");
    assert_eq!(check["missing"], json!(["SMTP host"]), "{check}");
    let launched = app.call("/api/campaigns/launch", &[("id", &id)]).await;
    assert_eq!(launched.status, 409, "{}", launched.body);
    let body = launched.json();
    assert_eq!(body["field"], "channel");
    assert!(
        body["message"].as_str().unwrap().contains("SMTP host"),
        "{body}"
    );
    assert_eq!(cs::detail(&app, &id).await["status"], "draft");
    assert_eq!(app.count("outbox", Default::default()).await, 0);
    let mut hook = email_form("Hook", &segment);
    set(&mut hook, "channel", "webhook");
    let hook = cs::save(&app, &hook)
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app.call("/api/campaigns/launch", &[("id", &hook)]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let message = refused.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("webhook URL") && message.contains("signing secret"),
        "{message}"
    );
}

#[tokio::test]
async fn item_03_a_run_where_every_send_failed_is_failed_and_sent_means_accepted_everywhere() {
    let app = app(&[("ENRICH_SMTP_PORT", &closed_port().await)]).await;
    cs::channel_settings(&app, &[("max_attempts", "1")]).await;
    let t = tag();
    // The sink refuses `bounce-…` for good.
    let key = app.write_key("bounce").await;
    let traits = json!({ "email": format!("bounce-{t}@mail.test"), "plan": "gold" });
    person(&app, &key, &format!("bounce-{t}"), traits, true).await;
    let segment = members(&app, &t, 3).await;
    let id = launch(&app, &email_form("Nowhere", &segment)).await;
    let detail = cs::wait_status(&app, &id, "failed").await;
    assert_eq!(
        detail["totals"],
        json!({ "sent": 0, "failed": 4, "pending": 0 })
    );
    let row = listed(&app, &id).await;
    assert_eq!(row["status"], "failed");
    assert_eq!(
        row["totals"], detail["totals"],
        "the list and the page agree"
    );
    let r = results(&app, &id).await;
    assert_eq!(
        (
            variant(&r, "A")["sent"].clone(),
            variant(&r, "A")["failed"].clone()
        ),
        (json!(0), json!(4)),
        "a failed message was never sent: {r}"
    );
    // A run where some sends failed completes, and says how many failed.
    cs::channel_settings(&app, &[("smtp_port", &sink_port())]).await;
    let partly = launch(&app, &email_form("Partly", &segment)).await;
    cs::wait_exact(&app, &partly, "completed").await;
    let row = listed(&app, &partly).await;
    assert_eq!(
        row["totals"],
        json!({ "sent": 3, "failed": 1, "pending": 0 })
    );
}

async fn retry(app: &TestApp, id: &str) -> crate::support::Reply {
    app.call("/api/campaigns/retry", &[("id", id)]).await
}

fn sink_port() -> String {
    std::env::var("ENRICH_TEST_SMTP_PORT").unwrap()
}

#[tokio::test]
async fn item_03_failed_messages_are_retried_once_the_channel_is_fixed_respecting_consent() {
    let app = app(&[("ENRICH_SMTP_PORT", &closed_port().await)]).await;
    cs::channel_settings(&app, &[("max_attempts", "1")]).await;
    let t = tag();
    let segment = members(&app, &t, 3).await;
    let id = launch(&app, &email_form("Again", &segment)).await;
    cs::wait_status(&app, &id, "failed").await;
    // Not while the channel lacks its host.
    cs::channel_settings(&app, &[("smtp_host", "")]).await;
    let refused = retry(&app, &id).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("SMTP host"), "{}", refused.body);
    let analyst = app.as_role(Role::Analyst).await;
    let denied = analyst.call("/api/campaigns/retry", &[("id", &id)]).await;
    assert_eq!(denied.status, 403);
    // f0 withdraws consent meanwhile: the retry does not reach them.
    let key = app.write_key("later").await;
    let traits = json!({ "email": format!("f0-{t}@mail.test"), "plan": "gold" });
    person(&app, &key, &format!("f0-{t}"), traits, false).await;
    cs::channel_settings(
        &app,
        &[("smtp_host", "127.0.0.1"), ("smtp_port", &sink_port())],
    )
    .await;
    let retried = retry(&app, &id).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json(), 3);
    let detail = cs::wait_exact(&app, &id, "completed").await;
    assert_eq!(
        detail["totals"],
        json!({ "sent": 2, "failed": 0, "pending": 0 })
    );
    assert_eq!(cs::wait_mail(&t, 2).await.len(), 2);
    assert!(
        cs::mail(&format!("f0-{t}")).is_empty(),
        "consent is checked again"
    );
    let audited = mongodb::bson::doc! { "action": "campaign.retry", "target": &id };
    assert_eq!(app.count("audit", audited).await, 1);
    let nothing = retry(&app, &id).await;
    assert_eq!(
        nothing.status, 409,
        "nothing left to retry: {}",
        nothing.body
    );
}
