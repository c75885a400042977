//! The one table that says who may reach each route: every page, server fn and HTTP route.
//! The guard middleware consults it for every request; a test checks it covers every route.
use crate::model::access::{MARKETING_DATA, Permission, Role, SessionUser};

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health, static assets, the write-key tracking API).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user whose role has this permission.
    Needs(Permission),
    /// Nobody: an `/api/` path no server fn serves.
    Nobody,
}

/// The verdict for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go on.
    Allow,
    /// Sign in first.
    SignIn,
    /// Signed in, but the role does not allow it.
    Forbidden,
}

impl Access {
    /// Whether `user` (or nobody signed in) may go on, and if not, why.
    pub fn decide(self, user: Option<&SessionUser>) -> Verdict {
        match (self.allows(user.map(|u| u.role)), user) {
            (true, _) => Verdict::Allow,
            (false, None) if self != Access::Nobody => Verdict::SignIn,
            (false, _) => Verdict::Forbidden,
        }
    }

    /// Whether `role` may reach a route with this access (`None`: not signed in).
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (Access::Nobody, _) | (_, None) => false,
            (Access::SignedIn, Some(_)) => true,
            (Access::Needs(p), Some(r)) => r.can(p),
        }
    }
}

use Access::{Needs, Public, SignedIn};
use Permission as P;

/// Page routes (GET), as declared in `app.rs`.
pub const PAGES: &[(&str, Access)] = &[
    ("/login", Public),
    ("/forbidden", SignedIn),
    ("/preferences", SignedIn),
    ("/", Needs(P::ViewDashboard)),
    ("/customers", Needs(P::ViewCustomers)),
    ("/customers/{id}", Needs(P::ViewCustomers)),
    ("/segments", Needs(P::ViewMarketing)),
    ("/segments/new", Needs(P::EditMarketing)),
    ("/segments/static", Needs(P::EditMarketing)),
    ("/segments/{id}", Needs(P::ViewMarketing)),
    ("/segments/{id}/edit", Needs(P::EditMarketing)),
    ("/campaigns", Needs(P::ViewMarketing)),
    ("/campaigns/new", Needs(P::EditMarketing)),
    ("/campaigns/{id}", Needs(P::ViewMarketing)),
    ("/campaigns/{id}/edit", Needs(P::EditMarketing)),
    ("/campaigns/{id}/launch", Needs(P::EditMarketing)),
    ("/catalog", Needs(P::ViewMarketing)),
    ("/catalog/new", Needs(P::EditMarketing)),
    ("/catalog/import", Needs(P::EditMarketing)),
    ("/catalog/import/{id}", Needs(P::ViewMarketing)),
    ("/catalog/{id}", Needs(P::ViewMarketing)),
    ("/catalog/{id}/edit", Needs(P::EditMarketing)),
    ("/live", Needs(P::ViewDashboard)),
    ("/settings", Needs(P::ViewSettings)),
    ("/settings/import", Needs(P::ViewSettings)),
    ("/settings/import/{id}", Needs(P::ViewSettings)),
    ("/settings/computed", Needs(P::ViewSettings)),
    ("/settings/channels", Needs(P::ViewSettings)),
    ("/settings/fields", Needs(P::ViewSettings)),
    ("/settings/users", Needs(P::ManageUsers)),
    ("/settings/tokens", Needs(P::ManageUsers)),
    ("/settings/audit", Needs(P::ViewAudit)),
    ("/settings/retention", Needs(P::ViewSettings)),
    ("/settings/matching", Needs(P::ViewSettings)),
    ("/customers/matches", Needs(P::ViewCustomers)),
];

/// Server fns, by endpoint (served under `/api/`).
pub const SERVER_FNS: &[(&str, Access)] = &[
    ("auth/me", Public),
    ("preferences/save", SignedIn),
    ("auth/typed-email", Public),
    ("dashboard", Needs(P::ViewDashboard)),
    ("dashboard/demo", Needs(P::ManageData)),
    ("demo/start", Needs(P::ManageData)),
    ("demo/status", Needs(P::ManageData)),
    ("live/snapshot", Needs(P::ViewDashboard)),
    ("customers/list", Needs(P::ViewCustomers)),
    ("customers/add", Needs(P::AddCustomers)),
    ("profiles/get", Needs(P::ViewCustomers)),
    ("profiles/events", Needs(P::ViewCustomers)),
    ("profiles/reveal", Needs(P::RevealPii)),
    ("profiles/consent", Needs(P::EditConsent)),
    ("profiles/unmerge", Needs(P::Unmerge)),
    ("profiles/delete", Needs(P::DeleteCustomers)),
    ("profiles/segments", Needs(MARKETING_DATA)),
    ("segments/list", Needs(P::ViewMarketing)),
    ("segments/get", Needs(P::ViewMarketing)),
    ("segments/catalog", Needs(P::ViewMarketing)),
    ("segments/preview", Needs(P::ViewMarketing)),
    ("segments/members", Needs(P::ViewMarketing)),
    ("segments/overlap", Needs(P::ViewMarketing)),
    ("segments/save", Needs(P::EditMarketing)),
    ("segments/duplicate", Needs(P::EditMarketing)),
    ("segments/archive", Needs(P::EditMarketing)),
    ("segments/expose", Needs(P::EditMarketing)),
    ("campaigns/list", Needs(P::ViewMarketing)),
    ("campaigns/get", Needs(P::ViewMarketing)),
    ("campaigns/form", Needs(P::ViewMarketing)),
    ("campaigns/results", Needs(P::ViewMarketing)),
    ("campaigns/preview", Needs(P::ViewMarketing)),
    ("campaigns/save", Needs(P::EditMarketing)),
    ("campaigns/launch", Needs(P::EditMarketing)),
    ("campaigns/pause", Needs(P::EditMarketing)),
    ("campaigns/resume", Needs(P::EditMarketing)),
    ("campaigns/cancel", Needs(P::EditMarketing)),
    ("campaigns/launch_check", Needs(P::EditMarketing)),
    ("campaigns/retry", Needs(P::EditMarketing)),
    ("campaigns/editor_options", Needs(P::ViewMarketing)),
    ("profiles/campaigns", Needs(MARKETING_DATA)),
    ("profiles/recommendations", Needs(P::ViewCustomers)),
    ("catalog/list", Needs(P::ViewMarketing)),
    ("catalog/get", Needs(P::ViewMarketing)),
    ("catalog/form", Needs(P::EditMarketing)),
    ("catalog/save", Needs(P::EditMarketing)),
    ("catalog/imports", Needs(P::ViewMarketing)),
    ("catalog/import", Needs(P::ViewMarketing)),
    ("channels/get", Needs(P::ViewSettings)),
    ("channels/save", Needs(P::ManageData)),
    ("sources/list", Needs(P::ViewSettings)),
    ("sources/create", Needs(P::ManageData)),
    ("sources/issue-key", Needs(P::ManageData)),
    ("sources/revoke-key", Needs(P::ManageData)),
    ("sources/issue-server-key", Needs(P::ManageData)),
    ("sources/revoke-server-key", Needs(P::ManageData)),
    ("sources/origins", Needs(P::ManageData)),
    ("computed/list", Needs(P::ViewSettings)),
    ("computed/create", Needs(P::ManageData)),
    ("fields/list", Needs(P::ViewSettings)),
    ("fields/classify", Needs(P::ManageData)),
    ("fields/expose", Needs(P::ManageData)),
    ("imports/get", Needs(P::ViewSettings)),
    ("imports/recent", Needs(P::ViewSettings)),
    ("imports/staged", Needs(P::ManageData)),
    ("users/list", Needs(P::ManageUsers)),
    ("users/add", Needs(P::ManageUsers)),
    ("users/update", Needs(P::ManageUsers)),
    ("tokens/list", Needs(P::ManageUsers)),
    ("tokens/create", Needs(P::ManageUsers)),
    ("tokens/revoke", Needs(P::ManageUsers)),
    ("audit/list", Needs(P::ViewAudit)),
    ("retention/get", Needs(P::ViewSettings)),
    // Deleting records, the audit log among them, is an admin's decision.
    ("retention/save", Needs(P::ManageUsers)),
    ("retention/sweep", Needs(P::ManageUsers)),
    ("matching/overview", Needs(P::ViewSettings)),
    ("matching/save", Needs(P::ManageData)),
    ("matching/run", Needs(P::Steward)),
    ("matching/status", Needs(P::ViewSettings)),
    ("matching/pairs", Needs(P::ViewCustomers)),
    ("matching/decide", Needs(P::Steward)),
    ("matching/approve_above", Needs(P::Steward)),
    ("matching/merge", Needs(P::Steward)),
];

/// Plain HTTP routes: (method, path pattern, access); method `*` is any method.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Public),
    // Prometheus text on the app's port, for an admin (API token or session); the metrics
    // listener (ENRICH_METRICS_ADDR) serves it without either.
    ("GET", "/metrics", Needs(P::ManageUsers)),
    // Any method: the tracking API answers other methods with its own 405.
    ("*", "/v1/{call}", Public),
    ("GET", "/v1/openapi.json", Public),
    // Web pages, from the origins their source allows (any method: preflights are answered).
    ("*", "/v1/personalize", Public),
    ("*", "/v1/personalize/stream", Public),
    ("*", "/v1/projects/{write_key}/settings", Public),
    ("*", "/sourceConfig", Public),
    ("*", "/sourceConfig/", Public),
    (
        "GET",
        "/analytics.js/v1/{write_key}/analytics.min.js",
        Public,
    ),
    // The demo storefront (served only with ENRICH_DEMO_SHOP=true).
    ("GET", "/demo/shop", Public),
    ("GET", "/demo/shop/shop.js", Public),
    ("GET", "/demo/shop/shop.css", Public),
    ("GET", "/demo/shop/catalog.json", Public),
    // Apps and backends, with a user token or server key; links in emails, with signed tokens.
    ("GET", "/v1/profiles/{user_id}/messages", Public),
    ("POST", "/v1/profiles/{user_id}/messages/{id}/read", Public),
    ("GET", "/v1/links/open/{token}", Public),
    ("GET", "/v1/links/click/{token}", Public),
    ("GET", "/v1/links/unsubscribe/{token}", Public),
    ("POST", "/v1/links/unsubscribe/{token}", Public),
    ("POST", "/auth/login", Public),
    ("POST", "/auth/logout", SignedIn),
    ("GET", "/v1/recommendations/{user_id}", Public),
    ("POST", "/imports", Needs(P::ManageData)),
    ("POST", "/catalog/import", Needs(P::EditMarketing)),
    ("GET", "/customers/{id}/export", Needs(P::ExportCustomers)),
    ("POST", "/segments/static", Needs(P::EditMarketing)),
    ("GET", "/segments/{id}/export", Needs(P::ViewMarketing)),
    ("GET", "/ws/live", Needs(P::ViewDashboard)),
    ("GET", "/matching/pairs.csv", Needs(P::ViewCustomers)),
];

/// The prefix server fns are served under.
pub const SERVER_FN_PREFIX: &str = "/api/";

/// Static files anyone may fetch: the built bundle and the files in `public/` (the sign-in page
/// needs them). A test checks every file in `public/` is listed.
pub const PUBLIC_ASSETS: &[&str] = &["/pkg/", "/favicon.svg", "/analytics-next/"];

/// `pattern`, after checking the table of plain routes declares it for `method`: the router
/// registers every plain route through this, so a route nobody put in the table cannot start.
pub fn declared(method: &str, pattern: &'static str) -> &'static str {
    let listed = ROUTES.iter().any(|(m, p, _)| *m == method && *p == pattern);
    assert!(listed, "{method} {pattern} is missing from policy::ROUTES");
    pattern
}

/// What a request to `method path` requires. Paths no table names need a signed-in user (the
/// 404 page), except static assets (public) and unknown `/api/` endpoints (refused).
pub fn required(method: &str, path: &str) -> Access {
    if let Some(endpoint) = path.strip_prefix(SERVER_FN_PREFIX) {
        return SERVER_FNS
            .iter()
            .find(|(name, _)| *name == endpoint)
            .map_or(Access::Nobody, |(_, access)| *access);
    }
    let route = ROUTES
        .iter()
        .find(|(m, pattern, _)| (*m == method || *m == "*") && matches(pattern, path));
    if let Some((_, _, access)) = route {
        return *access;
    }
    let page = PAGES.iter().find(|(pattern, _)| matches(pattern, path));
    if let Some((_, access)) = page {
        return *access;
    }
    let asset = PUBLIC_ASSETS.iter().any(|prefix| {
        path == *prefix
            || path == prefix.trim_end_matches('/')
            || (prefix.ends_with('/') && path.starts_with(prefix))
    });
    if asset { Access::Public } else { SignedIn }
}

/// Whether `path` fits `pattern`, where a `{name}` segment matches any one segment.
pub fn matches(pattern: &str, path: &str) -> bool {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        assert!(matches("/customers/{id}", "/customers/abc"));
        assert!(!matches("/customers/{id}", "/customers"));
        assert!(!matches("/customers/{id}", "/customers/abc/export"));
        assert!(matches("/", "/"));
        assert!(matches("/settings", "/settings/"));
    }

    #[test]
    fn every_public_file_is_a_public_asset() {
        let public = concat!(env!("CARGO_MANIFEST_DIR"), "/public");
        for entry in std::fs::read_dir(public).unwrap() {
            let path = format!("/{}", entry.unwrap().file_name().to_string_lossy());
            assert_eq!(required("GET", &path), Access::Public, "{path}");
        }
    }

    #[test]
    #[should_panic(expected = "missing from policy::ROUTES")]
    fn an_undeclared_route_cannot_be_registered() {
        declared("GET", "/reports/download");
    }

    #[test]
    fn unknown_api_paths_are_refused_unknown_pages_need_sign_in_and_assets_are_public() {
        assert_eq!(required("POST", "/api/nope"), Access::Nobody);
        assert_eq!(required("GET", "/pkg/enrich.js"), Access::Public);
        assert_eq!(required("GET", "/favicon.svg"), Access::Public);
        assert_eq!(required("GET", "/no-such-page"), SignedIn);
        assert_eq!(required("POST", "/reports/download"), SignedIn);
        assert_eq!(required("GET", "/pkgx/secret"), SignedIn);
        assert_eq!(
            required("GET", "/customers/abc/export"),
            Needs(P::ExportCustomers)
        );
        assert_eq!(required("GET", "/customers/abc"), Needs(P::ViewCustomers));
    }
}
