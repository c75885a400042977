//! PII masking by role on every page and endpoint, support's audited reveal, restricted
//! fields encrypted at rest with a blind index, classification, and key rotation.
use crate::support::{TestApp, mongodb_uri};
use enrich::model::access::{ROLES, Role};
use mongodb::bson::{Document, doc, oid::ObjectId};
use serde_json::json;

/// Distinctive pieces of the seeded person's raw values; none may reach a masked role.
const RAW: [&str; 6] = [
    "zelda",
    "quartz",
    "9876",
    "998877",
    "1990-04-01",
    "quartzburg",
];
const EMAIL: &str = "zelda.quartz@example-pii.test";

/// Seeds one person with PII and a restricted value; returns their profile id.
async fn seed_person(app: &TestApp) -> String {
    let key = app.write_key("crm").await;
    let identify = json!({"userId": "u-zq", "messageId": "m1", "traits": {
        "name": "Zelda Quartzfeld", "email": EMAIL, "phone": "+82 10-9876-5432",
        "birthday": "1990-04-01", "address": {"city": "Quartzburg", "street": "1 Quartz Way"},
        "national_id": "NID-998877", "plan": "gold"}});
    assert_eq!(app.track("/v1/identify", &key, &identify).await.status, 200);
    let page = json!({"userId": "u-zq", "messageId": "m2", "properties": {"path": "/pricing"}});
    assert_eq!(app.track("/v1/page", &key, &page).await.status, 200);
    app.live_profiles().await[0].id.to_hex()
}

fn leaked(body: &str) -> Vec<&'static str> {
    let lower = body.to_lowercase();
    RAW.into_iter().filter(|raw| lower.contains(raw)).collect()
}

/// Server fns that change something: called elsewhere, not part of the read scan.
const WRITES: &[&str] = &[
    "retention/save",
    "retention/sweep",
    "tokens/create",
    "tokens/revoke",
    "matching/save",
    "matching/run",
    "matching/decide",
    "matching/approve_above",
    "matching/merge",
    "catalog/save",
    "dashboard/demo",
    "demo/start",
    "customers/add",
    "profiles/reveal",
    "profiles/consent",
    "profiles/unmerge",
    "profiles/delete",
    "segments/save",
    "segments/duplicate",
    "segments/archive",
    "segments/expose",
    "campaigns/save",
    "campaigns/launch",
    "campaigns/pause",
    "campaigns/resume",
    "campaigns/cancel",
    "campaigns/retry",
    "channels/save",
    "sources/create",
    "sources/issue-key",
    "sources/revoke-key",
    "sources/issue-server-key",
    "sources/revoke-server-key",
    "sources/origins",
    "computed/create",
    "fields/classify",
    "fields/expose",
    "users/add",
    "users/update",
    "preferences/save",
];

/// What the scan knows about the seeded person, to fill in server fn arguments.
struct Seeded {
    profile: String,
    segment: String,
    import: String,
    campaign: String,
}

/// The arguments each read endpoint is called with (several calls for some).
fn read_calls(seeded: &Seeded) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let (profile, segment) = (seeded.profile.clone(), seeded.segment.clone());
    vec![
        ("customers/list", vec![("query[q]", "zel".into())]),
        ("customers/list", vec![]),
        ("auth/me", vec![]),
        ("auth/typed-email", vec![]),
        ("profiles/get", vec![("id", profile.clone())]),
        ("profiles/events", vec![("id", profile.clone())]),
        ("profiles/segments", vec![("id", profile.clone())]),
        ("profiles/campaigns", vec![("id", profile.clone())]),
        ("campaigns/list", vec![]),
        ("profiles/recommendations", vec![("id", profile.clone())]),
        ("catalog/list", vec![]),
        ("catalog/get", vec![("id", "tee".into())]),
        ("catalog/form", vec![]),
        ("catalog/imports", vec![]),
        ("catalog/import", vec![("id", seeded.import.clone())]),
        ("campaigns/get", vec![("id", seeded.campaign.clone())]),
        ("campaigns/form", vec![("id", seeded.campaign.clone())]),
        ("campaigns/results", vec![("id", seeded.campaign.clone())]),
        (
            "campaigns/launch_check",
            vec![("id", seeded.campaign.clone())],
        ),
        ("campaigns/editor_options", vec![]),
        (
            "campaigns/preview",
            vec![("id", seeded.campaign.clone()), ("customer", profile)],
        ),
        ("channels/get", vec![]),
        ("matching/overview", vec![]),
        ("matching/status", vec![]),
        ("matching/pairs", vec![("decision", "all".into())]),
        ("fields/list", vec![]),
        ("dashboard", vec![]),
        ("live/snapshot", vec![("window_minutes", "5".into())]),
        ("audit/list", vec![]),
        ("retention/get", vec![]),
        ("imports/recent", vec![]),
        ("imports/get", vec![("id", seeded.import.clone())]),
        ("imports/staged", vec![("id", seeded.import.clone())]),
        ("users/list", vec![]),
        ("tokens/list", vec![]),
        ("sources/list", vec![]),
        ("demo/status", vec![]),
        ("computed/list", vec![]),
        ("segments/list", vec![]),
        ("segments/catalog", vec![]),
        ("segments/get", vec![("id", segment.clone())]),
        ("segments/members", vec![("id", segment.clone())]),
        ("segments/preview", vec![("rule", gold_rule().to_string())]),
        (
            "segments/overlap",
            vec![("first", segment.clone()), ("second", segment)],
        ),
    ]
}

fn gold_rule() -> serde_json::Value {
    json!({ "type": "trait", "path": "traits.plan", "test": { "op": "equals", "value": "gold" } })
}

/// Adds a segment holding the person and an import whose rejected row names them.
async fn seed_around(app: &TestApp, profile: String) -> Seeded {
    let segment = crate::segments::create(app, "Gold", &gold_rule()).await;
    let csv = "E-mail,Name\nzelda.quartz@,Zelda Quartzfeld\n";
    let mapping = "[columns]\n\"E-mail\" = \"email\"\n\"Name\" = \"trait:name\"\n";
    let fields = [
        ("source", None, "crm"),
        ("mapping", None, mapping),
        ("file", Some("crm.csv"), csv),
    ];
    let (content_type, body) = crate::imports::multipart(&fields);
    let request = axum::http::Request::post("/imports")
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let import = reply.json()["id"].as_str().unwrap().to_owned();
    let status = crate::imports::finished(app, &import).await;
    assert_eq!(status["error_count"], 1, "{status}");
    let campaign = seed_campaign(app, &segment).await;
    Seeded {
        profile,
        segment,
        import,
        campaign,
    }
}

/// A launched in-app campaign to the segment whose message names the person, so the preview,
/// the history and the results all hold them.
async fn seed_campaign(app: &TestApp, segment: &str) -> String {
    let form = [
        ("form[name]", "Hello again"),
        ("form[channel]", "in_app"),
        ("form[include][0]", segment),
        ("form[a_subject]", "Hi {{ profile.name }}"),
        (
            "form[a_body]",
            "{{ profile.email }} {{ profile.phone }} {{ traits.name }}",
        ),
        ("form[schedule]", "now"),
    ];
    let reply = app.call("/api/campaigns/save", &form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply.json().as_str().unwrap().to_owned();
    assert_eq!(
        app.call("/api/campaigns/launch", &[("id", &id)])
            .await
            .status,
        200
    );
    id
}

/// Every page and every read endpoint the role may reach, with the seeded ids in the URL.
async fn everything_seen_by(app: &TestApp, seeded: &Seeded) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    for (path, _) in enrich::server::auth::policy::PAGES {
        let id = if path.starts_with("/segments/") {
            &seeded.segment
        } else if path.starts_with("/campaigns/") {
            &seeded.campaign
        } else if path.starts_with("/settings/import/") {
            &seeded.import
        } else {
            &seeded.profile
        };
        let path = path.replace("{id}", id);
        let reply = app.get(&path).await;
        seen.push((path, reply.body));
    }
    for (endpoint, form) in read_calls(seeded) {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = app.call(&format!("/api/{endpoint}"), &form).await;
        seen.push((endpoint.to_owned(), reply.body));
    }
    for path in [
        format!("/customers/{}/export", seeded.profile),
        format!("/segments/{}/export", seeded.segment),
    ] {
        let body = app.get(&path).await.body;
        seen.push((path, body));
    }
    seen
}

#[test]
fn the_scan_covers_every_server_fn() {
    let seeded = Seeded {
        profile: String::new(),
        segment: String::new(),
        import: String::new(),
        campaign: String::new(),
    };
    let reads: Vec<&str> = read_calls(&seeded).into_iter().map(|(e, _)| e).collect();
    for (endpoint, _) in enrich::server::auth::policy::SERVER_FNS {
        assert!(
            reads.contains(endpoint) || WRITES.contains(endpoint),
            "{endpoint}: add it to the read scan (or to WRITES if it changes something)"
        );
    }
}

#[tokio::test]
async fn raw_pii_never_reaches_roles_without_access_on_any_page_or_endpoint() {
    let admin = TestApp::new().await;
    let id = seed_person(&admin).await;
    let seeded = seed_around(&admin, id.clone()).await;
    for role in [Role::Marketer, Role::Analyst, Role::Support] {
        let viewer = admin.as_role(role).await;
        for (what, body) in everything_seen_by(&viewer, &seeded).await {
            assert!(
                leaked(&body).is_empty(),
                "{role:?} saw {:?} in {what}",
                leaked(&body)
            );
        }
        let page = viewer.get(&format!("/customers/{id}")).await.body;
        assert!(
            page.contains("z***@e***.test"),
            "{role:?}: masked email shown"
        );
        assert!(
            page.contains("+82 10-****-5432"),
            "{role:?}: masked phone shown"
        );
    }
    // The control: the admin sees the person, but never the restricted value.
    let page = admin.get(&format!("/customers/{id}")).await.body;
    assert!(page.contains(EMAIL) && page.contains("Zelda Quartzfeld"));
    assert!(!page.contains("998877") && page.contains("[restricted]"));
}

#[tokio::test]
async fn restricted_values_are_encrypted_at_rest_and_found_by_blind_index() {
    let admin = TestApp::new().await;
    let id = seed_person(&admin).await;
    for collection in ["profiles", "events", "fields", "identities", "audit"] {
        let docs: Vec<Document> = futures::TryStreamExt::try_collect(
            admin
                .db
                .collection::<Document>(collection)
                .find(doc! {})
                .await
                .unwrap(),
        )
        .await
        .unwrap();
        let text = format!("{docs:?}");
        assert!(
            !text.contains("998877"),
            "plaintext national id in {collection}"
        );
    }
    let profile = admin.live_profiles().await.remove(0);
    let stored = profile.traits.get_document("national_id").unwrap();
    assert_eq!(stored.get_str("kid").unwrap(), "k1");
    assert_eq!(stored.get_str("f").unwrap(), "national_id");
    let found = admin
        .call(
            "/api/customers/list",
            &[("query[q]", "national_id: nid-998877 ")],
        )
        .await
        .json();
    assert_eq!(
        found["total"], 1,
        "the blind index finds it (case-insensitively)"
    );
    assert_eq!(found["customers"][0]["id"], id.as_str());
    let other = admin
        .call(
            "/api/customers/list",
            &[("query[q]", "national_id:NID-000000")],
        )
        .await
        .json();
    assert_eq!(other["total"], 0);
}

#[tokio::test]
async fn support_reveals_one_field_once_after_a_reason_and_it_is_audited() {
    let admin = TestApp::new().await;
    let id = seed_person(&admin).await;
    let support = admin.as_role(Role::Support).await;
    let short = support
        .call(
            "/api/profiles/reveal",
            &[("id", &id), ("field", "email"), ("reason", "why")],
        )
        .await;
    assert_eq!(short.status, 400);
    assert_eq!(short.json()["field"], "reason");
    let restricted = support
        .call(
            "/api/profiles/reveal",
            &[
                ("id", &id),
                ("field", "traits.national_id"),
                ("reason", "Ticket 12: verify identity"),
            ],
        )
        .await;
    assert_eq!(restricted.status, 400, "restricted fields are never shown");
    let reason = "Ticket 4812: customer asked to confirm the address on file";
    let ok = support
        .call(
            "/api/profiles/reveal",
            &[("id", &id), ("field", "email"), ("reason", reason)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let first = support
        .call("/api/profiles/get", &[("id", &id)])
        .await
        .json();
    assert_eq!(first["revealed"], json!([["email", EMAIL]]));
    assert_eq!(first["name"], "Z*** Q***", "only the one field");
    let second = support
        .call("/api/profiles/get", &[("id", &id)])
        .await
        .json();
    assert_eq!(second["revealed"], json!([]), "shown once");
    let entry = admin
        .db
        .collection::<Document>("audit")
        .find_one(doc! { "action": "pii.reveal" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.get_str("target").unwrap(), id);
    assert_eq!(entry.get_str("detail").unwrap(), format!("email: {reason}"));
    assert!(
        !format!("{entry:?}").contains("zelda"),
        "the audit holds no PII"
    );
    let analyst = admin.as_role(Role::Analyst).await;
    let refused = analyst
        .call(
            "/api/profiles/reveal",
            &[("id", &id), ("field", "email"), ("reason", reason)],
        )
        .await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn a_key_classified_restricted_is_encrypted_where_stored_and_masked_where_personal() {
    let admin = TestApp::new().await;
    let key = admin.write_key("crm").await;
    let body = json!({"userId": "u1", "messageId": "m1", "traits": {"tax_ref": "TX-55511", "nickname": "Bunny"}});
    admin.track("/v1/identify", &key, &body).await;
    let refused = admin
        .as_role(Role::Analyst)
        .await
        .call(
            "/api/fields/classify",
            &[("key", "tax_ref"), ("class", "restricted")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let bad = admin
        .call(
            "/api/fields/classify",
            &[("key", "a.b"), ("class", "restricted")],
        )
        .await;
    assert_eq!(bad.json()["field"], "key");
    let done = admin
        .call(
            "/api/fields/classify",
            &[("key", "tax_ref"), ("class", "restricted")],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json(), 2, "the profile and the event were encrypted");
    let profiles = format!("{:?}", admin.live_profiles().await);
    let events = format!(
        "{:?}",
        admin
            .db
            .collection::<Document>("events")
            .find_one(doc! {})
            .await
            .unwrap()
    );
    assert!(!profiles.contains("55511") && !events.contains("55511"));
    admin
        .call(
            "/api/fields/classify",
            &[("key", "nickname"), ("class", "pii")],
        )
        .await;
    let analyst = admin.as_role(Role::Analyst).await;
    let profile = admin.live_profiles().await[0].id.to_hex();
    let seen = analyst
        .call("/api/profiles/get", &[("id", &profile)])
        .await
        .body;
    assert!(!seen.contains("Bunny") && seen.contains("B***"), "{seen}");
    let fields = analyst.call("/api/fields/list", &[]).await.body;
    assert!(
        !fields.contains("Bunny") && !fields.contains("55511"),
        "{fields}"
    );
    assert_eq!(
        admin
            .count("audit", doc! { "action": "field.classify" })
            .await,
        2
    );
}

#[tokio::test]
async fn keys_rotate_reencrypts_every_stored_value_under_the_new_key() {
    use enrich::server::privacy::keyring;
    let dir = std::env::temp_dir().join(format!("enrich-keys-{}", ObjectId::new().to_hex()));
    let file = dir.join("keys.txt");
    let (ring, created) = keyring::load_or_create(&file).unwrap();
    assert!(created);
    let db = crate::support::fresh_db().await;
    let state = enrich::server::AppState::new(
        crate::support::leptos_options(),
        db.clone(),
        &Default::default(),
        ring,
    );
    let app = TestApp::from_state(state);
    app.sign_in_as(Role::Admin).await;
    let id = seed_person(&app).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_enrich"))
        .args(["keys", "rotate"])
        .env("MONGODB_URI", mongodb_uri())
        .env("ENRICH_DB", db.name())
        .env("ENRICH_FIELD_KEYS_FILE", &file)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rotated = keyring::load_or_create(&file).unwrap().0;
    assert_eq!(rotated.current_id(), "k2");
    let profile = app.live_profiles().await.remove(0);
    let envelope = profile.traits.get_document("national_id").unwrap();
    assert_eq!(envelope.get_str("kid").unwrap(), "k2");
    assert_eq!(
        rotated.open("national_id", envelope).unwrap(),
        json!("NID-998877")
    );
    let event = app
        .db
        .collection::<Document>("events")
        .find_one(doc! { "message.kind": "identify" })
        .await
        .unwrap()
        .unwrap();
    let raw = event
        .get_document("message")
        .unwrap()
        .get_document("raw")
        .unwrap();
    assert_eq!(
        raw.get_document("traits")
            .unwrap()
            .get_document("national_id")
            .unwrap()
            .get_str("kid")
            .unwrap(),
        "k2"
    );
    assert_eq!(
        app.count("audit", doc! { "action": "keys.rotate" }).await,
        1
    );
    assert!(!id.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_role_reads_the_customer_page_it_may_open() {
    let admin = TestApp::new().await;
    let id = seed_person(&admin).await;
    for role in ROLES {
        let viewer = admin.as_role(role).await;
        let page = viewer.get(&format!("/customers/{id}")).await;
        assert_eq!(page.status, 200, "{role:?}");
        assert!(page.body.contains("Event timeline") && page.body.contains("Consent"));
        let delete = page.body.contains("Delete customer");
        assert_eq!(delete, role == Role::Admin, "{role:?}: delete control");
        assert_eq!(
            page.body.contains(">Reveal<"),
            role == Role::Support,
            "{role:?}: reveal control"
        );
    }
}
