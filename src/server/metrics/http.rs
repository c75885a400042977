//! Requests and latency per route group: a handful of groups, never raw paths (ids in paths
//! would make a time series per customer).
use super::names::{HTTP_DURATION, HTTP_REQUESTS};
use axum::{extract::Request, middleware::Next, response::Response};
use metrics::{counter, histogram};
use std::time::Instant;

/// Counts and times every request by [`route_group`].
pub async fn track(request: Request, next: Next) -> Response {
    let group = route_group(request.uri().path());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    counter!(HTTP_REQUESTS, "group" => group, "method" => method, "status" => status).increment(1);
    histogram!(HTTP_DURATION, "group" => group).record(started.elapsed().as_secs_f64());
    response
}

/// The route group a path belongs to.
pub fn route_group(path: &str) -> &'static str {
    let first = |prefixes: &[&str]| prefixes.iter().any(|p| path.starts_with(p));
    if first(&["/v1/personalize"]) {
        "personalize"
    } else if first(&["/v1/recommendations/", "/v1/profiles/"]) {
        "customer_api"
    } else if first(&["/v1/links/"]) {
        "links"
    } else if first(&["/v1/projects/", "/analytics.js/", "/sourceConfig"]) {
        "browser_sdk"
    } else if first(&["/v1/"]) {
        "tracking"
    } else if first(&["/api/"]) {
        "server_fn"
    } else if first(&["/ws/"]) {
        "websocket"
    } else if path == "/healthz" {
        "health"
    } else if path == "/metrics" {
        "metrics"
    } else if first(&["/auth/"]) {
        "auth"
    } else if first(&["/pkg/", "/assets/", "/favicon"]) {
        "static"
    } else if first(&[
        "/imports",
        "/catalog/import",
        "/reports/download",
        "/segments/static",
    ]) || path.ends_with("/export")
        || path.ends_with(".csv")
    {
        "files"
    } else if first(&["/demo/"]) {
        "demo"
    } else {
        "pages"
    }
}

#[cfg(test)]
mod tests {
    use super::route_group;

    #[test]
    fn paths_fall_into_a_few_groups_without_ids() {
        for (path, group) in [
            ("/v1/track", "tracking"),
            ("/v1/b", "tracking"),
            ("/v1/personalize", "personalize"),
            ("/v1/recommendations/u1", "customer_api"),
            ("/v1/profiles/u1/messages", "customer_api"),
            ("/v1/links/click/abc", "links"),
            ("/analytics.js/v1/key/analytics.min.js", "browser_sdk"),
            ("/api/segments/preview", "server_fn"),
            ("/ws/live", "websocket"),
            ("/healthz", "health"),
            ("/metrics", "metrics"),
            ("/auth/login", "auth"),
            ("/pkg/enrich.wasm", "static"),
            ("/customers/abc/export", "files"),
            ("/matching/pairs.csv", "files"),
            ("/customers/0123456789abcdef01234567", "pages"),
            ("/", "pages"),
        ] {
            assert_eq!(route_group(path), group, "{path}");
        }
    }
}
