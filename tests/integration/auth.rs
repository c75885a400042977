//! Sign-in, sessions (rotation, logout, idle and absolute expiry, cookie flags), CSRF,
//! throttling per account and per IP, users and roles, and the audit trail of all of it.
use crate::support::{PASSWORD, TestApp, fresh_db, mongodb_uri};
use axum::{body::Body, http::Request};
use enrich::{
    model::access::Role,
    server::{auth::settings::AuthSettings, config::Settings},
};
use mongodb::bson::{doc, oid::ObjectId};
use std::time::Duration;

fn settings(auth: AuthSettings) -> Settings {
    Settings {
        auth,
        ..Settings::default()
    }
}

fn cookie_of(app: &TestApp) -> String {
    app.cookie
        .lock()
        .unwrap()
        .clone()
        .expect("a session cookie")
}

async fn is_signed_in(app: &TestApp) -> bool {
    app.call("/api/auth/me", &[]).await.json() != serde_json::Value::Null
}

#[tokio::test]
async fn sign_in_rotates_the_session_id_and_sign_out_ends_it() {
    let app = TestApp::new().await;
    let first = cookie_of(&app);
    let email = app.sign_in_as(Role::Analyst).await;
    let second = cookie_of(&app);
    assert_ne!(first, second, "a new session id at every sign-in");
    let stale = app.anonymous();
    *stale.cookie.lock().unwrap() = Some(first);
    assert!(!is_signed_in(&stale).await, "the old id is dead");
    let me = app.call("/api/auth/me", &[]).await.json();
    assert_eq!(me["email"], email.as_str());
    assert_eq!(me["role"], "analyst");
    let out = app
        .send(Request::post("/auth/logout").body(Body::empty()).unwrap())
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.headers["location"], "/login");
    let reused = app.anonymous();
    *reused.cookie.lock().unwrap() = Some(second);
    assert!(
        !is_signed_in(&reused).await,
        "signed-out ids do not come back"
    );
    assert_eq!(app.count("audit", doc! { "action": "sign_out" }).await, 1);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_and_secure_over_https() {
    let plain = TestApp::with_settings(Settings::default()).await;
    let email = plain.sign_in_as(Role::Admin).await;
    let reply = plain.sign_in(&email, PASSWORD).await;
    let cookie = reply.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");
    let https = TestApp::with_settings(settings(AuthSettings {
        public_url: Some("https://enrich.test".into()),
        ..AuthSettings::default()
    }))
    .await;
    let email = "https-admin@example.com";
    let users = enrich::server::db::users::Users::new(&https.db);
    enrich::server::auth::users::add(&users, email, Role::Admin, PASSWORD)
        .await
        .unwrap();
    let mut request = Request::post("/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("origin", "https://enrich.test")
        .body(Body::from(format!(
            "email={email}&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    request
        .headers_mut()
        .insert("host", "enrich.test".parse().unwrap());
    let reply = https.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn idle_sessions_end() {
    let app = TestApp::with_settings(settings(AuthSettings {
        session_idle: Duration::from_secs(1),
        ..AuthSettings::default()
    }))
    .await;
    app.sign_in_as(Role::Admin).await;
    assert!(is_signed_in(&app).await);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!is_signed_in(&app).await, "idle beyond the limit");
    let page = app.get("/customers").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.headers["location"], "/login?next=%2Fcustomers");
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime_however_active() {
    let app = TestApp::with_settings(settings(AuthSettings {
        session_max: Duration::from_secs(2),
        ..AuthSettings::default()
    }))
    .await;
    app.sign_in_as(Role::Admin).await;
    let signed_in = std::time::Instant::now();
    // Active all along (well inside the idle limit), checked only while surely within the
    // lifetime, so a slow machine cannot make this flaky.
    while signed_in.elapsed() < Duration::from_millis(1500) {
        assert!(is_signed_in(&app).await, "active within the lifetime");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(2100).saturating_sub(signed_in.elapsed())).await;
    assert!(!is_signed_in(&app).await, "ended after the lifetime");
}

#[tokio::test]
async fn wrong_passwords_are_refused_audited_and_throttled_per_account() {
    let app = TestApp::with_settings(settings(AuthSettings {
        max_failures_per_account: 3,
        ..AuthSettings::default()
    }))
    .await;
    let email = app.sign_in_as(Role::Support).await;
    let visitor = app.anonymous();
    for _ in 0..3 {
        let reply = visitor.sign_in(&email, "wrong password here").await;
        assert_eq!(reply.status, 401, "{}", reply.body);
    }
    let throttled = visitor.sign_in(&email, PASSWORD).await;
    assert_eq!(throttled.status, 429, "even the right password waits");
    let wait: u64 = throttled.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=901).contains(&wait), "about 15 minutes: {wait}");
    assert_eq!(
        app.count(
            "audit",
            doc! { "action": "sign_in.failed", "actor": &email }
        )
        .await,
        3
    );
    assert_eq!(
        app.count("audit", doc! { "action": "sign_in.throttled" })
            .await,
        1
    );
    // The browser form gets the message on the sign-in page.
    let form = visitor
        .submit_form(
            "/auth/login",
            &[("email", &email), ("password", PASSWORD)],
            "http://enrich.test/login",
        )
        .await;
    let location = form.headers["location"].to_str().unwrap();
    assert!(
        location.starts_with("/login?error=throttled&wait="),
        "{location}"
    );
    let page = visitor.get(location).await;
    assert!(
        page.body
            .contains("Too many failed sign-ins. Try again in 15 minutes."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn throttling_per_ip_spans_accounts_and_spares_other_ips() {
    let app = TestApp::with_settings(settings(AuthSettings {
        trust_proxy: true,
        max_failures_per_ip: 4,
        ..AuthSettings::default()
    }))
    .await;
    let email = app.sign_in_as(Role::Analyst).await;
    let from = |ip: &'static str, who: String, password: &'static str| {
        Request::post("/auth/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("x-forwarded-for", ip)
            .body(Body::from(
                serde_urlencoded::to_string([("email", who.as_str()), ("password", password)])
                    .unwrap(),
            ))
            .unwrap()
    };
    for n in 0..4 {
        let reply = app
            .anonymous()
            .send(from(
                "203.0.113.9",
                format!("nobody{n}@example.com"),
                "guess guess guess",
            ))
            .await;
        assert_eq!(reply.status, 401);
    }
    let blocked = app
        .anonymous()
        .send(from("203.0.113.9", email.clone(), PASSWORD))
        .await;
    assert_eq!(blocked.status, 429, "a spray from one IP is stopped");
    let other = app
        .anonymous()
        .send(from("198.51.100.7", email, PASSWORD))
        .await;
    assert_eq!(other.status, 200, "another IP is not: {}", other.body);
    let ip = app
        .db
        .collection::<mongodb::bson::Document>("audit")
        .find_one(doc! { "action": "sign_in.failed" })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ip.get_str("ip").unwrap(),
        "203.0.113.9",
        "audit says from where"
    );
}

#[tokio::test]
async fn unknown_and_disabled_accounts_cannot_sign_in_and_disabled_sessions_end() {
    let admin = TestApp::new().await;
    let visitor = admin.anonymous();
    assert_eq!(
        visitor.sign_in("nobody@example.com", PASSWORD).await.status,
        401
    );
    let support = admin.as_role(Role::Support).await;
    let me = support.call("/api/auth/me", &[]).await.json();
    let id = me["id"].as_str().unwrap().to_owned();
    let reply = admin
        .call(
            "/api/users/update",
            &[("id", &id), ("role", "support"), ("disabled", "true")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let audited = doc! { "action": "user.update", "target": &id };
    assert_eq!(
        admin.count("audit", audited).await,
        1,
        "the change is audited"
    );
    assert!(
        !is_signed_in(&support).await,
        "a disabled user's session ends"
    );
    let email = me["email"].as_str().unwrap();
    assert_eq!(visitor.sign_in(email, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn state_changing_requests_from_other_sites_are_refused() {
    let app = TestApp::new().await;
    let forged = |origin: Option<&str>| {
        let mut request = Request::post("/api/customers/add")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("host", "enrich.test");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request
            .body(Body::from("name=Eve&email=eve%40example.com"))
            .unwrap()
    };
    for origin in [Some("http://evil.test"), Some("null"), None] {
        let mut request = forged(origin);
        let jar = app.cookie.lock().unwrap().clone().unwrap();
        request.headers_mut().insert("cookie", jar.parse().unwrap());
        let reply = app.send_raw(request).await;
        assert_eq!(reply.status, 403, "{origin:?}: {}", reply.body);
        assert_eq!(reply.json()["error"], "cross_site");
    }
    assert_eq!(
        app.count("profiles", doc! {}).await,
        0,
        "nothing was written"
    );
    let same = app.send(forged(Some("http://enrich.test"))).await;
    assert_eq!(same.status, 200, "{}", same.body);
}

#[tokio::test]
async fn admins_manage_users_and_the_last_admin_stays() {
    let admin = TestApp::new().await;
    let added = admin
        .call(
            "/api/users/add",
            &[
                ("email", "New.Person@Example.com"),
                ("role", "marketer"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(added.status, 400);
    assert_eq!(added.json()["field"], "password");
    let added = admin
        .call(
            "/api/users/add",
            &[
                ("email", "New.Person@Example.com"),
                ("role", "marketer"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json()["email"], "new.person@example.com");
    let again = admin
        .call(
            "/api/users/add",
            &[
                ("email", "new.person@example.com"),
                ("role", "analyst"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    let marketer = admin.anonymous();
    assert_eq!(
        marketer
            .sign_in("new.person@example.com", PASSWORD)
            .await
            .status,
        200
    );
    let me = admin.call("/api/auth/me", &[]).await.json();
    let demote = admin
        .call(
            "/api/users/update",
            &[("id", me["id"].as_str().unwrap()), ("role", "analyst")],
        )
        .await;
    assert_eq!(demote.status, 400, "{}", demote.body);
    assert_eq!(demote.json()["field"], "role");
    let stored = admin
        .db
        .collection::<mongodb::bson::Document>("users")
        .find_one(doc! { "email": "new.person@example.com" })
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .get_str("password_hash")
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert_eq!(admin.count("audit", doc! { "action": "user.add" }).await, 1);
}

#[tokio::test]
async fn the_audit_log_filters_and_pages_and_holds_no_passwords() {
    let admin = TestApp::new().await;
    let visitor = admin.anonymous();
    for n in 0..55 {
        visitor
            .sign_in(&format!("someone{n}@example.com"), "not the password")
            .await;
    }
    let first = admin
        .call("/api/audit/list", &[("action", "sign_in.failed")])
        .await
        .json();
    let entries = first["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 50);
    assert!(entries.iter().all(|e| e["action"] == "sign_in.failed"));
    let before = first["next"].as_str().unwrap();
    let second = admin
        .call(
            "/api/audit/list",
            &[("action", "sign_in.failed"), ("before", before)],
        )
        .await
        .json();
    assert_eq!(second["entries"].as_array().unwrap().len(), 5);
    assert!(second["next"].is_null());
    let everything = admin.call("/api/audit/list", &[]).await.body;
    assert!(!everything.contains("not the password"));
    let page = admin.get("/settings/audit?action=sign_in.failed").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("someone54@example.com") && page.body.contains("Older entries"));
}

#[tokio::test]
async fn the_first_admin_comes_from_the_command_line() {
    use std::io::Write;
    let database = format!("test_{}", ObjectId::new().to_hex());
    let dir = std::env::temp_dir().join(format!("enrich-cli-{}", ObjectId::new().to_hex()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_enrich"))
        .args([
            "user",
            "add",
            "--email",
            "Root@Example.com",
            "--role",
            "admin",
        ])
        .env("MONGODB_URI", mongodb_uri())
        .env("ENRICH_DB", &database)
        .env("ENRICH_FIELD_KEYS_FILE", dir.join("keys.txt"))
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("added root@example.com as admin"));
    let db = fresh_db().await.client().database(&database);
    let app = TestApp::with_db(db);
    assert_eq!(app.sign_in("root@example.com", PASSWORD).await.status, 200);
    assert_eq!(
        app.count("audit", doc! { "action": "user.add", "actor": "system" })
            .await,
        1
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The audit entries for `action`, oldest first: (target, detail).
async fn audited(app: &TestApp, action: &str) -> Vec<(String, String)> {
    use futures::TryStreamExt;
    let entries: Vec<mongodb::bson::Document> = app
        .db
        .collection("audit")
        .find(doc! { "action": action })
        .sort(doc! { "_id": 1 })
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let text = |e: &mongodb::bson::Document, key| e.get_str(key).unwrap_or_default().to_owned();
    entries
        .iter()
        .inspect(|e| assert!(e.get_str("actor").unwrap().starts_with("admin-")))
        .map(|e| (text(e, "target"), text(e, "detail")))
        .collect()
}

#[tokio::test]
async fn sources_write_keys_imports_and_computed_traits_are_audited_without_the_keys() {
    let admin = TestApp::new().await;
    let created = admin.call("/api/sources/create", &[("name", "shop")]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let first_key = created.json()["key"].as_str().unwrap().to_owned();
    let sources = admin.call("/api/sources/list", &[]).await.json();
    let source = &sources["sources"][0];
    let source_id = source["id"].as_str().unwrap();
    assert_eq!(
        audited(&admin, "source.create").await,
        [(source_id.to_owned(), "name shop".to_owned())]
    );
    let again = admin
        .call("/api/sources/issue-key", &[("source_id", source_id)])
        .await;
    let second_key = again.json()["key"].as_str().unwrap().to_owned();
    let keys = audited(&admin, "write_key.create").await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|(target, _)| target == source_id));
    assert!(keys[0].1.starts_with("key wk_") && first_key.starts_with(&keys[0].1[4..13]));
    let key_id = source["keys"][0]["id"].as_str().unwrap();
    let revoked = admin
        .call("/api/sources/revoke-key", &[("key_id", key_id)])
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(
        audited(&admin, "write_key.revoke").await,
        [(key_id.to_owned(), String::new())]
    );
    let form = [
        ("name", "orders"),
        ("event", "Order Completed"),
        ("aggregate", "count"),
        ("property", ""),
        ("within_days", ""),
    ];
    assert_eq!(admin.call("/api/computed/create", &form).await.status, 200);
    assert_eq!(
        audited(&admin, "computed.create").await,
        [("orders".to_owned(), "Order Completed".to_owned())]
    );
    let fields = [
        ("source", None, "crm"),
        ("mapping", None, "[columns]\nid = \"user_id\"\n"),
        ("file", Some("people.csv"), "id\nu1\n"),
    ];
    let (content_type, body) = crate::imports::multipart(&fields);
    let request = Request::post("/imports")
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    let import = admin.send(request).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        audited(&admin, "import.start").await,
        [(import, "source crm, file people.csv".to_owned())]
    );
    let everything = format!("{:?}", admin.call("/api/audit/list", &[]).await.body);
    assert!(!everything.contains(&first_key) && !everything.contains(&second_key));
}

#[tokio::test]
async fn the_first_admin_comes_from_the_environment_only_while_there_are_no_users() {
    use enrich::server::{auth::users::bootstrap_admin, db::users::Users};
    let app = TestApp::with_db(fresh_db().await);
    let users = Users::new(&app.db);
    let (email, password) = (
        Some("first@example.com".to_owned()),
        Some(PASSWORD.to_owned()),
    );
    assert!(
        !bootstrap_admin(&users, None, password.clone())
            .await
            .unwrap()
    );
    assert!(
        bootstrap_admin(&users, email.clone(), password.clone())
            .await
            .unwrap()
    );
    assert_eq!(app.sign_in("first@example.com", PASSWORD).await.status, 200);
    assert_eq!(app.call("/api/auth/me", &[]).await.json()["role"], "admin");
    let again = Some("second@example.com".to_owned());
    assert!(!bootstrap_admin(&users, again, password).await.unwrap());
    assert_eq!(
        app.count("users", doc! {}).await,
        1,
        "never a second bootstrap"
    );
}
