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
struct Server {
    child: Child,
    uri: String,
}

impl Server {
    /// Starts the launcher on a free port with its data in `file`.
    fn start(file: &Path) -> Self {
        let log = std::fs::File::create(file.with_extension("log")).unwrap();
        let mut child = Command::new("java")
            .args(["-jar", &jar(), "--port", "0", "--data"])
            .arg(file)
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

impl Drop for Server {
    /// SIGTERM (what `make run` sends on Ctrl-C), then wait for the clean exit.
    fn drop(&mut self) {
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
