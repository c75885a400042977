//! Issue 15 (security hardening): tests named after the items they cover. Masking by role:
//! opaque list cursors (3), no PII oracles in segments or search (6), the customer page's
//! identifiers, URLs and computed traits (11), and marketing data only where the live feed
//! sends it (14).
use crate::support::{Reply, TestApp};
use enrich::model::access::{ROLES, Role};
use serde_json::{Value, json};
use std::{collections::BTreeSet, time::Duration};

const LIST: &str = "/api/customers/list";

async fn identify(app: &TestApp, key: &str, user: &str, traits: Value) {
    let body = json!({ "userId": user, "traits": traits });
    let reply = app.track("/v1/identify", key, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// One page of the customers list, as JSON (`params` without the `query[…]` wrapping).
async fn list(app: &TestApp, params: &[(&str, &str)]) -> Reply {
    let form: Vec<(String, &str)> = params
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), *v))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call(LIST, &form).await
}

const FIRST_NAMES: [&str; 3] = ["Alma", "Bruno", "Chae"];

/// 120 named people, in a shuffled order of creation.
async fn seed_names(app: &TestApp) {
    let key = app.write_key("crm").await;
    let batch: Vec<Value> = (0..120)
        .map(|n| {
            let name = format!("{} Quill{:03}", FIRST_NAMES[n % 3], (n * 37) % 120);
            json!({"type": "identify", "userId": format!("u{n}"), "messageId": format!("m{n}"),
                "traits": {"name": name}})
        })
        .collect();
    let reply = app
        .track("/v1/batch", &key, &json!({ "batch": batch }))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Whether `text` holds any part of a seeded name.
fn names_any(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["alma", "bruno", "chae", "quill"]
        .iter()
        .any(|n| lower.contains(n))
}

/// Every page of the list sorted by name, as `role`: the ids in order and the cursors seen.
async fn page_by_name(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut cursors, mut after) = (Vec::new(), Vec::new(), String::new());
    loop {
        let reply = list(app, &[("sort", "name"), ("after", &after)]).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = reply.json();
        for c in page["customers"].as_array().unwrap() {
            ids.push(c["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => {
                cursors.push(next.to_owned());
                after = next.to_owned();
            }
            None => return (ids, cursors),
        }
    }
}

/// The href of the page's "Next page" link.
fn next_page_link(html: &str) -> String {
    let before = html.split("data-testid=\"next-page\"").next().unwrap();
    let href = before.rsplit("href=\"").next().unwrap();
    href.split('"').next().unwrap().replace("&amp;", "&")
}

/// `cursor` with one character changed.
fn tampered(cursor: &str) -> String {
    let middle = cursor.len() / 2;
    let flipped = if &cursor[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    format!("{}{flipped}{}", &cursor[..middle], &cursor[middle + 1..])
}

#[tokio::test]
async fn item_03_name_sorted_cursors_reveal_no_name_refuse_tampering_and_page_everyone_once() {
    let admin = TestApp::new().await;
    seed_names(&admin).await;
    let mut expected = admin.live_profiles().await;
    expected.sort_by(|a, b| (&a.name_lower, a.id).cmp(&(&b.name_lower, b.id)));
    let expected: Vec<String> = expected.iter().map(|p| p.id.to_hex()).collect();
    let marketer = admin.as_role(Role::Marketer).await;
    let (ids, cursors) = page_by_name(&marketer).await;
    assert_eq!(ids, expected, "every customer exactly once, in name order");
    assert_eq!(cursors.len(), 2);
    for cursor in &cursors {
        assert!(!names_any(cursor), "a cursor names someone: {cursor}");
    }
    let link = next_page_link(&marketer.get("/customers?sort=name").await.body);
    assert!(link.contains("after="), "{link}");
    assert!(!names_any(&link), "the page-2 link names someone: {link}");
    let second = marketer.get(&link).await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("data-testid=\"customers-table\""));
    let old_style = format!("alma quill000|{}", expected[0]);
    for (sort, after) in [
        ("name", tampered(&cursors[0]).as_str()),
        ("name", old_style.as_str()),
        ("name", "nonsense"),
        ("created", cursors[0].as_str()),
    ] {
        let reply = list(&marketer, &[("sort", sort), ("after", after)]).await;
        assert_eq!(reply.status, 400, "{sort} {after}: {}", reply.body);
        assert_eq!(reply.json()["field"], "after", "{}", reply.body);
    }
}

fn trait_rule(path: &str, test: Value) -> Value {
    json!({ "type": "trait", "path": path, "test": test })
}

async fn preview(app: &TestApp, rule: &Value) -> Reply {
    app.call("/api/segments/preview", &[("rule", &rule.to_string())])
        .await
}

async fn save(app: &TestApp, name: &str, rule: &Value) -> Reply {
    let rule = rule.to_string();
    let form = [("name", name), ("description", ""), ("rule", &rule)];
    app.call("/api/segments/save", &form).await
}

/// `reply` is a 403 naming `field`.
fn denied(reply: &Reply, field: &str) {
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["field"], field, "{}", reply.body);
}

#[tokio::test]
async fn item_06_roles_without_pii_access_may_only_test_personal_fields_for_presence() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    identify(
        &admin,
        &key,
        "j1",
        json!({"email": "jane@example.com", "plan": "gold",
        "contact": {"email": "jane@work.test"}}),
    )
    .await;
    let order = json!({"userId": "j1", "event": "Order Completed",
        "properties": {"email": "jane@example.com", "total": 5}});
    assert_eq!(admin.track("/v1/track", &key, &order).await.status, 200);
    let starts = trait_rule("traits.email", json!({"op": "starts_with", "text": "ja"}));
    let nested = trait_rule(
        "traits.contact.email",
        json!({"op": "contains", "text": "work"}),
    );
    let property = json!({"type": "event", "event": "Order Completed", "count": "at_least",
        "times": 1, "filters": [{"path": "properties.email",
            "test": {"op": "equals", "value": "jane@example.com"}}]});
    let grouped = json!({"type": "group", "kind": "all", "rules": [
        trait_rule("traits.plan", json!({"op": "equals", "value": "gold"})), starts.clone()]});
    assert_eq!(preview(&admin, &starts).await.status, 200, "admins may");
    let pii_segment = crate::segments::create(&admin, "Ja", &starts).await;
    let plain = crate::segments::create(&admin, "Gold", &grouped["rules"][0]).await;
    for role in [Role::Marketer, Role::Analyst] {
        let viewer = admin.as_role(role).await;
        denied(&preview(&viewer, &starts).await, "rule.test");
        denied(&preview(&viewer, &nested).await, "rule.test");
        denied(&preview(&viewer, &property).await, "rule.filters[0].test");
        denied(&preview(&viewer, &grouped).await, "rule.rules[1].test");
        let overlap = [("first", pii_segment.as_str()), ("second", plain.as_str())];
        let reply = viewer.call("/api/segments/overlap", &overlap).await;
        denied(&reply, "first.test");
        let exists = trait_rule("traits.email", json!({"op": "exists"}));
        assert_eq!(preview(&viewer, &exists).await.status, 200, "{role:?}");
    }
    let marketer = admin.as_role(Role::Marketer).await;
    denied(
        &save(&marketer, "Guess", &grouped).await,
        "rule.rules[1].test",
    );
    let missing = trait_rule("traits.email", json!({"op": "missing"}));
    assert_eq!(save(&marketer, "No email", &missing).await.status, 200);
}

/// The plan of person `n` of 14: 3 gold, 6 silver, 5 bronze.
fn plan_of(n: usize) -> &'static str {
    match n {
        0..3 => "gold",
        3..9 => "silver",
        _ => "bronze",
    }
}

#[tokio::test]
async fn item_06_previews_never_single_out_fewer_than_five_for_masked_roles() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    for n in 0..14 {
        identify(&admin, &key, &format!("k{n}"), json!({"plan": plan_of(n)})).await;
    }
    let plan = |p: &str| trait_rule("traits.plan", json!({"op": "equals", "value": p}));
    let not_gold = json!({"type": "group", "kind": "none", "rules": [plan("gold")]});
    let exact = preview(&admin, &plan("gold")).await.json();
    assert_eq!(
        (exact["count"].as_u64(), exact["band"].clone()),
        (Some(3), Value::Null)
    );
    assert_eq!(exact["sample"].as_array().unwrap().len(), 3);
    let analyst = admin.as_role(Role::Analyst).await;
    let cases = [
        (plan("gold"), json!({"fewer_than": 5})),
        (not_gold, json!({"all_but_fewer_than": 5})),
        (plan("silver"), Value::Null),
    ];
    for (rule, band) in cases {
        let shown = preview(&analyst, &rule).await.json();
        assert_eq!(shown["band"], band, "{rule}: {shown}");
        assert_eq!(shown["total"], 14);
        if band.is_null() {
            assert_eq!(shown["count"], 6);
            assert_eq!(shown["sample"].as_array().unwrap().len(), 6);
        } else {
            assert_eq!(shown["count"], 0, "no exact count: {shown}");
            assert_eq!(shown["sample"], json!([]), "no sample: {shown}");
        }
    }
}

#[tokio::test]
async fn item_06_blind_index_and_name_prefix_search_need_pii_access() {
    let admin = TestApp::new().await;
    let key = admin.write_key("crm").await;
    identify(
        &admin,
        &key,
        "z1",
        json!({"name": "Zelda Quartzfeld", "ssn": "123-45-6789"}),
    )
    .await;
    let by_ssn = [("q", "ssn:123-45-6789")];
    assert_eq!(list(&admin, &by_ssn).await.json()["total"], 1);
    assert_eq!(list(&admin, &[("q", "zel")]).await.json()["total"], 1);
    for role in [Role::Marketer, Role::Analyst, Role::Support] {
        let viewer = admin.as_role(role).await;
        denied(&list(&viewer, &by_ssn).await, "q");
        let guess = list(&viewer, &[("q", "ssn:000-00-0000")]).await;
        denied(&guess, "q");
        let prefix = list(&viewer, &[("q", "zel")]).await.json();
        assert_eq!(prefix["total"], 0, "{role:?}: a prefix spells a name out");
        let whole = list(&viewer, &[("q", "zelda quartzfeld")]).await.json();
        assert_eq!(whole["total"], 1, "{role:?}: the whole name finds them");
    }
}

/// Raw values the customer page must never show a masked role.
const SECRETS_11: [&str; 4] = [
    "u-secret-4711",
    "zd-998877",
    "coupon-3141",
    "ana@example.com",
];
/// Query strings and fragments no role sees on the customer page.
const QUERIES_11: [&str; 3] = ["tok-5566", "ref-8899", "frag-77"];

async fn seed_item_11(admin: &TestApp) -> String {
    let key = admin.write_key("web").await;
    let user = "u-secret-4711";
    let identify = json!({"userId": user, "traits": {"name": "Ana Silva", "email": "ana@example.com"},
        "context": {"externalIds": [{"type": "zendesk", "id": "ZD-998877"}]}});
    assert_eq!(
        admin.track("/v1/identify", &key, &identify).await.status,
        200
    );
    let page = json!({"userId": user, "properties": {
        "path": "/reset?token=tok-5566", "url": "https://shop.test/reset?token=tok-5566#frag-77",
        "referrer": "https://mail.test/inbox?msg=ref-8899"}});
    assert_eq!(admin.track("/v1/page", &key, &page).await.status, 200);
    let order = json!({"userId": user, "event": "Order Completed",
        "properties": {"coupon": "COUPON-3141", "total": 12}});
    assert_eq!(admin.track("/v1/track", &key, &order).await.status, 200);
    for (name, aggregate, property) in [("last_coupon", "last", "coupon"), ("orders", "count", "")]
    {
        let form = [
            ("name", name),
            ("event", "Order Completed"),
            ("aggregate", aggregate),
            ("property", property),
            ("within_days", ""),
        ];
        let created = admin.call("/api/computed/create", &form).await;
        assert_eq!(created.status, 200, "{}", created.body);
    }
    wait_backfills(admin).await;
    admin.live_profiles().await[0].id.to_hex()
}

async fn wait_backfills(app: &TestApp) {
    for _ in 0..100 {
        let list = app.call("/api/computed/list", &[]).await.json();
        if list
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["finished"] == true)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("computed traits were not back-filled within 5 s");
}

#[tokio::test]
async fn item_11_the_customer_page_masks_identifiers_and_copied_values_and_drops_queries() {
    let admin = TestApp::new().await;
    let id = seed_item_11(&admin).await;
    let raw = admin.call("/api/profiles/get", &[("id", &id)]).await.body;
    for secret in SECRETS_11 {
        assert!(
            raw.to_lowercase().contains(secret),
            "the admin sees {secret}: {raw}"
        );
    }
    let page = admin.get(&format!("/customers/{id}")).await.body;
    for shown in [&raw, &page] {
        for query in QUERIES_11 {
            assert!(!shown.contains(query), "no role sees {query}");
        }
        assert!(
            shown.contains("https://shop.test/reset"),
            "the address, without its query"
        );
    }
    assert!(
        raw.contains("\"https://mail.test/inbox\""),
        "the referrer, without its query"
    );
    for role in [Role::Marketer, Role::Analyst, Role::Support] {
        let viewer = admin.as_role(role).await;
        let data = viewer.call("/api/profiles/get", &[("id", &id)]).await;
        let html = viewer.get(&format!("/customers/{id}")).await;
        assert_eq!((data.status.as_u16(), html.status.as_u16()), (200, 200));
        for body in [&data.body, &html.body] {
            let lower = body.to_lowercase();
            for secret in SECRETS_11.iter().chain(&QUERIES_11) {
                assert!(!lower.contains(secret), "{role:?} saw {secret}");
            }
        }
        let view = data.json();
        let computed: Vec<(String, String)> =
            serde_json::from_value(view["computed"].clone()).unwrap();
        let orders = computed.iter().find(|(name, _)| name == "orders");
        assert!(
            orders.is_some_and(|(_, count)| count.starts_with('1')),
            "counts are not personal: {computed:?}"
        );
        let kinds: BTreeSet<&str> = view["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains("user_id") && kinds.contains("external"),
            "{kinds:?}"
        );
    }
}

/// Serves `app` on a loopback port (websockets need a real socket).
async fn serve(app: &TestApp) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    address
}

/// Whether the live websocket lets `app`'s user subscribe to segment transitions.
async fn socket_sends_segments(app: &TestApp, address: std::net::SocketAddr) -> bool {
    use futures::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};
    let mut request = format!("ws://{address}/ws/live")
        .into_client_request()
        .unwrap();
    let cookie = app.cookie.lock().unwrap().clone().unwrap();
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let frame = json!({ "v": 1, "type": "subscribe", "stream": "segments" });
    socket.send(Message::text(frame.to_string())).await.unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within five seconds")
            .unwrap()
            .unwrap();
        let text = message.into_text().unwrap_or_default();
        if text.contains("\"subscribed\"") {
            return true;
        }
        if text.contains("\"error\"") {
            return false;
        }
    }
}

const SEGMENT_14: &str = "Whale Watchers 9731";

#[tokio::test]
async fn item_14_dashboard_and_customer_page_show_marketing_data_exactly_where_the_socket_does() {
    let admin = TestApp::new().await;
    let key = admin.write_key("web").await;
    identify(&admin, &key, "w1", json!({"plan": "gold"})).await;
    let rule = trait_rule("traits.plan", json!({"op": "equals", "value": "gold"}));
    crate::segments::create(&admin, SEGMENT_14, &rule).await;
    let id = admin.live_profiles().await[0].id.to_hex();
    let address = serve(&admin).await;
    for role in ROLES {
        let viewer = admin.as_role(role).await;
        let socket = socket_sends_segments(&viewer, address).await;
        assert_eq!(
            socket,
            !matches!(role, Role::Support | Role::Steward),
            "the socket's rule for {role:?}"
        );
        let dashboard = viewer.call("/api/dashboard", &[]).await;
        let profile = viewer.call("/api/profiles/get", &[("id", &id)]).await;
        let html = viewer.get(&format!("/customers/{id}")).await.body;
        let home = viewer.get("/").await.body;
        for (what, body) in [
            ("dashboard", &dashboard.body),
            ("profile", &profile.body),
            ("customer page", &html),
            ("dashboard page", &home),
        ] {
            assert_eq!(body.contains(SEGMENT_14), socket, "{role:?} {what}: {body}");
        }
        for endpoint in ["/api/profiles/segments", "/api/profiles/campaigns"] {
            let reply = viewer.call(endpoint, &[("id", &id)]).await;
            assert_eq!(
                reply.status == 200,
                socket,
                "{role:?} {endpoint}: {}",
                reply.body
            );
        }
    }
}
