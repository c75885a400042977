//! Issue 16's import items: phones of every country (2), bad fields as warnings (5), the
//! mapping form (6), refusals that name the problem and keep the form (7), dates (8).
use crate::{
    imports::{finished, upload},
    support::TestApp,
};
use enrich::model::access::Role;
use mongodb::bson::doc;
use serde_json::Value;

const PHONES_CSV: &str = "Id,Mobile\n\
K1,+82 10 1234 5678\n\
K2,010-2345-6789\n\
U1,+1 201-555-0123\n\
G1,+44 7400 123456\n\
F1,+33 6 12 34 56 78\n\
D1,+49 1512 3456789\n\
J1,+81 90-1234-5678\n\
B1,+55 11 96123-4567\n\
I1,+91 81234 56789\n";
const PLAIN_MAPPING: &str = "[columns]\nId = \"external:crm_id\"\nMobile = \"phone\"\n";
const PHONES_MAPPING: &str = "[columns]\nId = \"external:crm_id\"\nMobile = \"phone\"\n\
[options]\nphone_region = \"KR\"\n";

/// Uploads as an API client and waits for the import to finish.
async fn import(app: &TestApp, source: &str, mapping: &str, name: &str, file: &str) -> Value {
    let fields = [
        ("source", None, source),
        ("mapping", None, mapping),
        ("file", Some(name), file),
    ];
    let reply = upload(app, &fields, "application/json").await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    finished(app, reply.json()["id"].as_str().unwrap()).await
}

async fn has_identity(app: &TestApp, key: &str) -> bool {
    app.count("profiles", doc! { "identities.key": key }).await == 1
}

#[tokio::test]
async fn item_02_international_numbers_of_every_country_import_with_the_default_region() {
    let app = TestApp::new().await;
    let csv = PHONES_CSV.replace("K2,010-2345-6789\n", "");
    let status = import(&app, "crm", PLAIN_MAPPING, "phones.csv", &csv).await;
    assert_eq!(
        (status["imported"].as_u64(), status["error_count"].as_u64()),
        (Some(8), Some(0)),
        "{status}"
    );
    assert_eq!(status["warning_count"], 0, "{status}");
    assert!(has_identity(&app, "phone:+821012345678").await);
}

#[tokio::test]
async fn item_02_phones_of_every_country_import_as_e164_identities() {
    let app = TestApp::new().await;
    let status = import(&app, "crm", PHONES_MAPPING, "phones.csv", PHONES_CSV).await;
    assert_eq!(status["imported"], 9, "{status}");
    assert_eq!(status["error_count"], 0, "{status}");
    for e164 in [
        "+821012345678",
        "+821023456789",
        "+12015550123",
        "+447400123456",
        "+33612345678",
        "+4915123456789",
        "+819012345678",
        "+5511961234567",
        "+918123456789",
    ] {
        assert!(has_identity(&app, &format!("phone:{e164}")).await, "{e164}");
    }
}

#[tokio::test]
async fn item_02_add_customer_stores_a_korean_phone_as_an_identity() {
    let app = TestApp::new().await;
    let reply = app
        .call(
            "/api/customers/add",
            &[
                ("name", "Kim Minji"),
                ("email", "minji@example.com"),
                ("phone", "+82 10 1234 5678"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(has_identity(&app, "phone:+821012345678").await);
}

#[tokio::test]
async fn item_09_a_duplicate_email_names_the_existing_customer() {
    let app = TestApp::new().await;
    let add = |email: &'static str| {
        let app = app.clone();
        async move {
            app.call(
                "/api/customers/add",
                &[("name", "Kim Minji"), ("email", email)],
            )
            .await
        }
    };
    let first = add("minji@example.com").await.json();
    let again = add("MINJI@example.com").await;
    assert_eq!(again.status, 409, "{}", again.body);
    let body = again.json();
    assert_eq!(body["field"], "email");
    let id = first["id"].as_str().unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("/customers/{id}")),
        "{body}"
    );
}

const LEGACY_CSV: &str = "Id,E-mail,Mobile,Since,Age,Updated\n\
L1,ann@example.com,12,sometime,forty,yesterday\n\
L2,bob@example.com,+82 10 9876 5432,07/07/2020,33,2024-01-02\n";
const LEGACY_MAPPING: &str = "[columns]\nId = \"external:crm_id\"\n\"E-mail\" = \"email\"\n\
Mobile = \"phone\"\nSince = \"trait:since:date\"\nAge = \"trait:age:number\"\n\
[options]\ntimestamp = \"Updated\"\n";

#[tokio::test]
async fn item_05_a_bad_field_imports_the_row_and_is_listed_as_a_warning() {
    let app = TestApp::new().await;
    let status = import(&app, "legacy", LEGACY_MAPPING, "legacy.csv", LEGACY_CSV).await;
    assert_eq!(status["imported"], 2, "{status}");
    assert_eq!(status["error_count"], 0, "{status}");
    let warnings: Vec<(u64, String, String, String)> = status["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{status}"))
        .iter()
        .map(|w| {
            let text = |k: &str| w[k].as_str().unwrap_or_default().to_owned();
            (
                w["line"].as_u64().unwrap(),
                text("column"),
                text("rule"),
                text("value"),
            )
        })
        .collect();
    let want = [
        (2, "Age", "number", "forty"),
        (2, "Mobile", "phone", "12"),
        (2, "Since", "date", "sometime"),
        (2, "Updated", "date", "yesterday"),
    ];
    for (line, column, rule, value) in want {
        assert!(
            warnings
                .iter()
                .any(|w| (w.0, w.1.as_str(), w.2.as_str(), w.3.as_str())
                    == (line, column, rule, value)),
            "{line} {column} {rule} in {warnings:?}"
        );
    }
    assert_eq!(status["warning_count"], 4, "{status}");
    assert!(has_identity(&app, "email:ann@example.com").await);
    assert!(has_identity(&app, "phone:+821098765432").await);

    // A role that may not read personal data sees the values masked.
    let analyst = app.as_role(Role::Analyst).await;
    let id = status["id"].as_str().unwrap();
    let seen = analyst.call("/api/imports/get", &[("id", id)]).await.json();
    let text = seen["warnings"].to_string();
    assert!(
        !text.contains("sometime") && !text.contains("forty"),
        "{text}"
    );
}

#[tokio::test]
async fn item_08_dates_in_common_formats_are_parsed_per_the_sources_order() {
    let app = TestApp::new().await;
    let csv = "Id,Since\nA,2020-07-31\nB,31/07/2020\nC,31.07.2020\nD,2020/07/31\nE,07/08/2020\n";
    let dmy = "[columns]\nId = \"external:crm_id\"\nSince = \"trait:since:date\"\n\
[options]\ndate_order = \"dmy\"\n";
    let status = import(&app, "eu", dmy, "eu.csv", csv).await;
    assert_eq!(status["warning_count"], 0, "{status}");
    for (id, want) in [
        ("A", "2020-07-31"),
        ("B", "2020-07-31"),
        ("C", "2020-07-31"),
        ("D", "2020-07-31"),
        ("E", "2020-08-07"),
    ] {
        let filter = doc! { "identities.key": format!("external:crm_id:{id}") };
        let profile = app.db.collection::<mongodb::bson::Document>("profiles");
        let found = profile.find_one(filter).await.unwrap().unwrap();
        let since = found
            .get_document("traits")
            .unwrap()
            .get_str("since")
            .unwrap();
        assert!(since.starts_with(want), "{id}: {since}");
    }
    let mdy = dmy.replace("dmy", "mdy");
    let us = import(&app, "us", &mdy, "us.csv", "Id,Since\nM,07/31/2020\n").await;
    assert_eq!(us["warning_count"], 0, "{us}");
}

#[tokio::test]
async fn item_07_a_file_that_is_not_csv_or_json_lines_is_refused_up_front() {
    let app = TestApp::new().await;
    let png = "\u{89}PNG\r\n\u{1a}\n\0\0\0\rIHDR";
    for name in ["logo.png", "logo.csv"] {
        let fields = [
            ("source", None, "crm"),
            ("mapping", None, PLAIN_MAPPING),
            ("file", Some(name), png),
        ];
        let reply = upload(&app, &fields, "application/json").await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.body);
        assert_eq!(reply.json()["field"], "file", "{}", reply.body);
    }
    assert_eq!(app.count("imports", doc! {}).await, 0);
}

#[tokio::test]
async fn item_07_missing_columns_are_named_and_a_browser_keeps_source_and_file() {
    let app = TestApp::new().await;
    let csv = "Id,Phone\nK1,+82 10 1234 5678\n";
    let fields = [
        ("source", None, "crm"),
        ("mapping", None, PLAIN_MAPPING),
        ("file", Some("crm.csv"), csv),
    ];
    let reply = upload(&app, &fields, "application/json").await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("Mobile"), "{message}");

    let browser = upload(&app, &fields, "text/html").await;
    assert_eq!(browser.status, 303);
    let location = browser.headers["location"].to_str().unwrap().to_owned();
    assert!(location.contains("source=crm"), "{location}");
    assert!(location.contains("upload="), "{location}");
    let page = app.get(&location).await;
    assert!(page.body.contains("crm.csv"), "the kept file is named");
    assert!(page.body.contains("Mobile"), "the error is shown");
}

#[tokio::test]
async fn item_06_a_mapping_form_guesses_from_the_header_and_is_saved_per_source() {
    let app = TestApp::new().await;
    let csv =
        "Customer No,E-mail,Mobile,Age,Joined\nC1,ann@example.com,+82 10 1234 5678,41,2020-01-02\n";
    let staged = upload(
        &app,
        &[
            ("source", None, "crm"),
            ("step", None, "map"),
            ("file", Some("crm.csv"), csv),
        ],
        "text/html",
    )
    .await;
    assert_eq!(staged.status, 303, "{}", staged.body);
    let location = staged.headers["location"].to_str().unwrap().to_owned();
    let upload_id = location
        .split("upload=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let draft = app
        .call("/api/imports/staged", &[("id", upload_id)])
        .await
        .json();
    let target = |i: usize| {
        draft["columns"][i]["target"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        (target(0), target(1), target(2), target(3), target(4)),
        (
            "external".into(),
            "email".into(),
            "phone".into(),
            "trait".into(),
            "trait".into()
        ),
        "{draft}"
    );
    assert_eq!(draft["columns"][3]["value_type"], "number", "{draft}");
    assert_eq!(draft["columns"][4]["value_type"], "date", "{draft}");
    let page = app.get(&location).await;
    assert!(page.body.contains("E-mail"), "the form lists the columns");

    let mut form = vec![("source", None, "crm"), ("upload", None, upload_id)];
    let columns = [
        ("external", "crm_id", "string"),
        ("email", "", "string"),
        ("phone", "", "string"),
        ("trait", "age", "number"),
        ("ignore", "", "string"),
    ];
    let names: Vec<[String; 3]> = (0..columns.len())
        .map(|i| {
            [
                format!("target_{i}"),
                format!("key_{i}"),
                format!("type_{i}"),
            ]
        })
        .collect();
    for (i, (target, name, kind)) in columns.iter().enumerate() {
        form.push((names[i][0].as_str(), None, target));
        form.push((names[i][1].as_str(), None, name));
        form.push((names[i][2].as_str(), None, kind));
    }
    let done = upload(&app, &form, "text/html").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let location = done.headers["location"].to_str().unwrap();
    let status = finished(&app, location.trim_start_matches("/settings/import/")).await;
    assert_eq!(status["imported"], 1, "{status}");
    assert!(has_identity(&app, "external:crm_id:C1").await);

    // The saved mapping serves the next upload of the same source (the CLI's way too).
    let again = "Customer No,E-mail,Mobile,Age,Joined\nC2,bo@example.com,,7,\n";
    let next = upload(
        &app,
        &[("source", None, "crm"), ("file", Some("crm2.csv"), again)],
        "application/json",
    )
    .await;
    assert_eq!(next.status, 202, "{}", next.body);
    finished(&app, next.json()["id"].as_str().unwrap()).await;
    assert!(has_identity(&app, "external:crm_id:C2").await);
}
