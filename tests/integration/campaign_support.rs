//! Helpers for the campaign tests: an app whose email goes to the test SMTP sink (started by
//! `make test`), people with or without consent, campaigns saved through the editor's form,
//! and the sink's log.
use crate::support::{PASSWORD, Reply, TestApp};
use enrich::{model::access::Role, server::config::Settings};
use serde_json::{Value, json};
use std::time::Duration;

/// The settings of a campaign test: the SMTP sink, quick ticks and retries, short leases,
/// webhooks to local receivers allowed.
pub fn settings(extra: &[(&str, &str)]) -> Settings {
    let port = std::env::var("ENRICH_TEST_SMTP_PORT")
        .expect("ENRICH_TEST_SMTP_PORT: run the tests with `make test` (it starts the SMTP sink)");
    let mut pairs: Vec<(String, String)> = vec![
        ("ENRICH_SMTP_HOST".into(), "127.0.0.1".into()),
        ("ENRICH_SMTP_PORT".into(), port),
        ("ENRICH_SMTP_FROM".into(), "Shop <news@shop.test>".into()),
        ("ENRICH_CAMPAIGN_TICK_MS".into(), "50".into()),
        ("ENRICH_CAMPAIGN_RETRY_BASE_MS".into(), "100".into()),
        ("ENRICH_CAMPAIGN_LEASE_SECONDS".into(), "2".into()),
        ("ENRICH_PUBLIC_URL".into(), "http://enrich.test".into()),
        // Webhook receivers in these tests listen on 127.0.0.1.
        ("ENRICH_WEBHOOK_ALLOW_PRIVATE".into(), "true".into()),
    ];
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        pairs.push(((*k).into(), (*v).into()));
    }
    Settings::from_lookup(move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
}

/// A signed-in admin on a fresh database with campaign settings.
pub async fn app(extra: &[(&str, &str)]) -> TestApp {
    let app = TestApp::with_settings(settings(extra)).await;
    app.sign_in_as(Role::Admin).await;
    let _ = PASSWORD;
    app
}

/// A tag unique to this test, for addresses in the shared sink.
pub fn tag() -> String {
    mongodb::bson::oid::ObjectId::new().to_hex()[16..].to_owned()
}

/// Identifies `user` with `traits`, granting or withholding email and in-app consent.
pub async fn person(app: &TestApp, key: &str, user: &str, traits: Value, consent: bool) {
    let body = json!({
        "userId": user,
        "traits": traits,
        "context": { "consent": { "categoryPreferences": {
            "email_marketing": consent, "personalization": consent,
        } } },
    });
    let reply = app.track("/v1/identify", key, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// The editor's fields for an email campaign to `include`.
pub fn email_form(name: &str, include: &str) -> Vec<(String, String)> {
    [
        ("name", name),
        ("channel", "email"),
        ("include][0", include),
        (
            "a_subject",
            "Hello {{ traits.firstName | default('there') }}",
        ),
        ("a_body", "Our sale starts now: https://shop.example/sale"),
        ("schedule", "now"),
        ("holdout", "0"),
    ]
    .iter()
    .map(|(k, v)| (form_key(k), (*v).to_owned()))
    .collect()
}

/// `form[<field>]`, the name the editor's inputs carry.
pub fn form_key(field: &str) -> String {
    format!("form[{field}]")
}

/// Sets `field` in `form` (adding it when missing).
pub fn set(form: &mut Vec<(String, String)>, field: &str, value: &str) {
    let key = form_key(field);
    form.retain(|(k, _)| *k != key);
    form.push((key, value.to_owned()));
}

/// Saves a new campaign from `form`; returns the reply.
pub async fn save(app: &TestApp, form: &[(String, String)]) -> Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call("/api/campaigns/save", &pairs).await
}

/// Saves a campaign that must be valid; returns its id.
pub async fn save_id(app: &TestApp, form: &[(String, String)]) -> String {
    let reply = save(app, form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json().as_str().unwrap().to_owned()
}

/// Saves and launches a campaign; returns its id.
pub async fn launch(app: &TestApp, form: &[(String, String)]) -> String {
    let id = save_id(app, form).await;
    let launched = app.call("/api/campaigns/launch", &[("id", &id)]).await;
    assert_eq!(launched.status, 200, "{}", launched.body);
    id
}

/// The campaign's page data.
pub async fn detail(app: &TestApp, id: &str) -> Value {
    app.call("/api/campaigns/get", &[("id", id)]).await.json()
}

/// The campaign's results.
pub async fn results(app: &TestApp, id: &str) -> Value {
    let reply = app.call("/api/campaigns/results", &[("id", id)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// Waits until the campaign's status is `status`; `completed` waits for a finished one-off
/// run, which ends `failed` instead when every send failed (tests of failures then assert the
/// failures themselves; [`wait_exact`] tells the two apart).
pub async fn wait_status(app: &TestApp, id: &str, status: &str) -> Value {
    let finished = |s: &Value| s == status || (status == "completed" && s == "failed");
    for _ in 0..300 {
        let d = detail(app, id).await;
        if finished(&d["status"]) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "campaign {id} did not reach {status}: {}",
        detail(app, id).await
    );
}

/// Waits until the campaign's status is exactly `status`.
pub async fn wait_exact(app: &TestApp, id: &str, status: &str) -> Value {
    let d = wait_status(app, id, status).await;
    assert_eq!(d["status"], status, "{d}");
    d
}

/// The row for variant `key` in `results`.
pub fn variant<'a>(results: &'a Value, key: &str) -> &'a Value {
    results["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == key)
        .unwrap()
}

/// Messages in the sink to addresses containing `tag`.
pub fn mail(tag: &str) -> Vec<Value> {
    let path = std::env::var("ENRICH_TEST_MAIL_LOG").expect("ENRICH_TEST_MAIL_LOG (make test)");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| {
            m["rcpt_tos"]
                .as_array()
                .is_some_and(|r| r.iter().any(|a| a.as_str().unwrap_or("").contains(tag)))
        })
        .collect()
}

/// Waits until the sink holds `n` messages for `tag`.
pub async fn wait_mail(tag: &str, n: usize) -> Vec<Value> {
    for _ in 0..1_000 {
        let got = mail(tag);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{} of {n} messages for {tag} arrived", mail(tag).len());
}

/// Saves the Channels settings with `changes` over the current ones.
pub async fn channel_settings(app: &TestApp, changes: &[(&str, &str)]) {
    let reply = try_channel_settings(app, changes).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Saves the Channels page with `changes` applied; the reply, whatever it is.
pub async fn try_channel_settings(app: &TestApp, changes: &[(&str, &str)]) -> Reply {
    let current = app.call("/api/channels/get", &[]).await.json();
    let s = &current["settings"];
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    let on = |v: &Value| {
        if v.as_bool() == Some(true) {
            "on".to_owned()
        } else {
            String::new()
        }
    };
    let mut form: Vec<(String, String)> = vec![
        ("smtp_host".into(), text(&s["smtp"]["host"])),
        ("smtp_port".into(), text(&s["smtp"]["port"])),
        ("smtp_security".into(), text(&s["smtp"]["security"])),
        ("smtp_username".into(), text(&s["smtp"]["username"])),
        ("smtp_from".into(), text(&s["smtp"]["from"])),
        ("webhook_url".into(), text(&s["webhook_url"])),
        ("webhook_timeout_ms".into(), text(&s["webhook_timeout_ms"])),
        ("quiet_enabled".into(), on(&s["quiet_hours"]["enabled"])),
        ("quiet_start".into(), text(&s["quiet_hours"]["start_hour"])),
        ("quiet_end".into(), text(&s["quiet_hours"]["end_hour"])),
        (
            "quiet_zone".into(),
            text(&s["quiet_hours"]["default_timezone"]),
        ),
        ("track_opens".into(), on(&s["track_opens"])),
        ("track_clicks".into(), on(&s["track_clicks"])),
        ("max_attempts".into(), text(&s["max_attempts"])),
    ];
    for (i, limit) in s["limits"].as_array().unwrap().iter().enumerate() {
        let cap = &limit["cap"];
        form.push((
            format!("cap_max][{i}"),
            if cap.is_null() {
                String::new()
            } else {
                text(&cap["max"])
            },
        ));
        form.push((
            format!("cap_days][{i}"),
            if cap.is_null() {
                String::new()
            } else {
                text(&cap["days"])
            },
        ));
        form.push((format!("per_second][{i}"), text(&limit["per_second"])));
    }
    for (k, v) in changes {
        form.retain(|(key, _)| key != k);
        form.push(((*k).into(), (*v).into()));
    }
    let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (form_key(&k), v)).collect();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call("/api/channels/save", &pairs).await
}
