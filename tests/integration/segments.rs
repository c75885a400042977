//! Segments through the API: memberships fresh after ingest, event property filters, segment
//! references and cycles, hostile rules, previews by role, versions, overlap, archive, CSV export,
//! static uploads, the clock-driven refresh and forgetting.
use crate::support::{Reply, TestApp};
use axum::{body::Body, http::Request};
use enrich::{
    model::{access::Role, live::LiveMessage},
    server::config::Settings,
};
use mongodb::bson::doc;
use serde_json::{Value, json};
use std::time::Duration;

/// Sends an identify for `user` with `traits` and returns the reply.
async fn identify(app: &TestApp, key: &str, user: &str, traits: Value) -> Reply {
    let body = json!({ "userId": user, "traits": traits });
    app.track("/v1/identify", key, &body).await
}

/// Saves a segment (`id` empty to create); returns the reply.
pub async fn save(app: &TestApp, id: &str, name: &str, rule: &Value) -> Reply {
    let rule = rule.to_string();
    app.call(
        "/api/segments/save",
        &[
            ("id", id),
            ("name", name),
            ("description", ""),
            ("rule", &rule),
        ],
    )
    .await
}

/// Saves a new segment and waits for its first computation; returns its id.
pub async fn create(app: &TestApp, name: &str, rule: &Value) -> String {
    let reply = save(app, "", name, rule).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply.json().as_str().unwrap().to_owned();
    wait_computed(app, &id).await;
    id
}

/// Polls the segment page data until its computation is done.
pub async fn wait_computed(app: &TestApp, id: &str) -> Value {
    for _ in 0..100 {
        let detail = app.call("/api/segments/get", &[("id", id)]).await.json();
        if detail["compute"]["state"] == "done" {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("segment {id} was not computed within 5 s");
}

fn trait_rule(path: &str, test: Value) -> Value {
    json!({ "type": "trait", "path": path, "test": test })
}

fn gold() -> Value {
    trait_rule("traits.plan", json!({ "op": "equals", "value": "gold" }))
}

/// Segment ids the profile of `user` is in.
async fn segments_of(app: &TestApp, profile: &str) -> Vec<String> {
    let reply = app.call("/api/profiles/segments", &[("id", profile)]).await;
    reply.json()[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["segment_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn profile_of(app: &TestApp, user: &str) -> String {
    let doc = app
        .db
        .collection::<mongodb::bson::Document>("identities")
        .find_one(mongodb::bson::doc! { "_id": format!("user_id:{user}") })
        .await
        .unwrap()
        .unwrap();
    doc.get_object_id("profile_id").unwrap().to_hex()
}

/// The next segment transition on the hub, within a second (events and ticks are skipped).
async fn next_transition(
    live: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<enrich::server::live::HubItem>>,
) -> Result<std::sync::Arc<enrich::server::live::HubItem>, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let item = live.recv().await.unwrap();
            if matches!(item.message, LiveMessage::SegmentTransition { .. }) {
                return item;
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_profile_enters_and_exits_within_a_second_of_its_identify_and_it_is_published() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(&app, &key, "seed", json!({ "plan": "silver" })).await;
    let segment = create(&app, "Gold", &gold()).await;
    let mut live = app.state.hub.subscribe();
    assert_eq!(
        identify(&app, &key, "ann", json!({ "plan": "gold" }))
            .await
            .status,
        200
    );
    let message = next_transition(&mut live)
        .await
        .expect("no transition within a second");
    let profile = profile_of(&app, "ann").await;
    match &message.message {
        LiveMessage::SegmentTransition {
            segment_id,
            profile_id,
            kind,
            ..
        } => {
            assert_eq!(
                (segment_id, profile_id, kind.as_str()),
                (&segment, &profile, "entered")
            );
        }
        other => unreachable!("only transitions are kept: {other:?}"),
    }
    assert_eq!(segments_of(&app, &profile).await, vec![segment.clone()]);
    let page = app
        .call("/api/profiles/get", &[("id", &profile)])
        .await
        .json();
    assert_eq!(
        page["segments"][0]["name"], "Gold",
        "the 360 page lists the membership"
    );
    let export = app
        .get(&format!("/customers/{profile}/export"))
        .await
        .json();
    assert_eq!(export["segment_memberships"].as_array().unwrap().len(), 1);
    identify(&app, &key, "ann", json!({ "plan": "silver" })).await;
    let exit = next_transition(&mut live)
        .await
        .expect("no exit within a second");
    assert!(
        matches!(&exit.message, LiveMessage::SegmentTransition { kind, .. } if kind == "exited")
    );
    assert!(segments_of(&app, &profile).await.is_empty());
    let detail = app
        .call("/api/segments/get", &[("id", &segment)])
        .await
        .json();
    let kinds: Vec<&str> = detail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["exited", "entered"]);
    assert_eq!(detail["summary"]["size"], 0);
}

#[tokio::test]
async fn event_conditions_with_property_filters_count_stored_events() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    let order = |total: i64| json!({ "userId": "bo", "event": "Order Completed", "properties": { "total": total } });
    app.track("/v1/track", &key, &order(50)).await;
    let rule = json!({ "type": "event", "event": "Order Completed", "count": "at_least", "times": 2,
        "within_days": 30, "filters": [{ "path": "properties.total", "test": { "op": "gte", "value": 100 } }] });
    let segment = create(&app, "Big spenders", &rule).await;
    let profile = profile_of(&app, "bo").await;
    app.track("/v1/track", &key, &order(150)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        segments_of(&app, &profile).await.is_empty(),
        "one big order is not two"
    );
    app.track("/v1/track", &key, &order(120)).await;
    for _ in 0..20 {
        if segments_of(&app, &profile).await == vec![segment.clone()] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("two orders over 100 did not put the profile in the segment");
}

#[tokio::test]
async fn segments_may_refer_to_segments_but_never_in_a_cycle() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(&app, &key, "cy", json!({ "plan": "gold", "age": 40 })).await;
    let a = create(&app, "A", &gold()).await;
    let in_a = json!({ "type": "group", "kind": "all", "rules": [
        { "type": "segment", "segment": a, "member": true },
        trait_rule("traits.age", json!({ "op": "gt", "value": 30 })) ] });
    let b = create(&app, "B", &in_a).await;
    let profile = profile_of(&app, "cy").await;
    let mut ids = segments_of(&app, &profile).await;
    ids.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    let cycle = json!({ "type": "segment", "segment": b, "member": true });
    let reply = save(&app, &a, "A", &cycle).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["field"], "rule");
    assert!(reply.body.contains("refer to themselves"), "{}", reply.body);
    let own = json!({ "type": "segment", "segment": a, "member": false });
    assert_eq!(save(&app, &a, "A", &own).await.status, 400);
}

#[tokio::test]
async fn hostile_rules_are_refused_or_inert_and_stored_data_is_untouched() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(&app, &key, "in", json!({ "plan": "gold" })).await;
    let refused = [
        (
            trait_rule("traits.$where", json!({ "op": "exists" })),
            "rule.path",
        ),
        (
            trait_rule("traits.secret", json!({ "op": "exists" })),
            "rule.path",
        ),
        (
            trait_rule(
                "traits.plan",
                json!({ "op": "equals", "value": { "$ne": null } }),
            ),
            "rule",
        ),
        (
            trait_rule("traits.plan", json!({ "op": "$where", "value": "1" })),
            "rule",
        ),
        (
            trait_rule("traits.plan", json!({ "op": "lt", "value": 3 })),
            "rule.test",
        ),
        (json!({ "$or": [{}] }), "rule"),
    ];
    for (rule, field) in refused {
        let reply = save(&app, "", "Bad", &rule).await;
        assert_eq!(reply.status, 400, "{rule}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{rule}: {}", reply.body);
    }
    let inert = trait_rule(
        "traits.plan",
        json!({ "op": "contains", "text": "{\"$ne\": null}.*" }),
    );
    let preview = app
        .call("/api/segments/preview", &[("rule", &inert.to_string())])
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.json()["count"], 0);
    let unfinished = trait_rule("traits.plan", json!({ "op": "contains", "text": "" })).to_string();
    let preview = app
        .call("/api/segments/preview", &[("rule", &unfinished)])
        .await;
    assert_eq!(
        preview.status, 200,
        "an unfinished rule is an answer while editing"
    );
    let problem = preview.json()["problem"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(problem.starts_with("rule.test:"), "{problem}");
    assert_eq!(app.count("profiles", mongodb::bson::doc! {}).await, 1);
    assert_eq!(app.count("segments", mongodb::bson::doc! {}).await, 0);
}

#[tokio::test]
async fn previews_count_and_sample_with_personal_data_masked_per_role() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    // Seven of twelve: far enough from 0 and from everyone for masked roles to see the count.
    for n in 1..=12 {
        let (user, plan) = (format!("p{n}"), if n <= 7 { "gold" } else { "silver" });
        identify(
            &app,
            &key,
            &user,
            json!({ "plan": plan, "email": format!("{user}@example.com"), "name": "Pat Smith" }),
        )
        .await;
    }
    let rule = gold().to_string();
    let admin = app
        .call("/api/segments/preview", &[("rule", &rule)])
        .await
        .json();
    assert_eq!(
        (admin["count"].as_u64(), admin["total"].as_u64()),
        (Some(7), Some(12))
    );
    assert!(admin["sample"].to_string().contains("@example.com"));
    let marketer = app.as_role(Role::Marketer).await;
    let masked = marketer
        .call("/api/segments/preview", &[("rule", &rule)])
        .await;
    assert_eq!(masked.json()["count"], 7);
    assert_eq!(masked.json()["sample"].as_array().unwrap().len(), 7);
    assert!(
        !masked.body.contains("p1@example.com") && !masked.body.contains("Pat Smith"),
        "{}",
        masked.body
    );
    let support = app.as_role(Role::Support).await;
    assert_eq!(
        support
            .call("/api/segments/preview", &[("rule", &rule)])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn versions_duplicate_overlap_archive_and_the_audit_trail() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(&app, &key, "v1", json!({ "plan": "gold", "age": 20 })).await;
    identify(&app, &key, "v2", json!({ "plan": "gold", "age": 50 })).await;
    let gold_id = create(&app, "Gold", &gold()).await;
    let older = trait_rule("traits.age", json!({ "op": "gte", "value": 40 }));
    let older_id = create(&app, "Older", &older).await;
    let overlap = app
        .call(
            "/api/segments/overlap",
            &[("first", &gold_id), ("second", &older_id)],
        )
        .await
        .json();
    assert_eq!(
        (
            overlap["both"].as_u64(),
            overlap["first_only"].as_u64(),
            overlap["second_only"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    let silver = trait_rule("traits.plan", json!({ "op": "equals", "value": "silver" }));
    let rule = silver.to_string();
    let stale = app
        .call(
            "/api/segments/save",
            &[
                ("id", &gold_id),
                ("base_version", "7"),
                ("name", "Gold"),
                ("description", ""),
                ("rule", &rule),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    let reply = app
        .call(
            "/api/segments/save",
            &[
                ("id", &gold_id),
                ("base_version", "1"),
                ("name", "Silver"),
                ("description", ""),
                ("rule", &rule),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let detail = wait_computed(&app, &gold_id).await;
    assert_eq!(detail["summary"]["size"], 0);
    let newest = &detail["versions"][0];
    assert_eq!(newest["version"], 2);
    let diff: Vec<&str> = newest["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(
        diff,
        [
            "name: \"Gold\" → \"Silver\"",
            "- traits.plan = \"gold\"",
            "+ traits.plan = \"silver\""
        ]
    );
    let copy = app
        .call("/api/segments/duplicate", &[("id", &older_id)])
        .await
        .json();
    let copy = wait_computed(&app, copy.as_str().unwrap()).await;
    assert_eq!(
        (
            copy["summary"]["name"].as_str(),
            copy["summary"]["size"].as_u64()
        ),
        (Some("Copy of Older"), Some(1))
    );
    assert_eq!(
        app.call(
            "/api/segments/archive",
            &[("id", &older_id), ("archived", "true")]
        )
        .await
        .status,
        200
    );
    let archived = app
        .call("/api/segments/get", &[("id", &older_id)])
        .await
        .json();
    assert_eq!(
        (
            archived["summary"]["status"].as_str(),
            archived["summary"]["size"].as_u64()
        ),
        (Some("archived"), Some(0))
    );
    assert_eq!(app.count("memberships", mongodb::bson::doc! { "segment_id": mongodb::bson::oid::ObjectId::parse_str(&older_id).unwrap() }).await, 0);
    let changes = app
        .count("audit", mongodb::bson::doc! { "action": "segment.change" })
        .await;
    assert_eq!(changes, 5, "create ×2, update, duplicate, archive");
}

#[tokio::test]
async fn member_export_is_csv_masked_per_role_and_audited() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(
        &app,
        &key,
        "ex",
        json!({ "plan": "gold", "email": "exa@example.com", "name": "Exa Mple" }),
    )
    .await;
    let segment = create(&app, "Gold", &gold()).await;
    let admin = app.get(&format!("/segments/{segment}/export")).await;
    assert_eq!(admin.status, 200);
    assert!(
        admin.body.starts_with("profile_id,name,email,entered_at\n"),
        "{}",
        admin.body
    );
    assert!(admin.body.contains("exa@example.com") && admin.body.contains("Exa Mple"));
    let analyst = app.as_role(Role::Analyst).await;
    let masked = analyst.get(&format!("/segments/{segment}/export")).await;
    assert_eq!(masked.status, 200);
    assert_eq!(masked.body.lines().count(), 2);
    assert!(
        !masked.body.contains("exa@example.com") && !masked.body.contains("Exa Mple"),
        "{}",
        masked.body
    );
    assert_eq!(
        app.count(
            "audit",
            mongodb::bson::doc! { "action": "segment.export", "target": &segment }
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_static_segment_from_a_csv_reports_the_identifiers_it_does_not_know() {
    let app = TestApp::new().await;
    let key = app.write_key("crm").await;
    identify(&app, &key, "s1", json!({ "email": "one@example.com" })).await;
    identify(&app, &key, "s2", json!({})).await;
    let csv = "identifier\n ONE@example.com \nuser_id:s2\nnobody@example.com\n\n";
    let (content_type, body) = crate::imports::multipart(&[
        ("name", None, "VIP list"),
        ("description", None, ""),
        ("file", Some("vip.csv"), csv),
    ]);
    let request = Request::post("/segments/static")
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["members"], 2);
    assert_eq!(report["unknown"], json!(["nobody@example.com"]));
    let detail = app
        .call(
            "/api/segments/get",
            &[("id", report["id"].as_str().unwrap())],
        )
        .await
        .json();
    assert_eq!(
        (
            detail["summary"]["kind"].as_str(),
            detail["summary"]["size"].as_u64()
        ),
        (Some("static"), Some(2))
    );
}

#[tokio::test]
async fn members_leave_a_time_relative_segment_on_time_without_an_event() {
    let settings = Settings {
        segment_refresh_seconds: 1,
        ..Settings::default()
    };
    let app = TestApp::with_settings(settings).await;
    app.sign_in_as(Role::Admin).await;
    let key = app.write_key("web").await;
    let soon_stale = (chrono::Utc::now() - chrono::Duration::hours(24)
        + chrono::Duration::seconds(2))
    .to_rfc3339();
    identify(&app, &key, "t1", json!({ "last_login": soon_stale })).await;
    let rule = trait_rule(
        "traits.last_login",
        json!({ "op": "within_last", "amount": 24, "unit": "hours" }),
    );
    let segment = create(&app, "Active today", &rule).await;
    let profile = profile_of(&app, "t1").await;
    assert_eq!(segments_of(&app, &profile).await, vec![segment.clone()]);
    for _ in 0..100 {
        if segments_of(&app, &profile).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the member did not leave after its login fell out of the window");
}

#[tokio::test]
async fn a_forgotten_person_leaves_every_segment_and_their_transitions_go() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    identify(&app, &key, "fg", json!({ "plan": "gold" })).await;
    let segment = create(&app, "Gold", &gold()).await;
    let profile = profile_of(&app, "fg").await;
    assert_eq!(
        app.call(
            "/api/profiles/delete",
            &[("id", &profile), ("confirm", "DELETE")]
        )
        .await
        .status,
        200
    );
    let oid = mongodb::bson::oid::ObjectId::parse_str(&profile).unwrap();
    assert_eq!(
        app.count("memberships", mongodb::bson::doc! { "profile_id": oid })
            .await,
        0
    );
    assert_eq!(
        app.count(
            "segment_transitions",
            mongodb::bson::doc! { "profile_id": oid }
        )
        .await,
        0
    );
    let detail = app
        .call("/api/segments/get", &[("id", &segment)])
        .await
        .json();
    assert_eq!(detail["summary"]["size"], 0);
}

#[tokio::test]
async fn property_filtered_event_conditions_are_answered_from_kept_counts_once_back_filled() {
    let app = TestApp::new().await;
    let key = app.write_key("shop").await;
    let order = |total: i64, color: &str| {
        json!({ "userId": "kim", "event": "Order Completed",
                "properties": { "total": total, "color": color } })
    };
    // Stored before any segment asks: the back-fill counts them.
    for (total, color) in [(150, "red"), (120, "blue"), (200, "red"), (30, "red")] {
        assert_eq!(
            app.track("/v1/track", &key, &order(total, color))
                .await
                .status,
            200
        );
    }
    let rule = json!({ "type": "event", "event": "Order Completed", "count": "at_least", "times": 3,
        "within_days": 30, "filters": [
            { "path": "properties.total", "test": { "op": "gte", "value": 100 } },
            { "path": "properties.color", "test": { "op": "equals", "value": "red" } } ] });
    let segment = create(&app, "Red big spenders", &rule).await;
    let profile = profile_of(&app, "kim").await;
    assert!(
        segments_of(&app, &profile).await.is_empty(),
        "two red orders over 100, not three"
    );

    let mut built = 0;
    for _ in 0..100 {
        built = app
            .count("event_match_queries", doc! { "built": true })
            .await;
        if built == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(built, 1, "the query is registered and back-filled");
    let kept = app.live_profiles().await[0].event_matches.clone();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].total, 2);

    // Remove one counted event behind the app's back: reading the events would now find one
    // red order over 100, the kept count still says two — and it is what answers.
    let removed = app
        .db
        .collection::<mongodb::bson::Document>("events")
        .delete_one(doc! { "message.raw.properties.total": 200 })
        .await
        .unwrap();
    assert_eq!(removed.deleted_count, 1);
    app.track("/v1/track", &key, &order(110, "red")).await;
    for _ in 0..40 {
        if segments_of(&app, &profile).await == vec![segment.clone()] {
            assert_eq!(app.live_profiles().await[0].event_matches[0].total, 3);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the third red order over 100 did not put the profile in the segment");
}
