//! Every route and server fn × every role (and no session): the allowed set, exactly.
//! The expected matrix is written out here by hand, apart from the code that enforces it.
use crate::support::TestApp;
use axum::{body::Body, http::Request};
use enrich::{
    model::access::{ROLES, Role},
    server::{
        auth::policy::{self, Access},
        page_routes,
    },
};
use std::collections::BTreeSet;

/// Who may: `*` everyone (signed in or not), else the initials of the roles allowed
/// (`A`dmin, `M`arketer, a`N`alyst, `S`upport, s`T`eward).
const PAGES: &[(&str, &str)] = &[
    ("/login", "*"),
    ("/forbidden", "AMNST"),
    ("/preferences", "AMNST"),
    ("/", "AMNST"),
    ("/customers", "AMNST"),
    ("/customers/{id}", "AMNST"),
    ("/segments", "AMN"),
    ("/segments/new", "AM"),
    ("/segments/static", "AM"),
    ("/segments/{id}", "AMN"),
    ("/segments/{id}/edit", "AM"),
    ("/campaigns", "AMN"),
    ("/campaigns/new", "AM"),
    ("/campaigns/{id}", "AMN"),
    ("/campaigns/{id}/edit", "AM"),
    ("/campaigns/{id}/launch", "AM"),
    ("/catalog", "AMN"),
    ("/catalog/new", "AM"),
    ("/catalog/import", "AM"),
    ("/catalog/import/{id}", "AMN"),
    ("/catalog/{id}", "AMN"),
    ("/catalog/{id}/edit", "AM"),
    ("/live", "AMNST"),
    ("/settings", "AMNT"),
    ("/settings/import", "AMNT"),
    ("/settings/import/{id}", "AMNT"),
    ("/settings/computed", "AMNT"),
    ("/settings/channels", "AMNT"),
    ("/settings/fields", "AMNT"),
    ("/settings/users", "A"),
    ("/settings/tokens", "A"),
    ("/settings/audit", "A"),
    ("/settings/matching", "AMNT"),
    ("/settings/retention", "AMNT"),
    ("/customers/matches", "AMNST"),
];

const SERVER_FNS: &[(&str, &str)] = &[
    ("auth/me", "*"),
    ("auth/typed-email", "*"),
    ("preferences/save", "AMNST"),
    ("dashboard", "AMNST"),
    ("dashboard/demo", "A"),
    ("demo/start", "A"),
    ("demo/status", "A"),
    ("live/snapshot", "AMNST"),
    ("customers/list", "AMNST"),
    ("customers/add", "AS"),
    ("profiles/get", "AMNST"),
    ("profiles/events", "AMNST"),
    ("profiles/reveal", "S"),
    ("profiles/consent", "AS"),
    ("profiles/unmerge", "AT"),
    ("profiles/delete", "A"),
    ("profiles/segments", "AMN"),
    ("segments/list", "AMN"),
    ("segments/get", "AMN"),
    ("segments/catalog", "AMN"),
    ("segments/preview", "AMN"),
    ("segments/members", "AMN"),
    ("segments/overlap", "AMN"),
    ("segments/save", "AM"),
    ("segments/duplicate", "AM"),
    ("segments/archive", "AM"),
    ("segments/expose", "AM"),
    ("campaigns/list", "AMN"),
    ("campaigns/get", "AMN"),
    ("campaigns/form", "AMN"),
    ("campaigns/results", "AMN"),
    ("campaigns/preview", "AMN"),
    ("campaigns/save", "AM"),
    ("campaigns/launch", "AM"),
    ("campaigns/launch_check", "AM"),
    ("campaigns/retry", "AM"),
    ("campaigns/editor_options", "AMN"),
    ("campaigns/pause", "AM"),
    ("campaigns/resume", "AM"),
    ("campaigns/cancel", "AM"),
    ("profiles/campaigns", "AMN"),
    ("profiles/recommendations", "AMNST"),
    ("catalog/list", "AMN"),
    ("catalog/get", "AMN"),
    ("catalog/form", "AM"),
    ("catalog/save", "AM"),
    ("catalog/imports", "AMN"),
    ("catalog/import", "AMN"),
    ("channels/get", "AMNT"),
    ("channels/save", "A"),
    ("sources/list", "AMNT"),
    ("sources/create", "A"),
    ("sources/issue-key", "A"),
    ("sources/revoke-key", "A"),
    ("sources/issue-server-key", "A"),
    ("sources/revoke-server-key", "A"),
    ("sources/origins", "A"),
    ("computed/list", "AMNT"),
    ("computed/create", "A"),
    ("fields/list", "AMNT"),
    ("fields/classify", "A"),
    ("fields/expose", "A"),
    ("imports/get", "AMNT"),
    ("imports/recent", "AMNT"),
    ("imports/staged", "A"),
    ("users/list", "A"),
    ("users/add", "A"),
    ("users/update", "A"),
    ("tokens/list", "A"),
    ("tokens/create", "A"),
    ("tokens/revoke", "A"),
    ("audit/list", "A"),
    ("retention/get", "AMNT"),
    ("retention/save", "A"),
    ("retention/sweep", "A"),
    ("matching/overview", "AMNT"),
    ("matching/save", "A"),
    ("matching/run", "AT"),
    ("matching/status", "AMNT"),
    ("matching/pairs", "AMNST"),
    ("matching/decide", "AT"),
    ("matching/approve_above", "AT"),
    ("matching/merge", "AT"),
];

const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "*"),
    ("GET", "/metrics", "A"),
    ("*", "/v1/{call}", "*"),
    ("GET", "/v1/openapi.json", "*"),
    ("*", "/v1/personalize", "*"),
    ("*", "/v1/personalize/stream", "*"),
    ("*", "/v1/projects/{write_key}/settings", "*"),
    ("*", "/sourceConfig", "*"),
    ("*", "/sourceConfig/", "*"),
    ("GET", "/analytics.js/v1/{write_key}/analytics.min.js", "*"),
    ("GET", "/demo/shop", "*"),
    ("GET", "/demo/shop/shop.js", "*"),
    ("GET", "/demo/shop/shop.css", "*"),
    ("GET", "/demo/shop/catalog.json", "*"),
    ("GET", "/v1/profiles/{user_id}/messages", "*"),
    ("POST", "/v1/profiles/{user_id}/messages/{id}/read", "*"),
    ("GET", "/v1/links/open/{token}", "*"),
    ("GET", "/v1/links/click/{token}", "*"),
    ("GET", "/v1/links/unsubscribe/{token}", "*"),
    ("POST", "/v1/links/unsubscribe/{token}", "*"),
    ("POST", "/auth/login", "*"),
    ("POST", "/auth/logout", "AMNST"),
    ("GET", "/v1/recommendations/{user_id}", "*"),
    ("POST", "/imports", "A"),
    ("POST", "/catalog/import", "AM"),
    ("GET", "/customers/{id}/export", "A"),
    ("POST", "/segments/static", "AM"),
    ("GET", "/segments/{id}/export", "AMN"),
    ("GET", "/ws/live", "AMNST"),
    ("GET", "/matching/pairs.csv", "AMNST"),
];

fn initial(role: Role) -> char {
    match role {
        Role::Admin => 'A',
        Role::Marketer => 'M',
        Role::Analyst => 'N',
        Role::Support => 'S',
        Role::Steward => 'T',
    }
}

/// Whether `who` (from the tables above) admits `role` (`None`: not signed in).
fn admits(who: &str, role: Option<Role>) -> bool {
    who == "*" || role.is_some_and(|r| who.contains(initial(r)))
}

fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "000000000000000000000000")
        .replace("{call}", "track")
        .replace("{user_id}", "someone")
        .replace("{token}", "bm90LmEudG9rZW4")
        .replace("{write_key}", "wk_none")
}

#[tokio::test]
async fn the_policy_covers_every_page_and_server_fn_exactly() {
    let pages: BTreeSet<String> = page_routes().iter().map(|r| r.path().to_owned()).collect();
    let listed: BTreeSet<String> = PAGES.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(pages, listed, "app routes vs this test's table");
    let policy_pages: BTreeSet<String> =
        policy::PAGES.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(pages, policy_pages, "app routes vs the policy's table");
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches(policy::SERVER_FN_PREFIX).to_owned())
        .collect();
    let listed: BTreeSet<String> = SERVER_FNS.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(
        registered, listed,
        "registered server fns vs this test's table"
    );
}

#[test]
fn the_policy_allows_exactly_the_expected_roles() {
    let roles = std::iter::once(None).chain(ROLES.into_iter().map(Some));
    for role in roles {
        for (path, who) in PAGES {
            let access = policy::required("GET", &concrete(path));
            assert_eq!(
                access.allows(role),
                admits(who, role),
                "page {path} for {role:?}"
            );
        }
        for (endpoint, who) in SERVER_FNS {
            let access = policy::required("POST", &format!("/api/{endpoint}"));
            assert_eq!(
                access.allows(role),
                admits(who, role),
                "server fn {endpoint} for {role:?}"
            );
        }
        for (method, path, who) in ROUTES {
            let access = policy::required(method, &concrete(path));
            assert_eq!(
                access.allows(role),
                admits(who, role),
                "{method} {path} for {role:?}"
            );
        }
    }
    assert_eq!(policy::required("POST", "/api/unknown"), Access::Nobody);
}

#[test]
fn navigation_shows_exactly_the_sections_a_role_may_open() {
    use enrich::{components::nav::SECTIONS, pages::settings::TABS};
    for (href, _, permission) in SECTIONS.iter().chain(TABS.iter()) {
        let (_, who) = PAGES.iter().find(|(p, _)| p == href).unwrap();
        for role in ROLES {
            assert_eq!(
                role.can(*permission),
                admits(who, Some(role)),
                "{href} for {role:?}"
            );
        }
    }
}

/// The guard over real HTTP: refused requests never reach a handler (a GET to a server fn
/// that is let through answers 405, so nothing runs), pages redirect to sign in or to
/// `/forbidden`, API calls answer 401 / 403.
#[tokio::test]
async fn the_guard_enforces_the_matrix_over_http() {
    let admin = TestApp::new().await;
    let mut browsers = vec![(None, admin.anonymous())];
    for role in ROLES {
        browsers.push((Some(role), admin.as_role(role).await));
    }
    for (role, app) in &browsers {
        for (path, who) in PAGES {
            let reply = app.get(&concrete(path)).await;
            let location = reply
                .headers
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let refused = reply.status == 303
                && location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?") || l == "/forbidden");
            assert_eq!(
                !refused,
                admits(who, *role),
                "GET {path} as {role:?}: {} {location:?}",
                reply.status
            );
            if refused {
                let expected = if role.is_some() {
                    "/forbidden"
                } else {
                    "/login?"
                };
                assert!(
                    location.unwrap().starts_with(expected),
                    "{path} as {role:?}"
                );
            }
        }
        for (endpoint, who) in SERVER_FNS {
            let reply = app.get(&format!("/api/{endpoint}")).await;
            let refused = matches!(reply.status.as_u16(), 401 | 403);
            assert_eq!(
                !refused,
                admits(who, *role),
                "/api/{endpoint} as {role:?}: {}",
                reply.status
            );
        }
        // Sign-out would end the session; the tracking and in-app APIs answer 401 themselves
        // without a write key.
        let skipped = [
            "/auth/logout",
            "/v1/{call}",
            "/v1/profiles/{user_id}/messages",
            "/v1/profiles/{user_id}/messages/{id}/read",
            "/v1/recommendations/{user_id}",
            "/v1/personalize",
            "/v1/personalize/stream",
            "/v1/projects/{write_key}/settings",
            "/sourceConfig",
            "/sourceConfig/",
        ];
        for (method, path, who) in ROUTES.iter().filter(|(_, p, _)| !skipped.contains(p)) {
            let request = Request::builder()
                .method(*method)
                .uri(concrete(path))
                .header("accept", "application/json")
                .body(Body::from("x"))
                .unwrap();
            let reply = app.send(request).await;
            let location = reply
                .headers
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let redirected =
                location.is_some_and(|l| l.starts_with("/login?") || l == "/forbidden");
            let refused = matches!(reply.status.as_u16(), 401 | 403) || redirected;
            assert_eq!(
                !refused,
                admits(who, *role),
                "{method} {path} as {role:?}: {}",
                reply.status
            );
        }
    }
}
