//! A fresh database and the app's router for each test.
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, HeaderValue, Method, Request, StatusCode},
};
use enrich::{
    model::access::Role,
    server::{
        self, AppState,
        auth::users,
        db::{self, users::Users},
        privacy::keyring,
    },
};
use http_body_util::BodyExt;
use leptos::prelude::{LeptosOptions, get_configuration};
use mongodb::{Database, bson::oid::ObjectId};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use tower::ServiceExt;

/// The test server's URI; the test command sets it. Without it the tests fail, never skip.
pub fn mongodb_uri() -> String {
    std::env::var("ENRICH_TEST_MONGODB_URI").expect(
        "ENRICH_TEST_MONGODB_URI is not set: run the tests with `make test`, which starts the \
         database, or point it at a MongoDB server you own",
    )
}

/// The app wired to a database no other test uses, with its own cookie jar (one session).
#[derive(Clone)]
pub struct TestApp {
    pub db: Database,
    /// The state the router serves (segments engine, live hub, …).
    pub state: AppState,
    pub router: Router,
    /// The session cookie (`enrich.sid=…`), as the server last set it.
    pub cookie: Arc<Mutex<Option<String>>>,
}

/// The password of every user tests create.
pub const PASSWORD: &str = "correct horse battery staple";
/// The host tests address the app as (CSRF checks compare it with `Origin`).
pub const HOST: &str = "enrich.test";

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

/// The state over `db` under `settings`, with a fresh key ring (not started).
pub fn keyring_state(db: &Database, settings: &enrich::server::config::Settings) -> AppState {
    AppState::new(leptos_options(), db.clone(), settings, keyring::generate())
}

impl TestApp {
    /// A fresh database, signed in as an admin.
    pub async fn new() -> Self {
        let app = Self::with_db(fresh_db().await);
        app.sign_in_as(Role::Admin).await;
        app
    }

    /// The app on `db` as given (no indexes created), not signed in.
    pub fn with_db(db: Database) -> Self {
        Self::from_state(AppState::new(
            leptos_options(),
            db,
            &Default::default(),
            keyring::generate(),
        ))
    }

    /// A fresh database under `settings`, not signed in.
    pub async fn with_settings(settings: enrich::server::config::Settings) -> Self {
        Self::from_state(AppState::new(
            leptos_options(),
            fresh_db().await,
            &settings,
            keyring::generate(),
        ))
    }

    /// The app over `state`, not signed in.
    pub fn from_state(state: AppState) -> Self {
        state.start();
        Self {
            db: state.db.clone(),
            router: server::router(state.clone()),
            state,
            cookie: Arc::default(),
        }
    }

    /// The same app and database with an empty cookie jar (a second browser).
    pub fn anonymous(&self) -> Self {
        Self {
            cookie: Arc::default(),
            ..self.clone()
        }
    }

    /// A second browser signed in as a new user with `role`.
    pub async fn as_role(&self, role: Role) -> Self {
        let other = self.anonymous();
        other.sign_in_as(role).await;
        other
    }

    /// Adds a user with `role` and signs this jar in as them; returns the email.
    pub async fn sign_in_as(&self, role: Role) -> String {
        let email = format!("{}-{}@example.com", role.as_str(), ObjectId::new().to_hex());
        users::add(&Users::new(&self.db), &email, role, PASSWORD)
            .await
            .unwrap();
        let reply = self.sign_in(&email, PASSWORD).await;
        assert_eq!(reply.status, 200, "sign-in as {email}: {}", reply.body);
        email
    }

    /// Posts the sign-in form as a JSON client.
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        let form = [("email", email), ("password", password)];
        self.send(
            form_request("/auth/login")
                .header("accept", "application/json")
                .body(body(&form))
                .unwrap(),
        )
        .await
    }

    /// Sends `request` with this jar's cookie, our Host and, for writes, our Origin (as a
    /// browser on the app's own page would), unless the request sets them itself.
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        let headers = request.headers_mut();
        headers
            .entry("host")
            .or_insert(HeaderValue::from_static(HOST));
        if request.method() != Method::GET {
            let origin = HeaderValue::from_str(&format!("http://{HOST}")).unwrap();
            request.headers_mut().entry("origin").or_insert(origin);
        }
        let jar = self.cookie.lock().unwrap().clone();
        if let Some(cookie) = jar {
            request
                .headers_mut()
                .entry("cookie")
                .or_insert(HeaderValue::from_str(&cookie).unwrap());
        }
        self.send_raw(request).await
    }

    /// Sends `request` exactly as given; keeps any session cookie the server sets.
    pub async fn send_raw(&self, request: Request<Body>) -> Reply {
        let what = format!("{} {}", request.method(), request.uri());
        // A request that never answers fails its test here, naming itself, instead of hanging.
        let response = tokio::time::timeout(
            Duration::from_secs(60),
            self.router.clone().oneshot(request),
        )
        .await
        .unwrap_or_else(|_| panic!("no answer to {what} within 60 s"))
        .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        self.keep_cookie(&headers);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn keep_cookie(&self, headers: &HeaderMap) {
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap_or_default();
            let Some(pair) = set.split(';').next() else {
                continue;
            };
            if let Some(value) = pair.strip_prefix("enrich.sid=") {
                let gone = value.is_empty() || set.contains("Max-Age=0");
                *self.cookie.lock().unwrap() = (!gone).then(|| pair.to_owned());
            }
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

    /// Creates an API source named `name` and returns a fresh server key for it (reads any
    /// person's messages and recommendations, sent as `Authorization: Bearer`).
    pub async fn server_key(&self, name: &str) -> String {
        use enrich::{model::source::SourceKind, server::db::sources::Sources};
        let sources = Sources::new(&self.db);
        let source = sources.get_or_create(name, SourceKind::Api).await.unwrap();
        sources.server_keys().issue(&source).await.unwrap().key
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

    /// Waits until the background work tracking requests queued (learning from product
    /// events, ranking recommendations) is done.
    pub async fn settle(&self) {
        enrich::server::products::recommend::worker::drain(&self.state.ingest.graph)
            .await
            .expect("the recommendation queue drains");
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
