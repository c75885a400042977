//! Issue 15 (security hardening): tests named after the items they cover. Campaign templates
//! (items 2 and 4) and webhook destinations (item 15).
use crate::{
    campaign_support::{self as cs, app, email_form, launch, person, results, set, tag, variant},
    segments::create,
    support::TestApp,
};
use axum::{Router, routing::post};
use serde_json::{Value, json};
use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

fn gold() -> Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
}

/// A gold member with consent, known by `traits` besides.
async fn member(app: &TestApp, key: &str, user: &str, mut traits: Value) {
    traits["plan"] = json!("gold");
    traits["email"] = json!(format!("{user}@mail.test"));
    person(app, key, user, traits, true).await;
}

/// An app with one gold member, and the segment of gold members.
async fn gold_segment() -> (TestApp, String) {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    member(&app, &key, &format!("u-{}", tag()), json!({})).await;
    let segment = create(&app, "Gold", &gold()).await;
    (app, segment)
}

/// Saves `source` as `field` of an otherwise valid campaign; the 400's body.
async fn refused(app: &TestApp, segment: &str, field: &str, source: &str) -> Value {
    let mut form = email_form("Refused", segment);
    set(&mut form, field, source);
    let reply = cs::save(app, &form).await;
    assert_eq!(reply.status, 400, "{source} was accepted: {}", reply.body);
    reply.json()
}

#[tokio::test]
async fn item_02_include_import_extends_and_debug_are_refused_at_save() {
    let (app, segment) = gold_segment().await;
    let cases = [
        (
            "a_body",
            "{% include profile.email ~ \"|\" ~ profile.phone %}",
            "include",
        ),
        ("a_body", "Hi\n{% include debug() %}", "include"),
        ("a_subject", "Hi {{ debug() }}", "debug"),
        ("a_body", "{% extends \"base.html\" %}", "extends"),
        ("a_body", "{% import \"macros\" as m %}", "import"),
        ("a_body", "{% from \"macros\" import hi %}", "import"),
    ];
    for (field, source, word) in cases {
        let body = refused(&app, &segment, field, source).await;
        let named = if field == "a_subject" {
            "variants[0].subject"
        } else {
            "variants[0].body"
        };
        assert_eq!(body["field"], named, "{source}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.starts_with("line ") && message.contains(word),
            "{message}"
        );
    }
    assert_eq!(app.count("campaigns", Default::default()).await, 0);
}

#[tokio::test]
async fn item_02_a_failed_render_stores_and_shows_a_code_never_the_data() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let user = format!("leak-{}", tag());
    member(&app, &key, &user, json!({ "pin": 5550100 })).await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Overflow", &segment);
    // Fine without data at save time; at send time the engine's own error quotes the pin.
    set(&mut form, "a_body", "Hi\n{{ traits.pin * 10 ** 33 }}");
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let r = results(&app, &id).await;
    assert_eq!(variant(&r, "A")["failed"], 1, "{r}");
    assert_eq!(
        r["failures"][0][0],
        "template_error: the body template failed at line 2: it could not be rendered"
    );
    let profile = app.live_profiles().await[0].id.to_hex();
    let history = app
        .call("/api/profiles/campaigns", &[("id", &profile)])
        .await;
    assert!(history.body.contains("template_error"), "{}", history.body);
    let preview = app
        .call(
            "/api/campaigns/preview",
            &[("id", &id), ("customer", &profile)],
        )
        .await;
    assert_eq!(preview.status, 400, "{}", preview.body);
    assert_eq!(preview.json()["field"], "body");
    for shown in [&r.to_string(), &history.body, &preview.body] {
        assert!(!shown.contains("5550100"), "the pin leaked: {shown}");
    }
}

#[tokio::test]
async fn item_04_templates_that_would_blow_up_are_refused_at_save() {
    let (app, segment) = gold_segment().await;
    for source in [
        "{{ \"x\" * 100000000 ~ \"y\" }}",
        "{{ [1] * 1000000000 }}",
        "Joined {{ traits.signup | date(\"%\") }}",
    ] {
        let body = refused(&app, &segment, "a_body", source).await;
        assert_eq!(body["field"], "variants[0].body");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("line 1, column "),
            "{body}"
        );
    }
}

#[tokio::test]
async fn item_04_a_template_that_crashed_its_send_fails_only_that_message() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    let signup = "2026-03-04T10:00:00Z";
    member(
        &app,
        &key,
        &format!("bad-{t}"),
        json!({ "signup": signup, "fmt": "%" }),
    )
    .await;
    member(
        &app,
        &key,
        &format!("good-{t}"),
        json!({ "signup": signup, "fmt": "%Y" }),
    )
    .await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Dates", &segment);
    // chrono panicked on `%`: the send task died, and the message was claimed again forever.
    set(
        &mut form,
        "a_body",
        "Joined in {{ traits.signup | date(traits.fmt) }}",
    );
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let r = results(&app, &id).await;
    assert_eq!(variant(&r, "A")["delivered"], 1, "{r}");
    assert_eq!(variant(&r, "A")["failed"], 1, "{r}");
    assert_eq!(
        r["failures"][0][0],
        "template_error: the body template failed at line 1: a date format is invalid"
    );
    let mail = cs::wait_mail(&format!("good-{t}"), 1).await;
    assert!(
        mail[0].to_string().contains("Joined in 2026"),
        "{}",
        mail[0]
    );
    assert!(cs::mail(&format!("bad-{t}")).is_empty());
}

#[tokio::test]
async fn item_04_a_message_over_256_kb_fails_with_a_clear_reason() {
    let app = app(&[]).await;
    let key = app.write_key("web").await;
    let t = tag();
    member(&app, &key, &format!("big-{t}"), json!({ "n": 300 })).await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut form = email_form("Big", &segment);
    set(
        &mut form,
        "a_body",
        "{% for i in range(traits.n) %}{{ \"x\" * 1000 }}{% endfor %}",
    );
    let id = launch(&app, &form).await;
    cs::wait_status(&app, &id, "completed").await;
    let r = results(&app, &id).await;
    assert_eq!(
        r["failures"][0][0],
        "template_error: the body template failed at line 1: the message would be larger than 256 KB",
        "{r}"
    );
    assert!(cs::mail(&format!("big-{t}")).is_empty());
}

/// A local HTTP receiver answering 200; how many requests it got.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let router = Router::new().route(
        "/hook",
        post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, hits)
}

/// A port that accepts connections and never answers.
async fn silent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    url
}

/// A port nothing listens on.
async fn closed() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// Launches a webhook campaign to one consenting person; its results once it completes.
async fn webhook_campaign(app: &TestApp, name: &str) -> Value {
    let key = app.write_key(name).await;
    let user = format!("hook-{}", tag());
    let consent = json!({ "categoryPreferences": { "sms_marketing": true } });
    let body =
        json!({ "userId": user, "traits": { "plan": "gold" }, "context": { "consent": consent } });
    assert_eq!(app.track("/v1/identify", &key, &body).await.status, 200);
    let segment = create(app, &format!("Gold {name}"), &gold()).await;
    let mut form = email_form(name, &segment);
    set(&mut form, "channel", "webhook");
    let id = launch(app, &form).await;
    cs::wait_status(app, &id, "completed").await;
    results(app, &id).await
}

#[tokio::test]
async fn item_15_webhooks_to_private_addresses_are_refused_at_save_and_on_every_send() {
    let (url, hits) = receiver().await;
    let app = app(&[
        ("ENRICH_WEBHOOK_ALLOW_PRIVATE", "false"),
        ("ENRICH_WEBHOOK_URL", &url),
        ("ENRICH_WEBHOOK_SECRET", "whsec-test"),
    ])
    .await;
    for address in [
        url.as_str(),
        "http://localhost:9/hook",
        "http://0x7f.1/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let reply = cs::try_channel_settings(&app, &[("webhook_url", address)]).await;
        assert_eq!(reply.status, 400, "{address} was accepted: {}", reply.body);
        assert_eq!(reply.json()["field"], "webhook_url");
    }
    // The seeded URL was never checked at save; the send checks it anyway.
    let r = webhook_campaign(&app, "Private").await;
    assert_eq!(variant(&r, "A")["failed"], 1, "{r}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the private receiver"
    );
}

#[tokio::test]
async fn item_15_every_connection_failure_reads_the_same() {
    let (refused, silent, tls) = (closed().await, silent().await, receiver().await.0);
    let mut reasons = Vec::new();
    for address in [refused, silent, tls.replace("http://", "https://")] {
        let app = app(&[
            ("ENRICH_WEBHOOK_URL", &address),
            ("ENRICH_WEBHOOK_SECRET", "whsec-test"),
        ])
        .await;
        cs::channel_settings(
            &app,
            &[("webhook_timeout_ms", "300"), ("max_attempts", "1")],
        )
        .await;
        let r = webhook_campaign(&app, "Probe").await;
        reasons.push(r["failures"][0][0].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        reasons[0], "gave up after 1 attempts: the endpoint is unreachable",
        "{reasons:?}"
    );
    assert!(reasons.iter().all(|r| *r == reasons[0]), "{reasons:?}");
}
