//! The guard every request passes: CSRF check, session → user, and the route's access rule
//! from [`policy`](super::policy). This is the one place roles are checked.
use super::{
    Caller, api_token, csrf,
    policy::{self, Access, Verdict},
    session,
};
use crate::{error::AppError, server::AppState};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{Method, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::net::SocketAddr;
use tower_sessions::Session;

/// Middleware: refuses the request or lets it on with its [`Caller`] in the extensions.
pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // An API token replaces the session: no cookie is read, so there is nothing to forge
    // across sites and no CSRF check (a page cannot make a browser send this header).
    let token = api_token::presented(request.headers())
        .filter(|_| !is_anonymous_path(&path))
        .map(str::to_owned);
    if token.is_none()
        && let Err(err) = csrf::check(&state.settings.auth, &method, &path, request.headers())
    {
        return err.into_response();
    }
    let access = policy::required(method.as_str(), &path);
    let ip = client_ip(state.settings.auth.proxy_hops(), &request);
    // Cloned out: a request body is not `Sync`, so no reference to it may live across an await.
    let session = request.extensions().get::<Session>().cloned();
    let identified = match token {
        Some(secret) => api_token::caller(&state, &secret, ip).await,
        None => identify(&state, session, ip, &path).await,
    };
    let caller = match identified {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    match access.decide(caller.user.as_ref()) {
        Verdict::Allow => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        verdict => deny(verdict, &request, access),
    }
}

/// Static assets and the tracking API never need the user: no session lookup for them.
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/v1/")
        || path.starts_with("/sourceConfig")
        || path.starts_with("/analytics.js/")
        || path.starts_with("/analytics-next/")
        || path.starts_with("/demo/shop")
        || path == "/healthz"
        || path == "/favicon.svg"
}

async fn identify(
    state: &AppState,
    session: Option<Session>,
    ip: Option<String>,
    path: &str,
) -> Result<Caller, AppError> {
    let user = match session {
        Some(session) if !is_anonymous_path(path) => {
            let users = crate::server::db::users::Users::new(&state.db);
            session::signed_in_user(&users, &state.settings.auth, &session).await?
        }
        _ => None,
    };
    Ok(Caller {
        user,
        ip,
        token: None,
    })
}

/// The client's IP: counted from the right of `X-Forwarded-For` behind `hops` trusted proxies,
/// else the peer.
fn client_ip(hops: usize, request: &Request) -> Option<String> {
    // A proxy may append its own header line rather than extend the client's: read them all.
    let header: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let forwarded = super::forwarded::client_from_forwarded(&header.join(","), hops);
    forwarded.or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string())
    })
}

/// Browsers asking for a page are sent to sign in (or told they may not); API clients get JSON.
fn deny(verdict: Verdict, request: &Request, access: Access) -> Response {
    let accepts_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let path = request.uri().path();
    let is_page = accepts_html
        || (request.method() == Method::GET
            && !path.starts_with("/api/")
            && !path.starts_with("/ws/")
            && path != "/metrics");
    tracing::debug!(?verdict, ?access, %path, "request refused");
    match (verdict, is_page) {
        (Verdict::SignIn, true) => {
            let next = request.uri().path_and_query().map_or(path, |p| p.as_str());
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            Redirect::to(&format!("/login?{query}")).into_response()
        }
        (Verdict::SignIn, false) => AppError::Unauthorized.into_response(),
        (_, true) => Redirect::to("/forbidden").into_response(),
        (_, false) => AppError::Forbidden.into_response(),
    }
}
