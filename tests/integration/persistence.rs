//! The embedded database keeps data (and unique indexes) on disk across restarts.
use enrich::server::db::{self, indexes::ensure_indexes};
use mongodb::bson::{Document, doc, oid::ObjectId};
use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

/// The launcher jar; the test command sets this. Without it the test fails, never skips.
fn jar() -> String {
    std::env::var("ENRICH_MONGO_SERVER_JAR")
        .expect("ENRICH_MONGO_SERVER_JAR is not set: run the tests with `make test`")
}

/// Starts the launcher on a free port with its data in `file`; returns it and its URI.
fn start(file: &Path) -> (Child, String) {
    let mut child = Command::new("java")
        .args(["-jar", &jar(), "--port", "0", "--data"])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("java runs");
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("READY ").map(str::to_owned))
        .expect("the launcher prints READY host:port");
    (child, format!("mongodb://{ready}"))
}

/// SIGTERM (what `make run` sends on Ctrl-C) and wait for the clean exit.
fn stop(mut child: Child) {
    let status = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
}

#[tokio::test]
async fn data_and_unique_indexes_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("enrich-persist-{}", ObjectId::new().to_hex()));
    let file = dir.join("enrich.mv");

    let (server, uri) = start(&file);
    let first = db::connect(&uri, "enrich").await.unwrap();
    ensure_indexes(&first).await.unwrap();
    let profiles = first.collection::<Document>("profiles");
    profiles
        .insert_one(doc! { "name": "Kept", "email": "kept@example.com" })
        .await
        .unwrap();
    stop(server);

    let (server, uri) = start(&file);
    let again = db::connect(&uri, "enrich").await.unwrap();
    let profiles = again.collection::<Document>("profiles");
    let kept = profiles
        .find_one(doc! { "email": "kept@example.com" })
        .await
        .unwrap();
    let duplicate = profiles
        .insert_one(doc! { "name": "Dup", "email": "kept@example.com" })
        .await;
    stop(server);
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(
        kept.expect("the profile survived the restart")
            .get_str("name")
            .unwrap(),
        "Kept"
    );
    let err = duplicate.expect_err("the unique email index survived the restart");
    assert!(db::profiles::is_duplicate_key(&err), "{err}");
}
