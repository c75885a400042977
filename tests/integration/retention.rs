//! Retention: saved rules (every bad field named at once, admins only), TTL indexes that follow
//! them, and the sweeper deleting only what is older than its kind's rule, archiving it first
//! where asked, one instance at a time.
use crate::{
    identity_props::all,
    support::{TestApp, fresh_db},
};
use enrich::{
    model::access::Role,
    server::{
        AppState,
        config::Settings,
        db::leases::Leases,
        import::staged,
        privacy::keyring,
        retention::{config::RetentionEnv, ttl},
    },
};
use futures::TryStreamExt;
use mongodb::{
    IndexModel,
    bson::{self, Document, doc, oid::ObjectId},
};
use std::{io::Read, path::PathBuf, time::Duration};

/// An admin on a fresh database whose server archives into a new folder.
pub async fn app_archiving_to() -> (TestApp, PathBuf) {
    let dir = std::env::temp_dir().join(format!("enrich-archive-{}", ObjectId::new()));
    let folder = dir.display().to_string();
    let settings = Settings {
        retention: RetentionEnv::from_lookup(&|k| {
            (k == "ENRICH_RETENTION_ARCHIVE_DIR").then(|| folder.clone())
        }),
        ..Settings::default()
    };
    let app = TestApp::from_state(AppState::new(
        crate::support::leptos_options(),
        fresh_db().await,
        &settings,
        keyring::generate(),
    ));
    app.sign_in_as(Role::Admin).await;
    (app, dir)
}

fn days_ago(days: i64) -> bson::DateTime {
    bson::DateTime::from_chrono(chrono::Utc::now() - chrono::Duration::days(days))
}

async fn insert(app: &TestApp, collection: &str, docs: Vec<Document>) {
    app.db
        .collection::<Document>(collection)
        .insert_many(docs)
        .await
        .unwrap();
}

async fn ids(app: &TestApp, collection: &str) -> Vec<String> {
    let docs: Vec<Document> = all(app, collection, doc! {}).await;
    let mut ids: Vec<String> = docs
        .iter()
        .map(|d| d.get_object_id("_id").unwrap().to_hex())
        .collect();
    ids.sort();
    ids
}

async fn ttl_index(app: &TestApp, collection: &str) -> Option<Option<Duration>> {
    let indexes: Vec<IndexModel> = app
        .db
        .collection::<Document>(collection)
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    indexes
        .iter()
        .find(|i| i.options.as_ref().and_then(|o| o.name.as_deref()) == Some(ttl::INDEX))
        .map(|i| i.options.as_ref().and_then(|o| o.expire_after))
}

fn form<'a>(values: &'a [(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    values
        .iter()
        .map(|(k, v)| (format!("form[{k}]"), *v))
        .collect()
}

/// Saves the rules `values` names; kinds it leaves out keep their defaults (forever, but
/// uploads: a day).
pub async fn save(app: &TestApp, values: &[(&str, &str)]) -> crate::support::Reply {
    let mut values = values.to_vec();
    let defaults = [
        ("events_days", "0"),
        ("campaign_messages_days", "0"),
        ("segment_transitions_days", "0"),
        ("in_app_messages_days", "0"),
        ("audit_log_days", "0"),
        ("import_files_days", "1"),
    ];
    for (field, days) in defaults {
        if !values.iter().any(|(k, _)| *k == field) {
            values.push((field, days));
        }
    }
    let fields = form(&values);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call("/api/retention/save", &pairs).await
}

/// Lines of every archive file under `dir/kind`, decompressed.
pub fn archived_lines(dir: &std::path::Path, kind: &str) -> Vec<serde_json::Value> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir.join(kind)).unwrap() {
        let path = entry.unwrap().path();
        assert!(path.to_string_lossy().ends_with(".jsonl.gz"), "{path:?}");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        lines.extend(text.lines().map(|l| serde_json::from_str(l).unwrap()));
    }
    lines
}

#[tokio::test]
async fn a_sweep_deletes_only_what_its_kind_outlived_and_archives_it_first() {
    let (app, dir) = app_archiving_to().await;
    let (old_t, new_t) = (ObjectId::new(), ObjectId::new());
    let transition = |id: ObjectId, at| {
        doc! { "_id": id, "segment_id": ObjectId::new(), "profile_id": ObjectId::new(), "kind": "entered", "at": at }
    };
    insert(
        &app,
        "segment_transitions",
        vec![
            transition(old_t, days_ago(40)),
            transition(new_t, days_ago(2)),
        ],
    )
    .await;
    let message = |id: ObjectId, at| doc! { "_id": id, "profile_id": ObjectId::new(), "title": "Hi", "created_at": at };
    let (old_m, new_m) = (ObjectId::new(), ObjectId::new());
    insert(
        &app,
        "in_app_messages",
        vec![message(old_m, days_ago(31)), message(new_m, days_ago(29))],
    )
    .await;
    let old_audit = ObjectId::new();
    insert(&app, "audit", vec![doc! { "_id": old_audit, "at": days_ago(200), "actor": "old@example.com", "action": "user.add" }]).await;
    let upload = staged::save(&app.db, "crm", "people.csv", b"email\na@example.com\n")
        .await
        .unwrap();
    let fresh_upload = staged::save(&app.db, "crm", "more.csv", b"email\nb@example.com\n")
        .await
        .unwrap();
    app.db
        .collection::<Document>(staged::COLLECTION)
        .update_many(
            doc! { "upload": upload },
            doc! { "$set": { "created_at": days_ago(3) } },
        )
        .await
        .unwrap();

    let saved = save(
        &app,
        &[
            ("segment_transitions_days", "30"),
            ("segment_transitions_archive", "on"),
            ("in_app_messages_days", "30"),
            ("audit_log_days", "180"),
            ("import_files_days", "1"),
        ],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    // Kept forever or archived: no TTL index; kept for days and not archived: one.
    assert_eq!(
        ttl_index(&app, "segment_transitions").await,
        None,
        "archived kinds are swept, not expired"
    );
    assert_eq!(
        ttl_index(&app, "in_app_messages").await,
        Some(Some(Duration::from_secs(30 * 86_400)))
    );
    assert_eq!(
        ttl_index(&app, "audit").await,
        Some(Some(Duration::from_secs(180 * 86_400)))
    );

    let swept = app.call("/api/retention/sweep", &[]).await;
    assert_eq!(swept.status, 200, "{}", swept.body);
    let summary = swept.json();
    assert_eq!(summary["error"], serde_json::Value::Null, "{summary}");
    assert_eq!(ids(&app, "segment_transitions").await, vec![new_t.to_hex()]);
    assert_eq!(ids(&app, "in_app_messages").await, vec![new_m.to_hex()]);
    assert!(
        staged::load(&app.db, upload).await.unwrap().is_none(),
        "the old upload went"
    );
    assert!(
        staged::load(&app.db, fresh_upload).await.unwrap().is_some(),
        "today's stays"
    );
    assert_eq!(app.count("audit", doc! { "_id": old_audit }).await, 0);
    assert!(
        app.count("audit", doc! { "action": "retention.update" })
            .await
            == 1,
        "the change is kept"
    );
    let sweeps = app
        .count(
            "audit",
            doc! { "action": "retention.sweep", "detail": { "$regex": "segment_transitions 1" } },
        )
        .await;
    assert_eq!(sweeps, 1, "the sweep is audited with its counts");

    let lines = archived_lines(&dir, "segment_transitions");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["_id"]["$oid"], old_t.to_hex());
    assert!(lines[0]["at"]["$date"].is_string(), "{}", lines[0]);
    assert!(
        !dir.join("in_app_messages").exists(),
        "not archived when not asked"
    );

    let page = app.get("/settings/retention").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("records deleted"),
        "the last sweep is shown"
    );

    // Keeping forever again drops the index; nothing more is deleted.
    let saved = save(
        &app,
        &[
            ("segment_transitions_days", "0"),
            ("in_app_messages_days", "0"),
            ("audit_log_days", "0"),
            ("import_files_days", "1"),
        ],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(ttl_index(&app, "in_app_messages").await, None);
    insert(
        &app,
        "in_app_messages",
        vec![message(ObjectId::new(), days_ago(400))],
    )
    .await;
    app.call("/api/retention/sweep", &[]).await;
    assert_eq!(app.count("in_app_messages", doc! {}).await, 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bad_rules_are_named_field_by_field_and_change_nothing() {
    let app = TestApp::new().await;
    let reply = save(
        &app,
        &[
            ("segment_transitions_days", "a month"),
            ("in_app_messages_days", "99999"),
            ("in_app_messages_archive", "on"),
            ("audit_log_days", "7"),
            ("import_files_days", "1"),
        ],
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let errors = reply.json()["errors"].clone();
    let fields: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "segment_transitions_days",
            "in_app_messages_days",
            "in_app_messages_archive",
            "audit_log_days"
        ],
        "{errors}"
    );
    assert!(errors.to_string().contains("at least 90 days"), "{errors}");
    assert!(
        errors.to_string().contains("ENRICH_RETENTION_ARCHIVE_DIR"),
        "{errors}"
    );
    let rules = app.call("/api/retention/get", &[]).await.json()["settings"]["rules"].clone();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["archive"] == false),
        "{rules}"
    );
    assert_eq!(rules[4]["kind"], "audit_log", "{rules}");
    assert_eq!(rules[4]["days"], 0, "unchanged: {rules}");
    assert_eq!(
        app.count("audit", doc! { "action": "retention.update" })
            .await,
        0
    );
}

#[tokio::test]
async fn only_admins_change_retention_and_one_instance_sweeps_at_a_time() {
    let app = TestApp::new().await;
    let marketer = app.as_role(Role::Marketer).await;
    let fields = [
        ("audit_log_days", "100"),
        ("import_files_days", "1"),
        ("segment_transitions_days", "0"),
        ("in_app_messages_days", "0"),
    ];
    assert_eq!(save(&marketer, &fields).await.status, 403);
    assert_eq!(marketer.call("/api/retention/sweep", &[]).await.status, 403);
    let analyst = app.as_role(Role::Analyst).await;
    assert_eq!(
        analyst.call("/api/retention/get", &[]).await.status,
        200,
        "settings readers see it"
    );
    assert_eq!(save(&analyst, &fields).await.status, 403);

    // Another instance holds the sweep: this one does nothing and says so.
    Leases::new(&app.db)
        .try_take("retention_sweep", ObjectId::new(), Duration::from_secs(60))
        .await
        .unwrap()
        .expect("free");
    let reply = app.call("/api/retention/sweep", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), serde_json::Value::Null);
}

#[tokio::test]
async fn an_upload_missing_a_chunk_is_gone_not_truncated() {
    let db = fresh_db().await;
    let upload = staged::save(&db, "crm", "a.csv", b"email\n").await.unwrap();
    let chunks = db.collection::<Document>(staged::COLLECTION);
    chunks
        .update_many(doc! { "upload": upload }, doc! { "$set": { "of": 2 } })
        .await
        .unwrap();
    assert!(
        staged::load(&db, upload).await.unwrap().is_none(),
        "a missing chunk"
    );
}

#[tokio::test]
async fn environment_rules_apply_until_saved_and_archiving_without_a_folder_deletes_nothing() {
    let settings = Settings {
        retention: RetentionEnv::from_lookup(&|k| match k {
            "ENRICH_RETENTION_IN_APP_MESSAGES_DAYS" => Some("30".into()),
            "ENRICH_RETENTION_IN_APP_MESSAGES_ARCHIVE" => Some("true".into()),
            "ENRICH_RETENTION_AUDIT_LOG_DAYS" => Some("120".into()),
            _ => None,
        }),
        ..Settings::default()
    };
    let app = TestApp::with_settings(settings.clone()).await;
    app.sign_in_as(Role::Admin).await;
    let old = doc! { "_id": ObjectId::new(), "profile_id": ObjectId::new(), "title": "Hi", "created_at": days_ago(90) };
    insert(&app, "in_app_messages", vec![old]).await;
    ttl::sync_effective(&app.db, &settings.retention)
        .await
        .unwrap();
    assert_eq!(
        ttl_index(&app, "audit").await,
        Some(Some(Duration::from_secs(120 * 86_400))),
        "the environment's rule, as no one saved others"
    );
    assert_eq!(
        ttl_index(&app, "in_app_messages").await,
        None,
        "archiving asked: no TTL index deletes unarchived"
    );
    let summary = app.call("/api/retention/sweep", &[]).await.json();
    assert!(
        summary["error"]
            .as_str()
            .unwrap_or_default()
            .contains("ENRICH_RETENTION_ARCHIVE_DIR"),
        "{summary}"
    );
    assert_eq!(app.count("in_app_messages", doc! {}).await, 1, "kept");
}
