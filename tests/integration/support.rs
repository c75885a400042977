//! A fresh database and the app's router for each test.
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode},
};
use enrich::server::{self, AppState, db};
use http_body_util::BodyExt;
use leptos::prelude::{LeptosOptions, get_configuration};
use mongodb::{Database, bson::oid::ObjectId};
use tower::ServiceExt;

/// The test server's URI; the test command sets it. Without it the tests fail, never skip.
pub fn mongodb_uri() -> String {
    std::env::var("ENRICH_TEST_MONGODB_URI").expect(
        "ENRICH_TEST_MONGODB_URI is not set: run the tests with `make test`, which starts the \
         database, or point it at a MongoDB server you own",
    )
}

/// The app wired to a database no other test uses.
pub struct TestApp {
    pub db: Database,
    pub router: Router,
}

/// A response read to the end.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn leptos_options() -> LeptosOptions {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml");
    get_configuration(Some(path)).unwrap().leptos_options
}

/// Connects to the test server with a fresh database name and creates the indexes.
pub async fn fresh_db() -> Database {
    let name = format!("test_{}", ObjectId::new().to_hex());
    let db = db::connect(&mongodb_uri(), &name)
        .await
        .expect("the test database must be reachable");
    db::indexes::ensure_indexes(&db).await.unwrap();
    db
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_db(fresh_db().await)
    }

    /// The app on `db` as given (no indexes created).
    pub fn with_db(db: Database) -> Self {
        let state = AppState::new(leptos_options(), db.clone(), &Default::default());
        let router = server::router(state);
        Self { db, router }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// Calls a server fn the way the hydrated front end does (form-encoded in, JSON out).
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(
            form_request(path)
                .header("accept", "application/json")
                .body(body(form))
                .unwrap(),
        )
        .await
    }

    /// Submits a form the way a browser without JavaScript does.
    pub async fn submit_form(&self, path: &str, form: &[(&str, &str)], referer: &str) -> Reply {
        let request = form_request(path)
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", referer)
            .body(body(form))
            .unwrap();
        self.send(request).await
    }
}

fn form_request(path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
}

fn body(form: &[(&str, &str)]) -> Body {
    Body::from(serde_urlencoded::to_string(form).unwrap())
}

/// Basic auth the way Segment SDKs send it: the write key as user name, no password.
pub fn basic_auth(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

impl TestApp {
    /// Creates an API source named `name` and returns a fresh write key for it.
    pub async fn write_key(&self, name: &str) -> String {
        use enrich::{model::source::SourceKind, server::db::sources::Sources};
        let sources = Sources::new(&self.db);
        let source = sources.get_or_create(name, SourceKind::Api).await.unwrap();
        sources.issue_key(&source).await.unwrap().key
    }

    /// Posts `body` as JSON to a tracking endpoint with `key`.
    pub async fn track(&self, path: &str, key: &str, body: &serde_json::Value) -> Reply {
        self.send(
            Request::post(path)
                .header("authorization", basic_auth(key))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Counts documents of `collection` matching `filter`.
    pub async fn count(&self, collection: &str, filter: mongodb::bson::Document) -> u64 {
        self.db
            .collection::<mongodb::bson::Document>(collection)
            .count_documents(filter)
            .await
            .unwrap()
    }

    /// The live profiles, oldest first.
    pub async fn live_profiles(&self) -> Vec<enrich::server::db::profiles::ProfileDoc> {
        use futures::TryStreamExt;
        self.db
            .collection::<enrich::server::db::profiles::ProfileDoc>("profiles")
            .find(mongodb::bson::doc! { "status": "live" })
            .sort(mongodb::bson::doc! { "created_at": 1, "_id": 1 })
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap()
    }
}
