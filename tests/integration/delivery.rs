//! Delivery: webhook signatures and retries against a real local HTTP receiver, in-app messages
//! for apps, SMTP bounces and retries, quiet hours, pause / resume / cancel, a worker killed
//! mid-send, and triggered sends on segment entry.
use crate::{
    campaign_support::{self as cs, app, email_form, launch, person, results, set, tag, variant},
    segments::create,
};
use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

fn gold() -> Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
}

/// Requests the receiver got: headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A real HTTP receiver on a free port: answers 500 to the first request for each message id
/// (to force a retry), 400 to messages for users named `reject…`, and 200 otherwise.
async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    async fn handle(
        State(received): State<Received>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let text = String::from_utf8_lossy(&body).into_owned();
        let json: Value = serde_json::from_str(&text).unwrap_or_default();
        let mut list = received.lock().unwrap();
        let first = !list
            .iter()
            .any(|(h, _)| h["idempotency-key"] == headers["idempotency-key"]);
        list.push((headers, text));
        if json["profile"]["userId"]
            .as_str()
            .is_some_and(|u| u.starts_with("reject"))
        {
            StatusCode::BAD_REQUEST
        } else if first {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        }
    }
    let router = Router::new()
        .route("/hook", post(handle))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_permanent_refusals_recorded() {
    let (url, received) = receiver().await;
    let app = app(&[
        ("ENRICH_WEBHOOK_URL", &url),
        ("ENRICH_WEBHOOK_SECRET", "whsec-test"),
    ])
    .await;
    let key = app.write_key("app").await;
    let body = |user: &str| json!({ "userId": user, "traits": { "plan": "gold" }, "context": { "consent": { "categoryPreferences": { "sms_marketing": true } } } });
    for user in ["ok-1", "ok-2", "reject-1"] {
        assert_eq!(
            app.track("/v1/identify", &key, &body(user)).await.status,
            200
        );
    }
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Hook", &segment);
    set(&mut form, "channel", "webhook");
    set(&mut form, "a_body", "Hi {{ traits.plan }}");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let r = results(&app, &id).await;
    assert_eq!(variant(&r, "A")["delivered"], 2, "{r}");
    assert_eq!(variant(&r, "A")["failed"], 1);
    assert!(r["failures"][0][0].as_str().unwrap().contains("400"), "{r}");
    let list = received.lock().unwrap().clone();
    assert_eq!(
        list.len(),
        5,
        "two retried once, the refused one never retried"
    );
    for (headers, body) in &list {
        let signature = headers["x-enrich-signature"].to_str().unwrap();
        let unix: i64 = signature[2..signature.find(',').unwrap()].parse().unwrap();
        let expected = enrich::server::campaigns::channels::webhook::signature(
            "whsec-test",
            unix,
            body.as_bytes(),
        );
        assert_eq!(
            signature, expected,
            "the HMAC covers the time and the exact body"
        );
        let json: Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["id"], headers["idempotency-key"].to_str().unwrap());
        assert_eq!(json["body"], "Hi gold");
    }
}

#[tokio::test]
async fn in_app_messages_are_served_to_a_server_key_and_marked_read() {
    let app = app(&[]).await;
    let key = app.write_key("app").await;
    let reader = app.server_key("backend").await;
    let t = tag();
    let user = format!("app-{t}");
    person(&app, &key, &user, json!({ "plan": "gold" }), true).await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("In app", &segment);
    set(&mut form, "channel", "in_app");
    set(&mut form, "a_subject", "Welcome back");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let path = format!("/v1/profiles/{user}/messages");
    let anonymous = app.anonymous();
    assert_eq!(
        anonymous.get(&path).await.status,
        401,
        "a server key is required"
    );
    let get = |path: String| {
        let key = reader.clone();
        let anonymous = anonymous.clone();
        async move {
            anonymous
                .send(
                    axum::http::Request::get(&path)
                        .header("authorization", format!("Bearer {key}"))
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await
        }
    };
    let inbox = get(path.clone()).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let inbox = inbox.json();
    assert_eq!(inbox["unread"], 1);
    assert_eq!(inbox["messages"][0]["title"], "Welcome back");
    let message = inbox["messages"][0]["id"].as_str().unwrap().to_owned();
    let read = anonymous
        .send(
            axum::http::Request::post(format!("{path}/{message}/read"))
                .header("authorization", format!("Bearer {reader}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(get(path.clone()).await.json()["unread"], 0);
    assert_eq!(
        variant(&results(&app, &id).await, "A")["opened"],
        1,
        "read counts as opened"
    );
    let nobody = get(format!("/v1/profiles/nobody-{t}/messages")).await;
    assert_eq!(nobody.status, 200, "no 404 that would tell who exists");
    assert_eq!(nobody.json(), json!({ "messages": [], "unread": 0 }));
}

#[tokio::test]
async fn smtp_bounces_fail_for_good_and_temporary_refusals_are_retried() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for local in ["fine", "bounce", "flaky"] {
        person(
            &app,
            &key,
            &format!("{local}-{t}"),
            json!({ "email": format!("{local}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    let segment = create(&app, "Gold", &gold()).await;
    let id = launch(&app, &email_form("Bouncy", &segment)).await;
    cs::wait_status(&app, &id, "completed").await;
    let r = results(&app, &id).await;
    assert_eq!(variant(&r, "A")["delivered"], 2, "{r}");
    assert_eq!(variant(&r, "A")["failed"], 1);
    assert!(
        r["failures"][0][0].as_str().unwrap().contains("refused"),
        "{r}"
    );
    let flaky = app
        .db
        .collection::<mongodb::bson::Document>("outbox")
        .find_one(mongodb::bson::doc! { "status": "sent", "attempts": { "$gte": 3 } })
        .await
        .unwrap();
    assert!(flaky.is_some(), "the flaky address took three attempts");
    assert_eq!(cs::mail(&t).len(), 2);
}

#[tokio::test]
async fn quiet_hours_defer_in_the_persons_own_time_zone() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    let hour = chrono::Timelike::hour(&chrono::Utc::now());
    // Quiet for the current UTC hour and the next one; Tokyo (UTC+9) is well outside it.
    let (start, end) = (hour.to_string(), ((hour + 2) % 24).to_string());
    cs::channel_settings(
        &app,
        &[
            ("quiet_enabled", "on"),
            ("quiet_start", &start),
            ("quiet_end", &end),
            ("quiet_zone", "UTC"),
        ],
    )
    .await;
    person(
        &app,
        &key,
        &format!("utc-{t}"),
        json!({ "email": format!("utc-{t}@mail.test"), "plan": "gold" }),
        true,
    )
    .await;
    person(&app, &key, &format!("tokyo-{t}"), json!({ "email": format!("tokyo-{t}@mail.test"), "plan": "gold", "timezone": "Asia/Tokyo" }), true).await;
    let segment = create(&app, "Gold", &gold()).await;
    let id = launch(&app, &email_form("Quiet", &segment)).await;
    let mails = cs::wait_mail(&t, 1).await;
    assert!(
        mails[0]["rcpt_tos"][0]
            .as_str()
            .unwrap()
            .starts_with("tokyo-")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = results(&app, &id).await;
    assert_eq!(
        (r["pending"].clone(), r["deferred"].clone()),
        (json!(1), json!(1)),
        "{r}"
    );
    assert_eq!(
        cs::detail(&app, &id).await["status"],
        "sending",
        "deferred, not dropped"
    );
    let deferred = app
        .db
        .collection::<mongodb::bson::Document>("outbox")
        .find_one(mongodb::bson::doc! { "status": "pending" })
        .await
        .unwrap()
        .unwrap();
    let until = deferred.get_datetime("next_at").unwrap().to_chrono();
    assert_eq!(
        chrono::Timelike::hour(&until),
        (hour + 2) % 24,
        "it goes when quiet hours end"
    );
    assert_eq!(cs::mail(&t).len(), 1);
}

#[tokio::test]
async fn pause_resume_and_cancel_control_what_is_still_pending() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    for i in 0..30 {
        person(
            &app,
            &key,
            &format!("p{i}-{t}"),
            json!({ "email": format!("p{i}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    cs::channel_settings(&app, &[("per_second][0", "10")]).await;
    let segment = create(&app, "Gold", &gold()).await;
    let id = launch(&app, &email_form("Slow", &segment)).await;
    cs::wait_mail(&t, 3).await;
    assert_eq!(
        app.call("/api/campaigns/pause", &[("id", &id)])
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let paused_at = cs::mail(&t).len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        cs::mail(&t).len(),
        paused_at,
        "nothing is sent while paused"
    );
    assert!(paused_at < 30);
    assert_eq!(
        app.call("/api/campaigns/resume", &[("id", &id)])
            .await
            .status,
        200
    );
    cs::wait_mail(&t, paused_at + 2).await;
    assert_eq!(
        app.call("/api/campaigns/cancel", &[("id", &id)])
            .await
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let at_cancel = cs::mail(&t).len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        cs::mail(&t).len(),
        at_cancel,
        "nothing is sent after cancelling"
    );
    assert_eq!(cs::detail(&app, &id).await["status"], "cancelled");
    for action in ["campaign.pause", "campaign.resume", "campaign.cancel"] {
        let filter = mongodb::bson::doc! { "action": action, "target": &id };
        assert_eq!(app.count("audit", filter).await, 1, "{action} is audited");
    }
    assert_eq!(
        app.call("/api/campaigns/resume", &[("id", &id)])
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn a_worker_killed_mid_send_loses_nothing_and_doubles_nothing() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    let people = 8;
    for i in 0..people {
        person(
            &app,
            &key,
            &format!("k{i}-{t}"),
            json!({ "email": format!("k{i}-{t}@mail.test"), "plan": "gold" }),
            true,
        )
        .await;
    }
    // Two a second: the kill below lands between two sends, with the next one already claimed.
    cs::channel_settings(&app, &[("per_second][0", "2")]).await;
    let segment = create(&app, "Gold", &gold()).await;
    let id = launch(&app, &email_form("Crash", &segment)).await;
    cs::wait_mail(&t, 3).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.state.campaigns.kill();
    let at_kill = cs::mail(&t).len();
    assert!(at_kill < people, "killed mid-send");
    let claimed = app
        .count("outbox", mongodb::bson::doc! { "status": "sending" })
        .await;
    assert!(
        claimed >= 1,
        "a claimed message was left behind by the kill"
    );
    // Drawing the run again (a restart racing the old one) queues nobody twice.
    let campaign = app
        .state
        .campaigns
        .campaigns
        .must_get(id.parse().unwrap())
        .await
        .unwrap();
    let occasion = enrich::server::campaigns::audience::Occasion {
        run: "1".into(),
        only: None,
        trigger: None,
        at: chrono::Utc::now(),
    };
    let again = app
        .state
        .campaigns
        .draw(&campaign, &occasion)
        .await
        .unwrap();
    assert_eq!(
        app.state
            .campaigns
            .outbox
            .enqueue(&again.items)
            .await
            .unwrap(),
        0
    );
    app.state.campaigns.start();
    cs::wait_status(&app, &id, "completed").await;
    let mails = cs::mail(&t);
    let mut ids: Vec<&str> = mails
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        people,
        "nothing lost: {}",
        results(&app, &id).await
    );
    assert_eq!(mails.len(), people, "nothing doubled");
    assert_eq!(
        variant(&results(&app, &id).await, "A")["delivered"],
        people as u64
    );
}

#[tokio::test]
async fn a_triggered_campaign_sends_when_a_profile_enters_its_segment() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    person(
        &app,
        &key,
        &format!("before-{t}"),
        json!({ "email": format!("before-{t}@mail.test"), "plan": "gold" }),
        true,
    )
    .await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Welcome to gold", &segment);
    set(&mut form, "schedule", "triggered");
    set(&mut form, "trigger_segment", &segment);
    set(&mut form, "a_subject", "Welcome, {{ traits.firstName }}");
    let id = launch(&app, &form).await;
    assert_eq!(cs::detail(&app, &id).await["status"], "active");
    let entered = std::time::Instant::now();
    person(
        &app,
        &key,
        &format!("new-{t}"),
        json!({ "email": format!("new-{t}@mail.test"), "plan": "gold", "firstName": "Nia" }),
        true,
    )
    .await;
    let mails = cs::wait_mail(&t, 1).await;
    let latency = entered.elapsed();
    assert_eq!(
        mails.len(),
        1,
        "members from before the launch are not sent"
    );
    assert_eq!(mails[0]["subject"], "Welcome, Nia");
    assert!(latency < Duration::from_secs(10), "{latency:?}");
    // Leaving and re-entering is a new entry, and a new message.
    let key2 = key.clone();
    app.track(
        "/v1/identify",
        &key2,
        &json!({ "userId": format!("new-{t}"), "traits": { "plan": "silver" } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.track(
        "/v1/identify",
        &key2,
        &json!({ "userId": format!("new-{t}"), "traits": { "plan": "gold" } }),
    )
    .await;
    assert_eq!(cs::wait_mail(&t, 2).await.len(), 2);
}

#[tokio::test]
async fn scheduled_and_recurring_campaigns_run_when_due() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    person(
        &app,
        &key,
        &format!("s-{t}"),
        json!({ "email": format!("s-{t}@mail.test"), "plan": "gold" }),
        true,
    )
    .await;
    let segment = create(&app, "Gold", &gold()).await;
    // Once, at 10:00 in Tokyo tomorrow (01:00 UTC): launched it waits, scheduled.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let mut once = email_form("Later", &segment);
    set(&mut once, "schedule", "at");
    set(&mut once, "send_at", &format!("{tomorrow}T10:00"));
    set(&mut once, "send_at_zone", "Asia/Tokyo");
    let later = launch(&app, &once).await;
    let detail = cs::detail(&app, &later).await;
    assert_eq!(detail["status"], "scheduled");
    assert_eq!(detail["next_run_at"], format!("{tomorrow}T01:00:00Z"));
    assert_eq!(cs::mail(&t).len(), 0);
    make_due(&app, &later).await;
    cs::wait_status(&app, &later, "completed").await;
    assert_eq!(cs::wait_mail(&t, 1).await.len(), 1);
    let mut weekly = email_form("Weekly", &segment);
    set(&mut weekly, "schedule", "recurring");
    set(&mut weekly, "cron", "0 9 * * MON");
    set(&mut weekly, "timezone", "Europe/Paris");
    let id = launch(&app, &weekly).await;
    let detail = cs::wait_status(&app, &id, "active").await;
    let next: chrono::DateTime<chrono::Utc> =
        detail["next_run_at"].as_str().unwrap().parse().unwrap();
    let local = next.with_timezone(&chrono_tz::Europe::Paris);
    assert_eq!(
        (
            chrono::Datelike::weekday(&local),
            chrono::Timelike::hour(&local)
        ),
        (chrono::Weekday::Mon, 9)
    );
    // Make the run due now, as the clock would on Monday morning; twice.
    make_due(&app, &id).await;
    cs::wait_mail(&t, 2).await;
    make_due(&app, &id).await;
    cs::wait_mail(&t, 3).await;
    let detail = cs::detail(&app, &id).await;
    assert_eq!(detail["runs"], 2, "each due time is one new run");
    assert_eq!(
        detail["status"], "active",
        "a recurring campaign keeps going"
    );
    let next: chrono::DateTime<chrono::Utc> =
        detail["next_run_at"].as_str().unwrap().parse().unwrap();
    assert!(
        next > chrono::Utc::now(),
        "the next run is the next Monday 09:00 in Paris"
    );
}

/// Moves campaign `id`'s next run into the past, as the clock would.
async fn make_due(app: &crate::support::TestApp, id: &str) {
    let id: mongodb::bson::oid::ObjectId = id.parse().unwrap();
    let past =
        mongodb::bson::DateTime::from_chrono(chrono::Utc::now() - chrono::Duration::seconds(1));
    app.db
        .collection::<mongodb::bson::Document>("campaigns")
        .update_one(
            mongodb::bson::doc! { "_id": id },
            mongodb::bson::doc! { "$set": { "next_run_at": past } },
        )
        .await
        .unwrap();
}
