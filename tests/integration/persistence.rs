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

/// A running launcher, stopped with SIGTERM when dropped (also when a test panics).
pub struct Server {
    child: Child,
    /// `mongodb://host:port`.
    pub uri: String,
}

impl Server {
    /// Starts the launcher on a free port with its data in `file`.
    fn start(file: &Path) -> Self {
        let data = file.to_str().expect("a UTF-8 path");
        Self::launch(
            &["--port", "0", "--data", data],
            &file.with_extension("log"),
        )
    }

    /// Starts the launcher with `args`, its log in `log`.
    pub fn launch(args: &[&str], log: &Path) -> Self {
        let log = std::fs::File::create(log).unwrap();
        let mut child = Command::new("java")
            .args(["-jar", &jar()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("java runs");
        let stdout = child.stdout.take().unwrap();
        let ready = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("READY ").map(str::to_owned));
        let uri = format!(
            "mongodb://{}",
            ready.expect("the launcher prints READY host:port")
        );
        Self { child, uri }
    }
}

impl Server {
    /// SIGKILL: the process dies mid-whatever, as in a crash or an OOM kill.
    fn crash(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    /// SIGTERM (what `make run` sends on Ctrl-C), then wait for the clean exit.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn data_and_unique_indexes_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("enrich-persist-{}", ObjectId::new().to_hex()));
    let file = dir.join("enrich.mv");

    std::fs::create_dir_all(&dir).unwrap();

    let server = Server::start(&file);
    let first = db::connect(&server.uri, "enrich").await.unwrap();
    ensure_indexes(&first).await.unwrap();
    let sources = first.collection::<Document>("sources");
    sources.insert_one(doc! { "name": "kept" }).await.unwrap();
    drop(server);

    let server = Server::start(&file);
    let again = db::connect(&server.uri, "enrich").await.unwrap();
    let sources = again.collection::<Document>("sources");
    let kept = sources.find_one(doc! { "name": "kept" }).await.unwrap();
    let duplicate = sources.insert_one(doc! { "name": "kept" }).await;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(
        kept.expect("the source survived the restart")
            .get_str("name")
            .unwrap(),
        "kept"
    );
    let err = duplicate.expect_err("the unique name index survived the restart");
    assert!(db::is_duplicate_key(&err), "{err}");
}

#[tokio::test]
async fn acknowledged_events_survive_a_database_crash() {
    use crate::support::TestApp;
    use serde_json::json;
    let dir = std::env::temp_dir().join(format!("enrich-crash-{}", ObjectId::new().to_hex()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("enrich.mv");
    let server = Server::start(&file);
    let db = db::connect(&server.uri, "enrich").await.unwrap();
    ensure_indexes(&db).await.unwrap();
    let app = TestApp::with_db(db);
    let key = app.write_key("web").await;
    const SENT: usize = 60;
    for n in 0..SENT {
        let body = json!({"userId": "u1", "event": "Clicked", "messageId": format!("m{n}")});
        let reply = app.track("/v1/track", &key, &body).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    server.crash();

    let server = Server::start(&file);
    let db = db::connect(&server.uri, "enrich").await.unwrap();
    let events = db
        .collection::<Document>("events")
        .count_documents(doc! {})
        .await
        .unwrap();
    let profile = db
        .collection::<Document>("profiles")
        .find_one(doc! {})
        .await
        .unwrap()
        .expect("the profile survived");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(events, SENT as u64, "every acknowledged event is on disk");
    let counters = profile.get_array("counters").unwrap();
    let total = counters[0].as_document().unwrap().get_i64("total").unwrap();
    assert_eq!(total, SENT as i64, "and so is every profile update");
}
