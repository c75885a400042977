//! Issue 15 (security hardening): tests named after the items they cover.
//! Items 1 (server keys and user tokens for personal reads), 9 (no profile takeover through
//! "Add customer") and 12 (event names as literals in aggregation expressions).
use crate::support::{Reply, TestApp, basic_auth};
use axum::{body::Body, http::Request};
use chrono::{Duration, Utc};
use enrich::{
    model::{access::Role, source::SourceKind},
    segment::{
        CountOp, EventCondition, Rule,
        compile::{ResolvedSets, compile},
        filter::lower,
    },
    server::{
        db::{
            in_app_messages::{InAppDoc, InAppMessages},
            profile_doc::{DayCount, EventCounter, ProfileDoc},
            profiles::{COLLECTION, live},
            sources::Sources,
        },
        ingest::auth::user_token::{self, MAX_LIFETIME_SECS},
    },
};
use futures::TryStreamExt;
use mongodb::bson::{self, Document, doc, oid::ObjectId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Sends `method path` with `headers` (no cookie: apps and backends have no session).
async fn send(app: &TestApp, method: &str, path: &str, headers: &[(&str, String)]) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    app.anonymous()
        .send(request.body(Body::empty()).unwrap())
        .await
}

/// The three personal reads for `user`: (method, path).
fn reads(user: &str, message: &str) -> [(&'static str, String); 3] {
    [
        ("GET", format!("/v1/profiles/{user}/messages")),
        (
            "POST",
            format!("/v1/profiles/{user}/messages/{message}/read"),
        ),
        ("GET", format!("/v1/recommendations/{user}")),
    ]
}

/// Identifies `user` with write key `key`; returns their profile id.
async fn person(app: &TestApp, key: &str, user: &str) -> ObjectId {
    let body = json!({ "userId": user, "traits": { "email": format!("{user}@mail.test") } });
    assert_eq!(app.track("/v1/identify", key, &body).await.status, 200);
    let found = app
        .live_profiles()
        .await
        .into_iter()
        .find(|p| p.traits.get_str("email") == Ok(&format!("{user}@mail.test")));
    found.expect("profile").id
}

/// Puts an unread in-app message in `profile`'s inbox; returns its id.
async fn message_for(app: &TestApp, profile: ObjectId) -> String {
    let id = format!("m-{}", ObjectId::new().to_hex());
    let message = InAppDoc {
        id: id.clone(),
        profile_id: profile,
        campaign_id: ObjectId::new(),
        title: "Hello".into(),
        body: "Private words".into(),
        created_at: bson::DateTime::now(),
        read_at: None,
    };
    InAppMessages::new(&app.db).deliver(&message).await.unwrap();
    id
}

fn bearer(credential: &str) -> Vec<(&'static str, String)> {
    vec![("authorization", format!("Bearer {credential}"))]
}

#[tokio::test]
async fn item_01_a_write_key_reads_nobody_and_every_refusal_looks_alike() {
    let app = TestApp::new().await;
    let key = app.write_key("app").await;
    let alice = person(&app, &key, "alice").await;
    let message = message_for(&app, alice).await;
    let refused: [Vec<(&str, String)>; 6] = [
        vec![("authorization", basic_auth(&key))],
        vec![("x-write-key", key.clone())],
        vec![],
        bearer(&key),
        bearer("sk_not-a-key"),
        bearer(&format!("ut1.{}.1.YWxpY2U.AAAA", ObjectId::new())),
    ];
    let mut answers = std::collections::BTreeSet::new();
    for headers in &refused {
        for user in ["alice", "nobody"] {
            for (method, path) in reads(user, &message) {
                let reply = send(&app, method, &path, headers).await;
                assert_eq!(
                    reply.status, 401,
                    "{method} {path} {headers:?}: {}",
                    reply.body
                );
                answers.insert(reply.body);
            }
        }
    }
    assert_eq!(answers.len(), 1, "one refusal for all: {answers:?}");
    assert!(answers.first().unwrap().contains("unauthorized"));
    let unread = doc! { "_id": &message, "read_at": { "$exists": false } };
    assert_eq!(app.count("in_app_messages", unread).await, 1);
}

/// Creates API source `name` and a server key for it through Settings, as an admin does.
async fn issue_server_key(admin: &TestApp, name: &str) -> (String, Value) {
    assert_eq!(
        admin
            .call("/api/sources/create", &[("name", name)])
            .await
            .status,
        200
    );
    let list = admin.call("/api/sources/list", &[]).await.json();
    let source = list["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name);
    let source_id = source.unwrap()["id"].as_str().unwrap().to_owned();
    let issued = admin
        .call(
            "/api/sources/issue-server-key",
            &[("source_id", &source_id)],
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    (source_id, issued.json())
}

#[tokio::test]
async fn item_01_server_keys_are_shown_once_stored_as_digests_audited_and_revocable() {
    let admin = TestApp::new().await;
    let (source_id, created) = issue_server_key(&admin, "backend").await;
    let key = created["key"].as_str().unwrap().to_owned();
    let key_id = created["key_id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("sk_") && key.len() > 64, "{key}");
    let first = admin.call("/api/sources/list", &[]).await.json();
    assert_eq!(
        first["new_server_key"]["key"],
        key.as_str(),
        "shown after the redirect"
    );
    let list = admin.call("/api/sources/list", &[]).await;
    assert!(list.json()["new_server_key"].is_null(), "and never again");
    assert!(
        !list.body.contains(&key[3..]),
        "the list never holds the key"
    );
    let listed = &list.json()["sources"][0]["server_keys"][0];
    assert_eq!(
        (listed["id"].as_str(), listed["prefix"].as_str()),
        (Some(key_id.as_str()), Some(&key[..9]))
    );
    let stored: Vec<Document> = admin
        .db
        .collection("server_keys")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let digest: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].get_str("digest").unwrap(), digest);
    assert!(
        !format!("{stored:?}").contains(&key[3..]),
        "only the digest is stored"
    );
    let audit = doc! { "action": "server_key.create", "target": &source_id };
    let entry = admin
        .db
        .collection::<Document>("audit")
        .find_one(audit)
        .await
        .unwrap()
        .unwrap();
    let detail = entry.get_str("detail").unwrap();
    assert!(detail.contains(&key[..9]) && detail.contains(&key_id) && !detail.contains(&key[3..]));

    // Rotation: a second key works beside the first; revoking the first leaves the second.
    let second = admin
        .call(
            "/api/sources/issue-server-key",
            &[("source_id", &source_id)],
        )
        .await;
    let second = second.json()["key"].as_str().unwrap().to_owned();
    let path = "/v1/profiles/anyone/messages";
    assert_eq!(send(&admin, "GET", path, &bearer(&key)).await.status, 200);
    let revoked = admin
        .call("/api/sources/revoke-server-key", &[("key_id", &key_id)])
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(send(&admin, "GET", path, &bearer(&key)).await.status, 401);
    assert_eq!(
        send(&admin, "GET", path, &[("x-server-key", second)])
            .await
            .status,
        200
    );
    let audit = doc! { "action": "server_key.revoke", "target": &key_id };
    assert_eq!(admin.count("audit", audit).await, 1);
    let list = admin.call("/api/sources/list", &[]).await.json();
    let keys = list["sources"][0]["server_keys"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        keys.iter()
            .any(|k| k["id"] == key_id.as_str() && k["revoked_at"].is_string()),
        "{keys:?}"
    );
    let analyst = admin.as_role(Role::Analyst).await;
    let refused = analyst
        .call(
            "/api/sources/issue-server-key",
            &[("source_id", &source_id)],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn item_01_a_server_key_reads_anyone_and_unknown_people_answer_like_known_ones() {
    let app = TestApp::new().await;
    let key = app.write_key("app").await;
    let reader = app.server_key("backend").await;
    let alice = person(&app, &key, "alice").await;
    let message = message_for(&app, alice).await;
    let inbox = send(&app, "GET", "/v1/profiles/alice/messages", &bearer(&reader)).await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert_eq!(inbox.json()["messages"][0]["body"], "Private words");
    let nobody = send(
        &app,
        "GET",
        "/v1/profiles/nobody/messages",
        &[("x-server-key", reader.clone())],
    )
    .await;
    assert_eq!(
        (nobody.status.as_u16(), nobody.json()),
        (200, json!({ "messages": [], "unread": 0 }))
    );
    let fields = |reply: &Reply| -> Vec<String> {
        reply.json().as_object().unwrap().keys().cloned().collect()
    };
    let known = send(&app, "GET", "/v1/recommendations/alice", &bearer(&reader)).await;
    let unknown = send(&app, "GET", "/v1/recommendations/nobody", &bearer(&reader)).await;
    assert_eq!(
        (known.status.as_u16(), unknown.status.as_u16()),
        (200, 200),
        "{}",
        unknown.body
    );
    assert_eq!(fields(&known), fields(&unknown));
    assert_eq!(
        unknown.json()["recommendations"],
        json!([]),
        "no catalog: empty start for both"
    );
    assert_eq!(known.json()["recommendations"], json!([]));
    let other = format!("/v1/profiles/nobody/messages/{message}/read");
    let wrong = send(&app, "POST", &other, &bearer(&reader)).await;
    let missing = send(
        &app,
        "POST",
        "/v1/profiles/alice/messages/m-none/read",
        &bearer(&reader),
    )
    .await;
    assert_eq!((wrong.status.as_u16(), missing.status.as_u16()), (404, 404));
    let read = send(
        &app,
        "POST",
        &format!("/v1/profiles/alice/messages/{message}/read"),
        &bearer(&reader),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        app.count("profiles", doc! {}).await,
        1,
        "reading nobody stored nobody"
    );
}

#[tokio::test]
async fn item_01_a_user_token_reads_only_its_own_user_until_it_expires() {
    let app = TestApp::new().await;
    let key = app.write_key("app").await;
    let sources = Sources::new(&app.db);
    let backend = sources
        .get_or_create("backend", SourceKind::Api)
        .await
        .unwrap();
    let server = sources.server_keys().issue(&backend).await.unwrap();
    let alice = person(&app, &key, "alice").await;
    let bob = person(&app, &key, "bob").await;
    let (alice_message, bob_message) =
        (message_for(&app, alice).await, message_for(&app, bob).await);
    let now = Utc::now().timestamp();
    let mint = |secret: &str, exp: i64, user: &str| {
        user_token::mint(secret.as_bytes(), &server.key_id, exp, user)
    };
    let token = mint(&server.key, now + 600, "alice");
    for (method, path) in reads("alice", &alice_message) {
        let reply = send(&app, method, &path, &bearer(&token)).await;
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
    }
    let inbox = send(
        &app,
        "GET",
        "/v1/profiles/alice/messages",
        &[("x-user-token", token.clone())],
    )
    .await;
    assert_eq!(inbox.json()["unread"], 0, "marked read with the token");
    let anonymous = send(&app, "GET", "/v1/profiles/bob/messages", &[]).await;
    for (method, path) in reads("bob", &bob_message)
        .into_iter()
        .chain(reads("nobody", "m"))
    {
        let reply = send(&app, method, &path, &bearer(&token)).await;
        assert_eq!(
            (reply.status, &reply.body),
            (anonymous.status, &anonymous.body),
            "{path}"
        );
    }
    let mut tampered = token.clone();
    tampered.replace_range(4..5, if &token[4..5] == "a" { "b" } else { "a" });
    let refused = [
        mint(&server.key, now - 1, "alice"),
        mint(&server.key, now + MAX_LIFETIME_SECS + 60, "alice"),
        mint(&key, now + 600, "alice"),
        user_token::mint(
            server.key.as_bytes(),
            &ObjectId::new().to_hex(),
            now + 600,
            "alice",
        ),
        tampered,
    ];
    for token in refused {
        let reply = send(&app, "GET", "/v1/profiles/alice/messages", &bearer(&token)).await;
        assert_eq!(reply.status, 401, "{token}");
    }
    let ghost = send(
        &app,
        "GET",
        "/v1/profiles/ghost/messages",
        &bearer(&mint(&server.key, now + 60, "ghost")),
    )
    .await;
    assert_eq!(
        (ghost.status.as_u16(), ghost.json()["unread"].clone()),
        (200, json!(0))
    );
    sources
        .server_keys()
        .revoke(server.key_id.parse().unwrap())
        .await
        .unwrap();
    let after = send(&app, "GET", "/v1/profiles/alice/messages", &bearer(&token)).await;
    assert_eq!(after.status, 401, "revoking the key ends its tokens");
}

/// Every profile as stored, and how many identities and events there are.
async fn snapshot(app: &TestApp) -> (String, u64, u64) {
    let profiles: Vec<Document> = app
        .db
        .collection("profiles")
        .find(doc! {})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let identities = app.count("identities", doc! {}).await;
    (
        format!("{profiles:?}"),
        identities,
        app.count("events", doc! {}).await,
    )
}

#[tokio::test]
async fn item_09_add_customer_refuses_an_identifier_another_person_owns() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let traits = json!({ "email": "victim@mail.test", "phone": "+1 650-253-0000" });
    let victim = json!({ "userId": "victim", "traits": traits });
    assert_eq!(app.track("/v1/identify", &key, &victim).await.status, 200);
    let support = app.as_role(Role::Support).await;
    let before = snapshot(&app).await;
    let cases = [
        ("mallory@evil.test", "+1 650 253 0000", "phone"),
        ("Victim@Mail.test", "+1 202 456 1111", "email"),
    ];
    for (email, phone, field) in cases {
        let form = [("name", "Mallory"), ("email", email), ("phone", phone)];
        let reply = support.call("/api/customers/add", &form).await;
        assert_eq!(reply.status, 409, "{field}: {}", reply.body);
        let body = reply.json();
        assert_eq!(
            (&body["error"], &body["field"]),
            (&json!("conflict"), &json!(field))
        );
        assert!(snapshot(&app).await == before, "{field}: nothing changed");
    }
    let profile = &app.live_profiles().await[0];
    assert_eq!(profile.traits.get_str("email"), Ok("victim@mail.test"));
    let fresh = [
        ("name", "Mallory"),
        ("email", "mallory@evil.test"),
        ("phone", "+1 415 555 2671"),
    ];
    let added = support.call("/api/customers/add", &fresh).await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(app.live_profiles().await.len(), 2);
}

/// A profile whose only counter is `event`, three times today.
fn counted(event: &str) -> ProfileDoc {
    let now = Utc::now();
    let mut profile = ProfileDoc::new(ObjectId::new(), bson::DateTime::from_chrono(now));
    let today = now.format("%Y-%m-%d").to_string();
    profile.counters.push(EventCounter {
        event: event.into(),
        total: 3,
        daily: vec![DayCount {
            day: today,
            count: 3,
        }],
    });
    profile
}

#[tokio::test]
async fn item_12_event_names_are_literals_in_counter_expressions() {
    let db = crate::support::fresh_db().await;
    let names = [
        "Order Completed",
        "$$c.event",
        "$counters",
        "$$ROOT",
        "$$c.daily",
    ];
    let profiles: Vec<ProfileDoc> = names.iter().map(|n| counted(n)).collect();
    db.collection::<ProfileDoc>(COLLECTION)
        .insert_many(&profiles)
        .await
        .unwrap();
    for (name, profile) in names.iter().zip(&profiles) {
        let rule = Rule::Event(EventCondition {
            event: (*name).to_owned(),
            count: CountOp::AtLeast,
            times: 1,
            within_days: Some(7),
            filters: Vec::new(),
        });
        let filter = lower(&rule, Utc::now() + Duration::minutes(1));
        let query = doc! { "$and": [live(), compile(&filter, &ResolvedSets::new())] };
        let found: Vec<Document> = db
            .collection(COLLECTION)
            .find(query)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<ObjectId> = found
            .iter()
            .map(|d| d.get_object_id("_id").unwrap())
            .collect();
        assert_eq!(ids, [profile.id], "{name} matched only its own counter");
    }
    db.drop().await.unwrap();
}
