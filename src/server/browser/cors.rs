//! CORS for the endpoints web pages call (tracking, SDK settings, personalization). Each source
//! lists the origins its keys may be used from; a request from a page of another origin is
//! refused with a 403 naming `Origin`. A preflight carries no key, so it is answered for any
//! origin some source allows, and the request that follows is checked against its own source.
//! Requests without `Origin` (backends, server SDKs) and enrich's own pages need no CORS.
use crate::{
    error::AppError,
    model::source::normalise_origin,
    server::{
        AppState,
        auth::csrf::is_own_origin,
        db::sources::{SourceDoc, Sources},
        ingest::{
            auth::{presented_key, user_token},
            limits::MAX_REQUEST_BYTES,
        },
    },
};
use axum::{
    body::Body,
    extract::{Request, State},
    http::{
        HeaderMap, HeaderValue, Method, StatusCode,
        header::{self, HeaderName},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Request headers a page may send (what the Segment and RudderStack SDKs and the
/// personalization API use).
const ALLOWED_HEADERS: &str = "authorization, accept, content-type, x-write-key, x-user-token, \
    x-retry-count, anonymousid, sentat, rsa-retry-attempt, rsa-request-attempt, rsa-retry-reason, \
    rsa-since-first-attempt, rsa-since-last-attempt";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "7200";

/// The source a request's key belongs to, found by the CORS check; the tracking handler uses it
/// rather than looking the key up again.
#[derive(Debug, Clone)]
pub struct KeySource(pub SourceDoc);

/// Middleware: answers preflights and refuses or marks up cross-origin requests.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = header_text(request.headers(), header::ORIGIN) else {
        return next.run(request).await;
    };
    if is_own_origin(&state.settings.auth, &origin, request.headers()) {
        return next.run(request).await;
    }
    let Some(origin) = normalise_origin(&origin) else {
        return refused(&origin).into_response();
    };
    let sources = &state.ingest.sources;
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let asked = header_text(request.headers(), header::ACCESS_CONTROL_REQUEST_HEADERS);
        return match sources.any_allows_origin(&origin).await {
            Ok(true) => preflight_answer(&origin, asked.as_deref()),
            Ok(false) => refused(&origin).into_response(),
            Err(err) => err.into_response(),
        };
    }
    let (request, source) = match source_of(sources, request).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    match source {
        Some(source) if source.allows_origin(&origin) => {
            let mut request = request;
            request.extensions_mut().insert(KeySource(source));
            let mut response = next.run(request).await;
            allow(response.headers_mut(), &origin);
            response
        }
        Some(_) => refused(&origin).into_response(),
        // No valid key: the handler refuses it (401), unreadable by the page.
        None => next.run(request).await,
    }
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

fn refused(origin: &str) -> AppError {
    AppError::Denied {
        field: "Origin".into(),
        message: format!(
            "{origin} is not an allowed origin of this source; an admin adds it under Settings → Sources"
        ),
    }
}

fn allow(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// The answer to a preflight from an allowed origin: the headers it asked for (SDKs add their
/// own, e.g. RudderStack's retry headers; allowing a header only lets the page send it), else
/// the ones the SDKs are known to use.
fn preflight_answer(origin: &str, asked: Option<&str>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    allow(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
    );
    let plain = |list: &str| {
        list.len() <= 1_024
            && list
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ',' | ' '))
    };
    let echoed = asked
        .filter(|list| plain(list))
        .and_then(|list| HeaderValue::from_str(list).ok());
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        echoed.unwrap_or(HeaderValue::from_static(ALLOWED_HEADERS)),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    response
}

/// The source of the key the request presents, wherever it is: a header, the query string,
/// the path (`/v1/projects/{writeKey}/settings`) or, for the Segment SDK's `text/plain` posts,
/// the body's `writeKey` (read here and put back).
async fn source_of(
    sources: &Sources,
    request: Request,
) -> Result<(Request, Option<SourceDoc>), AppError> {
    if let Some(credential) = credential_outside_body(&request) {
        let source = credential.source(sources).await?;
        return Ok((request, source));
    }
    if request.method() != Method::POST {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|_| AppError::TooLarge {
            limit: "request_size".into(),
            message: format!("a request body must be at most {MAX_REQUEST_BYTES} bytes"),
            index: None,
        })?;
    let key = body_write_key(&bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    match key {
        Some(key) => Ok((request, sources.authenticate(&key).await?)),
        None => Ok((request, None)),
    }
}

/// The `writeKey` field of a JSON body, if it has one.
pub fn body_write_key(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "writeKey")]
        write_key: Option<String>,
    }
    let envelope: Envelope = serde_json::from_slice(bytes).ok()?;
    envelope.write_key.filter(|k| !k.trim().is_empty())
}

/// A key as presented outside the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A public write key.
    Write(String),
    /// A secret server key.
    Server(String),
    /// A user token signed with a server key.
    UserToken(String),
}

impl Credential {
    /// The source the key belongs to, if it is live (a token must also verify).
    pub async fn source(&self, sources: &Sources) -> Result<Option<SourceDoc>, AppError> {
        let id = match self {
            Credential::Write(key) => return sources.authenticate(key).await,
            Credential::Server(key) => sources.server_keys().authenticate(key).await?,
            Credential::UserToken(token) => {
                let Some(claims) = user_token::parse(token) else {
                    return Ok(None);
                };
                let signer = sources.server_keys().live_signer(claims.key_id).await?;
                let now = chrono::Utc::now().timestamp();
                signer
                    .filter(|(digest, _)| claims.verify(digest, now))
                    .map(|(_, source)| source)
            }
        };
        match id {
            Some(id) => sources.by_id(id).await,
            None => Ok(None),
        }
    }
}

/// The credential a request carries in its headers, query string or path.
fn credential_outside_body(request: &Request) -> Option<Credential> {
    let uri = request.uri();
    if let Some(key) = uri
        .path()
        .strip_prefix("/v1/projects/")
        .and_then(|rest| rest.strip_suffix("/settings"))
    {
        return Some(Credential::Write(key.to_owned()));
    }
    presented(request.headers(), uri.query())
}

/// The credential in `headers` or the query string: a read credential (server key or user
/// token) first, then a write key. EventSource cannot send headers, hence the query string.
pub fn presented(headers: &HeaderMap, query: Option<&str>) -> Option<Credential> {
    if let Some(read) = super::super::ingest::auth::reader::read_credential(headers) {
        return Some(read);
    }
    if let Some(key) = presented_key(headers) {
        return Some(Credential::Write(key));
    }
    let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    let mut found = None;
    for (name, value) in pairs {
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        match name.as_ref() {
            "token" if user_token::is_token(&value) => return Some(Credential::UserToken(value)),
            "writeKey" | "write_key" => found = Some(Credential::Write(value)),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ingest::auth::headers;

    #[test]
    fn the_body_write_key_is_read_from_segment_posts() {
        assert_eq!(
            body_write_key(br#"{"type":"track","writeKey":"wk_a","event":"x"}"#).as_deref(),
            Some("wk_a")
        );
        assert_eq!(body_write_key(br#"{"writeKey":" "}"#), None);
        assert_eq!(body_write_key(b"not json"), None);
        assert_eq!(body_write_key(br#"{"writeKey":5}"#), None);
    }

    #[test]
    fn credentials_come_from_headers_before_the_query_string() {
        let write = |k: &str| Some(Credential::Write(k.into()));
        assert_eq!(
            presented(&headers(&[("x-write-key", "wk_h")]), Some("writeKey=wk_q")),
            write("wk_h")
        );
        assert_eq!(
            presented(&headers(&[]), Some("anonymousId=a&writeKey=wk_q")),
            write("wk_q")
        );
        assert_eq!(
            presented(&headers(&[("x-server-key", "sk_s")]), Some("writeKey=wk_q")),
            Some(Credential::Server("sk_s".into()))
        );
        assert_eq!(
            presented(&headers(&[]), Some("token=ut1.k.1.dQ.t&writeKey=wk_q")),
            Some(Credential::UserToken("ut1.k.1.dQ.t".into()))
        );
        assert_eq!(presented(&headers(&[]), Some("token=nope")), None);
        assert_eq!(presented(&headers(&[]), None), None);
    }

    #[test]
    fn preflights_allow_exactly_the_origin_with_credentials() {
        let response = preflight_answer("https://shop.example", None);
        let h = response.headers();
        assert_eq!(
            h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://shop.example"
        );
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(
            h[header::ACCESS_CONTROL_ALLOW_HEADERS]
                .to_str()
                .unwrap()
                .contains("sentat")
        );
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let rudder = "anonymousid,authorization,content-type,rsa-request-attempt,sentat";
        let echoed = preflight_answer("https://shop.example", Some(rudder));
        assert_eq!(
            echoed.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS],
            rudder
        );
        let odd = preflight_answer("https://shop.example", Some("x\r\ny: z"));
        let fallback = &odd.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS];
        assert!(fallback.to_str().unwrap().contains("authorization"));
    }
}
