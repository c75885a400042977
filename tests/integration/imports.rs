//! Bulk import: the upload route, the CLI, idempotency, line-level errors, cross-source merging.
use crate::support::{TestApp, mongodb_uri};
use axum::{body::Body, http::Request};
use mongodb::bson::{doc, oid::ObjectId};
use serde_json::Value;
use std::time::Duration;

pub const CRM_CSV: &str = "Customer No,E-mail,Mobile,Name\n\
C1,Ann@Example.com,+1 415-555-0101,Ann Lee\n\
C2,bob@example.com,(415) 555 0102,Bob Ray\n\
,not-an-email,,Broken Row\n";
pub const CRM_MAPPING: &str = "[columns]\n\"Customer No\" = \"external:crm_id\"\n\"E-mail\" = \"email\"\n\"Mobile\" = \"phone\"\n\"Name\" = \"trait:name\"\n";
const LEGACY_JSONL: &str = "{\"id\": 17, \"email\": \" ANN@example.com \", \"birth\": \"1980-04-02\"}\n{\"id\": 18, \"phone\": \"415.555.0102\"}\n";
const LEGACY_MAPPING: &str = "[columns]\nid = \"external:legacy_id\"\nemail = \"email\"\nphone = \"phone\"\nbirth = \"trait:birthday:date\"\n";

pub fn multipart(fields: &[(&str, Option<&str>, &str)]) -> (String, Vec<u8>) {
    let boundary = format!("enrich{}", ObjectId::new().to_hex());
    let mut body = String::new();
    for (name, file_name, content) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(file_name) = file_name {
            body.push_str(&format!(
                "; filename=\"{file_name}\"\r\nContent-Type: text/csv"
            ));
        }
        body.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

pub async fn upload(
    app: &TestApp,
    fields: &[(&str, Option<&str>, &str)],
    accept: &str,
) -> crate::support::Reply {
    let (content_type, body) = multipart(fields);
    app.send(
        Request::post("/imports")
            .header("content-type", content_type)
            .header("accept", accept)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// The CRM file (two good rows, one bad) with its mapping, as the upload form posts them.
pub const CRM_UPLOAD: [(&str, Option<&str>, &str); 3] = [
    ("source", None, "crm"),
    ("mapping", None, CRM_MAPPING),
    ("file", Some("crm.csv"), CRM_CSV),
];

/// Polls the import until it is no longer running; returns its status.
pub async fn finished(app: &TestApp, id: &str) -> Value {
    for _ in 0..200 {
        let status = app.call("/api/imports/get", &[("id", id)]).await.json();
        if status["state"] != "running" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test]
async fn an_upload_imports_valid_rows_reports_bad_ones_and_a_second_upload_changes_nothing() {
    let app = TestApp::new().await;
    let reply = upload(&app, &CRM_UPLOAD, "application/json").await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let status = finished(&app, reply.json()["id"].as_str().unwrap()).await;
    assert_eq!(
        (
            status["state"].as_str(),
            status["imported"].as_u64(),
            status["error_count"].as_u64()
        ),
        (Some("done"), Some(2), Some(1))
    );
    assert_eq!(status["errors"][0]["line"], 4);
    assert!(
        status["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("E-mail")
    );
    let profiles = app.count("profiles", doc! {}).await;
    let events = app.count("events", doc! {}).await;

    // Again, from a browser without JavaScript, and with the saved mapping.
    let again = upload(
        &app,
        &[
            ("source", None, "crm"),
            ("mapping", None, ""),
            ("file", Some("crm.csv"), CRM_CSV),
        ],
        "text/html",
    )
    .await;
    assert_eq!(again.status, 303);
    let location = again.headers["location"].to_str().unwrap();
    assert!(location.starts_with("/settings/import/"), "{location}");
    let status = finished(&app, location.trim_start_matches("/settings/import/")).await;
    assert_eq!(
        (status["imported"].as_u64(), status["duplicates"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        app.count("profiles", doc! {}).await,
        profiles,
        "nothing changed"
    );
    assert_eq!(app.count("events", doc! {}).await, events);
}

#[tokio::test]
async fn bad_uploads_are_refused_with_the_field_named() {
    let app = TestApp::new().await;
    let no_mapping = upload(
        &app,
        &[("source", None, "fresh"), ("file", Some("a.csv"), CRM_CSV)],
        "application/json",
    )
    .await;
    assert_eq!(no_mapping.status, 400);
    assert_eq!(no_mapping.json()["field"], "mapping");
    let bad_source = upload(
        &app,
        &[
            ("source", None, "Bad Name"),
            ("mapping", None, CRM_MAPPING),
            ("file", Some("a.csv"), CRM_CSV),
        ],
        "application/json",
    )
    .await;
    assert_eq!(bad_source.json()["field"], "source");
    let browser = upload(
        &app,
        &[
            ("source", None, "x"),
            ("mapping", None, "[columns]\nA = \"trait:a\""),
            ("file", Some("a.csv"), CRM_CSV),
        ],
        "text/html",
    )
    .await;
    assert_eq!(browser.status, 303);
    assert!(
        browser.headers["location"]
            .to_str()
            .unwrap()
            .contains("error=")
    );
    assert_eq!(app.count("events", doc! {}).await, 0);
}

#[tokio::test]
async fn records_from_different_systems_that_share_an_identifier_land_on_one_profile() {
    let app = TestApp::new().await;
    for (source, mapping, name, file) in [
        ("crm", CRM_MAPPING, "crm.csv", CRM_CSV),
        ("legacy", LEGACY_MAPPING, "legacy.jsonl", LEGACY_JSONL),
    ] {
        let reply = upload(
            &app,
            &[
                ("source", None, source),
                ("mapping", None, mapping),
                ("file", Some(name), file),
            ],
            "application/json",
        )
        .await;
        finished(&app, reply.json()["id"].as_str().unwrap()).await;
    }
    let profiles = app.live_profiles().await;
    assert_eq!(profiles.len(), 2, "Ann by email, Bob by phone");
    let ann = profiles
        .iter()
        .find(|p| p.email.as_deref() == Some("ann@example.com"))
        .unwrap();
    assert_eq!(ann.sources, ["crm", "legacy"]);
    assert_eq!(
        ann.traits.get_str("birthday").unwrap(),
        "1980-04-02T00:00:00+00:00"
    );
    let bob = profiles.iter().find(|p| p.name == "Bob Ray").unwrap();
    assert!(
        bob.identities
            .iter()
            .any(|i| i.key == "external:legacy_id:18")
    );
}

#[tokio::test]
async fn the_cli_imports_and_exits_2_when_rows_were_rejected() {
    let dir = std::env::temp_dir().join(format!("enrich-cli-{}", ObjectId::new().to_hex()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("crm.csv"), CRM_CSV).unwrap();
    std::fs::write(dir.join("mapping.toml"), CRM_MAPPING).unwrap();
    let database = format!("test_{}", ObjectId::new().to_hex());
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_enrich"))
            .args(["import", "--source", "crm", "--file"])
            .arg(dir.join("crm.csv"))
            .arg("--mapping")
            .arg(dir.join("mapping.toml"))
            .env("MONGODB_URI", mongodb_uri())
            .env("ENRICH_DB", &database)
            .env("ENRICH_FIELD_KEYS_FILE", dir.join("keys.txt"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert_eq!(
        first.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("3 rows: 2 imported, 0 already there, 1 rejected"),
        "{stdout}"
    );
    assert!(stdout.contains("line 4:"), "{stdout}");
    let second = String::from_utf8_lossy(&run().stdout).into_owned();
    assert!(second.contains("0 imported, 2 already there"), "{second}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn seeded_demo_data_merges_overlapping_legacy_records() {
    let app = TestApp::new().await;
    let state = enrich::server::AppState::new(
        crate::support::leptos_options(),
        app.db.clone(),
        &Default::default(),
        enrich::server::privacy::keyring::generate(),
    );
    let summary = enrich::server::seed::seed(&state.ingest, 40, 400, 7)
        .await
        .unwrap();
    assert!(summary.messages > 400);
    let profiles = app.live_profiles().await;
    assert_eq!(summary.profiles, profiles.len() as u64);
    let with_email = profiles
        .iter()
        .filter(|p| p.identities.iter().any(|i| i.kind == "email"))
        .count();
    assert!(
        with_email <= 40,
        "one profile per known person at most: {with_email}"
    );
    let combined = profiles
        .iter()
        .filter(|p| {
            p.sources.contains(&"crm".to_owned()) && p.sources.contains(&"legacy-db".to_owned())
        })
        .count();
    assert!(
        combined > 5,
        "people in both legacy systems became one profile ({combined})"
    );
    assert!(
        profiles
            .iter()
            .any(|p| p.counters.iter().any(|c| c.event == "Order Completed"))
    );
}
