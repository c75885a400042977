//! Issue 15 (security hardening): tests named after the items they cover.
//! Item 7: forgetting a person leaves nothing that names them in any collection, and request
//! logs keep no query strings. Item 10: restricted keys nested in objects are sealed at ingest,
//! and the field catalog shows no samples of them.
use crate::{
    campaign_support::{self as cs, email_form, launch, set, tag},
    imports::{finished, multipart},
    segments::create,
    support::TestApp,
};
use axum::{body::Body, http::Request};
use enrich::model::access::Role;
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use serde_json::{Value, json};
use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::Duration,
};

/// Collections forget deals with, and how.
const FORGET_HANDLES: [(&str, &str); 20] = [
    (
        "profiles",
        "deleted, the live profile and every profile merged into it",
    ),
    ("events", "deleted"),
    (
        "event_baselines",
        "deleted: the folds of their events retention deleted",
    ),
    (
        "campaign_tallies",
        "failure reasons quoting their identifiers replaced; the rest are anonymous counts",
    ),
    (
        "recommend_queue",
        "deleted: product events waiting for the recommendation worker",
    ),
    ("identities", "deleted"),
    ("merges", "deleted, with their before-snapshots"),
    ("match_pairs", "deleted: every pair naming them"),
    ("match_queue", "deleted: waiting to be matched"),
    (
        "match_blocks",
        "deleted: every blocking key they held (keys are made of their data)",
    ),
    ("memberships", "deleted"),
    ("segment_transitions", "deleted"),
    (
        "in_app_messages",
        "deleted: rendered with the person's data",
    ),
    (
        "outbox",
        "kept for campaign counts under a stand-in id, trigger and error removed",
    ),
    (
        "fields",
        "counts adjusted, every value of theirs pulled from the samples",
    ),
    (
        "suppressions",
        "keyed hashes of the identifiers, never the identifiers",
    ),
    (
        "audit",
        "insert-only: keeps the profile ids acted on, never a value",
    ),
    (
        "sessions",
        "a pending reveal grant names a profile id and a field, never a value",
    ),
    (
        "imports",
        "progress; row errors name a line and a column, warnings lose their values",
    ),
    (
        "import_uploads",
        "files staged for the mapping form, all dropped (any may hold the person)",
    ),
];

/// Collections that never hold person data.
const NO_PERSON_DATA: [(&str, &str); 24] = [
    (
        "matching",
        "matching settings, the trained model (probabilities) and the job's counts",
    ),
    ("users", "staff accounts"),
    ("api_tokens", "staff API tokens, hashed"),
    (
        "leases",
        "the identity lease: an instance id, a time and a fence number",
    ),
    ("retention", "retention rules and the last sweep's counts"),
    ("login_failures", "staff sign-in attempts"),
    ("sources", "source names"),
    ("write_keys", "digests of write keys"),
    ("server_keys", "digests of server keys"),
    ("segments", "definitions and sizes"),
    ("segment_versions", "rule history"),
    ("segment_sizes", "sizes over time"),
    ("campaigns", "definitions and counts"),
    ("campaign_settings", "channel settings"),
    ("computed_traits", "definitions"),
    (
        "event_match_queries",
        "segment event queries whose counts profiles keep",
    ),
    ("event_names", "event names and counts"),
    ("field_classes", "which keys are personal or restricted"),
    ("ingest_errors", "refused calls counted per minute"),
    ("catalog_misses", "unknown product references, counted"),
    ("products", "the catalog"),
    ("product_pairs", "product co-occurrence scores"),
    ("product_stats", "product popularity"),
    ("rate_limits", "calls per staff user per minute"),
];

/// Collections allowed to keep the forgotten profile ids (as opaque references).
const KEEP_IDS: [&str; 2] = ["audit", "sessions"];

/// The person's values, unique to this test.
struct Person {
    t: String,
    user: String,
    anon_a: String,
    anon_b: String,
    email: String,
    phone: String,
    old_name: String,
    name: String,
    national_id: String,
    ssn: String,
    note: String,
    external: String,
    crm: String,
    loyalty: String,
}

impl Person {
    fn new() -> Self {
        let t = tag();
        Self {
            user: format!("fg-user-{t}"),
            anon_a: format!("fg-anon-a-{t}"),
            anon_b: format!("fg-anon-b-{t}"),
            email: format!("fg-{t}@mail.test"),
            phone: "+14155550199".into(),
            old_name: format!("Fern Oldname {t}"),
            name: format!("Fern Gotten {t}"),
            national_id: format!("NID-{t}"),
            ssn: format!("SSN-{t}"),
            note: format!("leave with neighbour {t}"),
            external: format!("EXT-{t}"),
            crm: format!("CRM-{t}"),
            loyalty: format!("LOY-{t}"),
            t,
        }
    }

    /// Every value that names the person, lowercased (the phone as digits: it is stored both
    /// as sent and normalised).
    fn values(&self) -> Vec<String> {
        [
            &self.user,
            &self.anon_a,
            &self.anon_b,
            &self.email,
            "4155550199",
            &self.old_name,
            &self.name,
            &self.national_id,
            &self.ssn,
            &self.note,
            &self.external,
            &self.crm,
            &self.loyalty,
        ]
        .iter()
        .map(|v| v.to_lowercase())
        .collect()
    }
}

/// Every document of every collection as lowercased JSON text, by collection.
async fn every_document(app: &TestApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in app.db.list_collection_names().await.unwrap() {
        let docs: Vec<Document> = app
            .db
            .collection::<Document>(&name)
            .find(doc! {})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        for document in docs {
            let text = readable(Bson::Document(document))
                .into_relaxed_extjson()
                .to_string();
            out.push((name.clone(), text.to_lowercase()));
        }
    }
    out
}

/// `value` with binary data (staged uploads) as text, so a needle inside a file is found.
fn readable(value: Bson) -> Bson {
    match value {
        Bson::Binary(binary) => Bson::String(String::from_utf8_lossy(&binary.bytes).into_owned()),
        Bson::Document(document) => Bson::Document(
            document
                .into_iter()
                .map(|(key, value)| (key, readable(value)))
                .collect(),
        ),
        Bson::Array(values) => Bson::Array(values.into_iter().map(readable).collect()),
        other => other,
    }
}

/// `(collection, needle)` for every needle some document of a collection holds.
async fn holders(app: &TestApp, needles: &[String]) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (collection, text) in every_document(app).await {
        for needle in needles.iter().filter(|n| text.contains(&n.to_lowercase())) {
            found.insert((collection.clone(), needle.clone()));
        }
    }
    found
}

async fn send(app: &TestApp, key: &str, path: &str, body: Value) {
    let reply = app.track(path, key, &body).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
}

/// An order with a nested restricted value, then (dated earlier, so the order stays the latest
/// event and becomes the campaign's trigger) the identify that puts the person in the segment.
async fn arrive(app: &TestApp, key: &str, p: &Person) {
    let now = chrono::Utc::now();
    let order = json!({
        "anonymousId": p.anon_a, "event": "Order Completed", "timestamp": now.to_rfc3339(),
        "properties": { "total": 42, "note": p.note, "customer": { "ssn": p.ssn } },
    });
    send(app, key, "/v1/track", order).await;
    let earlier = (now - chrono::Duration::seconds(60)).to_rfc3339();
    let identify = json!({
        "anonymousId": p.anon_a, "userId": p.user, "timestamp": earlier,
        "traits": {
            "email": p.email, "phone": p.phone, "name": p.old_name, "plan": "gold",
            "national_id": p.national_id, "customer": { "ssn": p.ssn },
        },
        "context": {
            "consent": { "categoryPreferences": { "email_marketing": true, "personalization": true } },
            "externalIds": [{ "id": p.external, "type": "shop_id", "collection": "users" }],
        },
    });
    send(app, key, "/v1/identify", identify).await;
}

/// A second device merged in, a renamed person (the old name goes to history), an unknown
/// product viewed, and a refused call.
async fn live_on(app: &TestApp, key: &str, p: &Person) {
    let page = json!({ "anonymousId": p.anon_b, "properties": { "path": "/sale" } });
    send(app, key, "/v1/page", page).await;
    let link = json!({ "anonymousId": p.anon_b, "userId": p.user });
    send(app, key, "/v1/identify", link).await;
    let rename = json!({ "userId": p.user, "traits": { "name": p.name } });
    send(app, key, "/v1/identify", rename).await;
    let viewed = json!({ "userId": p.user, "event": "Product Viewed",
        "properties": { "product_id": format!("SKU-{}", p.t) } });
    send(app, key, "/v1/track", viewed).await;
    let refused = json!({ "userId": p.user, "properties": { "note": p.note } });
    assert_eq!(app.track("/v1/track", key, &refused).await.status, 400);
}

/// A triggered email campaign on the gold segment, launched before the person arrives.
async fn triggered_campaign(app: &TestApp, segment: &str) {
    let mut form = email_form("Welcome", segment);
    set(&mut form, "schedule", "triggered");
    set(&mut form, "trigger_segment", segment);
    set(&mut form, "a_subject", "Welcome, {{ traits.name }}");
    let id = launch(app, &form).await;
    assert_eq!(cs::detail(app, &id).await["status"], "active");
}

/// An in-app message rendered with the person's name.
async fn in_app_campaign(app: &TestApp, segment: &str) {
    let mut form = email_form("In app", segment);
    set(&mut form, "channel", "in_app");
    set(&mut form, "a_subject", "Hi {{ traits.name }}");
    let id = launch(app, &form).await;
    cs::wait_status(app, &id, "completed").await;
}

/// An import of the person's rows: one joins them by email, the next by their CRM id with an
/// email the rule refuses (a warning that quotes it), and the same file staged for the mapping
/// form.
async fn import_row(app: &TestApp, p: &Person) {
    let mapping =
        "[columns]\nemail = \"email\"\ncrm = \"external:crm_id\"\nloyalty = \"trait:loyalty\"\n";
    let csv = format!(
        "email,crm,loyalty\n{},{},{}\nno-email-{},{},{}\n",
        p.email, p.crm, p.loyalty, p.user, p.crm, p.loyalty
    );
    let post = |fields: Vec<(&'static str, Option<&'static str>, String)>| {
        let fields: Vec<(&str, Option<&str>, &str)> = fields
            .iter()
            .map(|(k, f, v)| (*k, *f, v.as_str()))
            .collect();
        let (content_type, body) = multipart(&fields);
        Request::post("/imports")
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let staged = app
        .send(post(vec![
            ("source", None, "crm".into()),
            ("step", None, "map".into()),
            ("file", Some("crm.csv"), csv.clone()),
        ]))
        .await;
    assert_eq!(staged.status, 200, "{}", staged.body);
    assert!(staged.json()["upload"].is_string(), "{}", staged.body);
    let reply = app
        .send(post(vec![
            ("source", None, "crm".into()),
            ("mapping", None, mapping.into()),
            ("file", Some("crm.csv"), csv),
        ]))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let status = finished(app, reply.json()["id"].as_str().unwrap()).await;
    assert_eq!(status["error_count"], 0, "{status}");
    assert_eq!(status["warning_count"], 1, "{status}");
    assert_eq!(
        status["warnings"][0]["value"],
        format!("no-email-{}", p.user),
        "{status}"
    );
}

/// Staff at work on the person: a static segment, consent, a reveal, an export.
async fn staff_work(app: &TestApp, p: &Person, id: &str) {
    let (content_type, body) = multipart(&[
        ("name", None, "VIP list"),
        ("description", None, ""),
        (
            "file",
            Some("vip.csv"),
            &format!("identifier\n{}\n", p.email),
        ),
    ]);
    let request = Request::post("/segments/static")
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(request).await.status, 201);
    let consent = [("id", id), ("purpose", "analytics"), ("granted", "false")];
    let reply = app.call("/api/profiles/consent", &consent).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let support = app.as_role(Role::Support).await;
    let reveal = [
        ("id", id),
        ("field", "email"),
        ("reason", "Ticket 7: confirm the address"),
    ];
    let reply = support.call("/api/profiles/reveal", &reveal).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let export = app.get(&format!("/customers/{id}/export")).await;
    assert_eq!(export.status, 200, "{}", export.body);
}

/// Waits until no campaign message is waiting or in flight.
async fn outbox_settled(app: &TestApp) {
    let unsettled = doc! { "status": { "$in": ["pending", "sending", "paused"] } };
    for _ in 0..400 {
        if app.count("outbox", unsettled.clone()).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("campaign messages still unsettled");
}

/// Seeds the person everywhere the app can hold them; returns the profile ids (hex).
async fn seed(app: &TestApp, p: &Person) -> Vec<String> {
    let key = app.write_key("web").await;
    // Someone else, who stays: segment rules need the trait catalogued.
    let other = json!({ "userId": "bystander", "traits": { "plan": "silver" } });
    send(app, &key, "/v1/identify", other).await;
    let bystander = app.live_profiles().await[0].id;
    let gold = json!({ "type": "trait", "path": "traits.plan",
        "test": { "op": "equals", "value": "gold" } });
    let segment = create(app, "Gold", &gold).await;
    triggered_campaign(app, &segment).await;
    arrive(app, &key, p).await;
    cs::wait_mail(&p.t, 1).await;
    live_on(app, &key, p).await;
    in_app_campaign(app, &segment).await;
    import_row(app, p).await;
    let live = app.live_profiles().await;
    assert_eq!(live.len(), 2, "the person and the bystander");
    let person = live.iter().find(|l| l.id != bystander).unwrap().id;
    staff_work(app, p, &person.to_hex()).await;
    outbox_settled(app).await;
    let profiles: Vec<Document> = app
        .db
        .collection::<Document>("profiles")
        .find(doc! { "_id": { "$ne": bystander } })
        .sort(doc! { "status": 1 })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(profiles.len() >= 2, "a second profile was merged in");
    profiles
        .iter()
        .map(|d| d.get_object_id("_id").unwrap().to_hex())
        .collect()
}

/// Every collection is either handled by forget or known to hold no person data.
fn unknown_collections(names: &[String]) -> Vec<&String> {
    let known = |name: &str| {
        FORGET_HANDLES.iter().any(|(c, _)| *c == name)
            || NO_PERSON_DATA.iter().any(|(c, _)| *c == name)
    };
    names.iter().filter(|n| !known(n)).collect()
}

#[tokio::test]
async fn item_07_forget_leaves_nothing_in_any_collection() {
    let app = cs::app(&[]).await;
    let p = Person::new();
    let ids = seed(&app, &p).await;
    let names = app.db.list_collection_names().await.unwrap();
    let unknown = unknown_collections(&names);
    assert!(
        unknown.is_empty(),
        "collections forget knows nothing about: {unknown:?}; teach privacy::forget to remove \
         the person from them, or list them in NO_PERSON_DATA with the reason"
    );
    let mut needles = p.values();
    needles.extend(ids.iter().cloned());
    let before: BTreeSet<String> = holders(&app, &needles)
        .await
        .into_iter()
        .map(|h| h.0)
        .collect();
    for seeded in [
        "profiles",
        "events",
        "identities",
        "merges",
        "memberships",
        "segment_transitions",
        "outbox",
        "in_app_messages",
        "fields",
        "audit",
        "imports",
        "import_uploads",
    ] {
        assert!(
            before.contains(seeded),
            "the person never reached {seeded}: {before:?}"
        );
    }
    let done = app
        .call(
            "/api/profiles/delete",
            &[("id", &ids[0]), ("confirm", "DELETE")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let left: Vec<(String, String)> = holders(&app, &needles)
        .await
        .into_iter()
        .filter(|(collection, needle)| {
            !(KEEP_IDS.contains(&collection.as_str()) && ids.contains(needle))
        })
        .collect();
    assert!(
        left.is_empty(),
        "still naming the person after forget: {left:?}"
    );
    assert_eq!(app.live_profiles().await.len(), 1, "the bystander stays");
    let counted = app.count("outbox", doc! { "status": "sent" }).await;
    assert!(
        counted >= 2,
        "campaign results still count the messages: {counted}"
    );
}

/// A writer into a shared buffer, for a scoped log subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn item_07_request_logs_keep_no_query_strings() {
    let app = TestApp::new().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let search = "jane.searched@example.com";
    let reply = app.get(&format!("/customers?q={search}&sort=name")).await;
    drop(guard);
    assert_eq!(reply.status, 200);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/customers"), "the request is logged: {logs}");
    assert!(
        !logs.contains("jane.searched") && !logs.contains("q="),
        "no query string in the logs: {logs}"
    );
}

/// The value at `path` (dotted) of a JSON value.
fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| &v[key])
}

/// The catalog entry for `path` as `app`'s user sees it.
async fn catalog_entry(app: &TestApp, path: &str) -> Value {
    let fields = app.call("/api/fields/list", &[]).await.json();
    let found = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path);
    found
        .unwrap_or_else(|| panic!("{path} not in the catalog: {fields}"))
        .clone()
}

#[tokio::test]
async fn item_10_nested_restricted_keys_sealed_and_samples_masked() {
    let app = TestApp::new().await;
    let key = app.write_key("web").await;
    let t = tag();
    let (in_trait, in_history, in_list, in_event, later) = (
        format!("SSN-T-{t}"),
        format!("SSN-H-{t}"),
        format!("SSN-L-{t}"),
        format!("SSN-E-{t}"),
        format!("TAX-{t}"),
    );
    let user = format!("u-{t}");
    for ssn in [&in_history, &in_trait] {
        let traits =
            json!({ "customer": { "ssn": ssn, "tier": "gold" }, "kids": [{ "ssn": in_list }] });
        send(
            &app,
            &key,
            "/v1/identify",
            json!({ "userId": user, "traits": traits }),
        )
        .await;
    }
    let properties = json!({ "total": 5, "customer": { "ssn": in_event, "tax_id": later } });
    let order = json!({ "userId": user, "event": "Order Completed", "properties": properties });
    send(&app, &key, "/v1/track", order).await;
    let secrets = [&in_trait, &in_history, &in_list, &in_event].map(|s| s.to_string());
    let found = holders(&app, &secrets).await;
    assert!(
        found.is_empty(),
        "restricted values stored in clear: {found:?}"
    );
    let event = app
        .db
        .collection::<Document>("events")
        .find_one(doc! { "event": "Order Completed" })
        .await
        .unwrap()
        .unwrap();
    let event = Bson::Document(event).into_relaxed_extjson();
    assert_eq!(
        at(&event, "message.raw.properties.customer.ssn.f"),
        "ssn",
        "an envelope"
    );
    assert_eq!(
        at(&event, "message.raw.properties.customer.tax_id"),
        later.as_str()
    );
    let id = app.live_profiles().await[0].id.to_hex();
    let export = app.get(&format!("/customers/{id}/export")).await.json();
    assert_eq!(
        at(&export["profile"], "traits.customer.ssn"),
        in_trait.as_str()
    );
    assert_eq!(
        export["profile"]["traits"]["kids"][0]["ssn"],
        in_list.as_str()
    );
    let mut orders = export["events"].as_array().unwrap().iter();
    let exported = orders.find(|e| e["event"] == "Order Completed").unwrap();
    assert_eq!(
        at(exported, "message.raw.properties.customer.ssn"),
        in_event.as_str()
    );
    for path in ["properties.customer.ssn", "traits.customer.ssn"] {
        let entry = catalog_entry(&app, path).await;
        assert_eq!(entry["samples"], json!([]), "{entry}");
        assert_eq!(entry["types"], json!(["encrypted"]), "{entry}");
    }
    let tier = catalog_entry(&app, "traits.customer.tier").await;
    assert_eq!(
        tier["samples"],
        json!(["\"gold\""]),
        "other nested keys keep samples"
    );
    // A key classified restricted later: sealed where the catalog saw it, its samples dropped.
    let classify = [("key", "tax_id"), ("class", "restricted")];
    let reply = app.call("/api/fields/classify", &classify).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let found = holders(&app, std::slice::from_ref(&later)).await;
    assert!(
        found.is_empty(),
        "a newly restricted nested key still in clear: {found:?}"
    );
    // A sample an earlier version kept: never shown, found by its leaf name.
    let old = json!(in_event).to_string();
    app.db
        .collection::<Document>("fields")
        .update_one(
            doc! { "path": "properties.customer.ssn" },
            doc! { "$set": { "samples": [old] } },
        )
        .await
        .unwrap();
    let entry = catalog_entry(&app, "properties.customer.ssn").await;
    assert_eq!(entry["samples"], json!([]), "{entry}");
}
