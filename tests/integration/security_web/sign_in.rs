//! Item 5 (sign-in throttling that holds under parallel and spoofed requests, a cap on password
//! hashing, no lock-out of the owner) and item 8 (no redirect off the site after sign-in).
use super::app_with;
use crate::support::{PASSWORD, Reply, TestApp};
use axum::{body::Body, http::Request};
use enrich::{
    model::access::Role,
    server::{auth::settings::AuthSettings, limits::settings::LimitSettings},
};

/// A JSON sign-in as `email` whose `X-Forwarded-For` is `forwarded`.
async fn sign_in_via(app: &TestApp, forwarded: &str, email: &str, password: &str) -> Reply {
    let form = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
    let request = Request::post("/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(form))
        .unwrap();
    app.anonymous().send(request).await
}

#[tokio::test]
async fn item_05_parallel_wrong_passwords_do_not_exceed_the_account_limit() {
    let auth = AuthSettings {
        max_failures_per_account: 3,
        max_concurrent_hashes: 64,
        ..AuthSettings::default()
    };
    let app = app_with(auth, LimitSettings::default()).await;
    let email = app.sign_in_as(Role::Admin).await;
    let visitor = app.anonymous();
    let guesses = (0..12).map(|n| {
        let (visitor, email) = (visitor.anonymous(), email.clone());
        async move { visitor.sign_in(&email, &format!("wrong guess {n}")).await }
    });
    let replies = futures::future::join_all(guesses).await;
    let checked = replies.iter().filter(|r| r.status == 401).count();
    for reply in &replies {
        assert!(
            [401, 429].contains(&reply.status.as_u16()),
            "{}",
            reply.body
        );
    }
    assert!(
        (1..=3).contains(&checked),
        "{checked} of 12 parallel guesses had their password checked; the limit is 3"
    );
}

#[tokio::test]
async fn item_05_a_spoofed_leftmost_forwarded_for_cannot_dodge_the_ip_limit() {
    let auth = AuthSettings {
        trusted_proxies: 1,
        max_failures_per_ip: 3,
        ..AuthSettings::default()
    };
    let app = app_with(auth, LimitSettings::default()).await;
    for n in 0..5 {
        // The client forges the left part; our one proxy appends the address it saw.
        let forwarded = format!("198.51.100.{n}, 203.0.113.9");
        let reply = sign_in_via(&app, &forwarded, &format!("nobody{n}@example.com"), "guess").await;
        let expected = if n < 3 { 401 } else { 429 };
        assert_eq!(reply.status, expected, "attempt {n}: {}", reply.body);
    }
    let other = sign_in_via(&app, "198.51.100.1, 192.0.2.4", "x@example.com", "guess").await;
    assert_eq!(other.status, 401, "another real address is not throttled");
}

#[tokio::test]
async fn item_05_busy_password_hashing_answers_429_with_retry_after() {
    let auth = AuthSettings {
        max_concurrent_hashes: 1,
        ..AuthSettings::default()
    };
    let app = app_with(auth, LimitSettings::default()).await;
    let email = app.sign_in_as(Role::Support).await;
    let held = app
        .state
        .limits
        .hashing
        .clone()
        .try_acquire_owned()
        .unwrap();
    let busy = app.anonymous().sign_in(&email, PASSWORD).await;
    assert_eq!(busy.status, 429, "{}", busy.body);
    assert!(busy.headers.contains_key("retry-after"));
    assert_eq!(busy.json()["limit"], "concurrent_sign_ins");
    drop(held);
    let reply = app.anonymous().sign_in(&email, PASSWORD).await;
    assert_eq!(
        reply.status, 200,
        "a free slot checks the password: {}",
        reply.body
    );
}

#[tokio::test]
async fn item_05_a_correct_password_from_a_clean_ip_works_while_the_account_is_under_attack() {
    let auth = AuthSettings {
        trusted_proxies: 1,
        max_failures_per_account: 3,
        ..AuthSettings::default()
    };
    let app = app_with(auth, LimitSettings::default()).await;
    let email = app.sign_in_as(Role::Admin).await;
    let attacker = "203.0.113.66";
    for _ in 0..3 {
        assert_eq!(
            sign_in_via(&app, attacker, &email, "guess").await.status,
            401
        );
    }
    let locked = sign_in_via(&app, attacker, &email, PASSWORD).await;
    assert_eq!(
        locked.status, 429,
        "the account is locked for the attacker's IP"
    );
    // Policy: a fresh IP gets one attempt at a locked account, then counts as dirty.
    let fresh = "198.51.100.20";
    assert_eq!(sign_in_via(&app, fresh, &email, "guess").await.status, 401);
    assert_eq!(sign_in_via(&app, fresh, &email, "guess").await.status, 429);
    let owner = sign_in_via(&app, "192.0.2.10", &email, PASSWORD).await;
    assert_eq!(
        owner.status, 200,
        "the owner signs in from a clean IP: {}",
        owner.body
    );
    let after = sign_in_via(&app, "192.0.2.10", &email, PASSWORD).await;
    assert_eq!(after.status, 200, "a success clears the account's count");
}

#[tokio::test]
async fn item_08_sign_in_never_redirects_off_site() {
    let app = TestApp::with_db(crate::support::fresh_db().await);
    let email = app.anonymous().sign_in_as(Role::Marketer).await;
    for next in [
        "/\t/evil.example",
        "/%09/evil.example",
        "/\\evil.example",
        "/%2F/evil.example",
    ] {
        let form = [
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", next),
        ];
        let reply = app
            .anonymous()
            .submit_form("/auth/login", &form, "http://enrich.test/login")
            .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.headers["location"], "/", "next={next:?}");
    }
    let form = [
        ("email", email.as_str()),
        ("password", PASSWORD),
        ("next", "/segments?x=1"),
    ];
    let kept = app
        .anonymous()
        .submit_form("/auth/login", &form, "http://enrich.test/login")
        .await;
    assert_eq!(
        kept.headers["location"], "/segments?x=1",
        "a local path is kept"
    );
}
