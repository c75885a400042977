//! Everything that only runs on the server: never compiled to WASM.

pub mod audit;
pub mod auth;
pub mod browser;
pub mod campaigns;
pub mod catalog;
pub mod cli;
pub mod computed;
pub mod config;
pub mod customers;
pub mod dashboard;
pub mod db;
pub mod demo_shop;
pub mod enrich;
pub mod event_matches;
pub mod health;
pub mod identity;
pub mod import;
pub mod ingest;
pub mod limits;
pub mod live;
pub mod matching;
pub mod message;
pub mod metrics;
pub mod personalize;
pub mod privacy;
pub mod products;
pub mod profile_view;
pub mod respond;
pub mod retention;
pub mod security_headers;
pub mod seed;
pub mod segments;
pub mod state;

pub use state::{AppState, app_state};

use crate::app::{App, shell};
use auth::policy::declared;
use axum::{
    Router,
    middleware::{from_fn, from_fn_with_state, map_response},
    routing::get,
};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

/// The whole HTTP surface of enrich: pages, server fns, `/healthz`, static assets.
/// Used by `main` and by the integration tests, so both exercise the same stack.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let page_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    // What web pages call from other origins: CORS per source around all of it.
    let browser_api = Router::new()
        .merge(ingest::routes::routes(&state))
        .merge(personalize::routes::routes())
        .merge(browser::routes())
        .layer(from_fn_with_state(state.clone(), browser::cors::cors));
    let demo_shop = if state.settings.demo_shop {
        demo_shop::routes()
    } else {
        Router::new()
    };
    Router::new()
        .route(declared("GET", "/healthz"), get(health::healthz))
        .route(
            declared("GET", "/metrics"),
            get(metrics::scrape::metrics_text),
        )
        .merge(browser_api)
        .merge(demo_shop)
        .merge(campaigns::in_app_api::routes())
        .merge(products::recommend_api::routes())
        .route(declared("POST", "/imports"), import::upload::route())
        .route(
            declared("POST", "/catalog/import"),
            products::import_job::route(),
        )
        .merge(auth::login::routes())
        .route(
            declared("GET", "/customers/{id}/export"),
            get(privacy::export::download),
        )
        .route(
            declared("POST", "/segments/static"),
            segments::members::upload_route(),
        )
        .route(
            declared("GET", "/segments/{id}/export"),
            get(segments::members::download),
        )
        .route(declared("GET", "/ws/live"), get(live::socket::live_socket))
        .route(
            declared("GET", "/matching/pairs.csv"),
            get(matching::export::download),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), page_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            context, shell,
        ))
        .layer(map_response(respond::server_fn_error_status))
        .layer(from_fn_with_state(state.clone(), auth::guard::guard))
        .layer(session_layer(&state))
        .layer(CompressionLayer::new())
        .layer(map_response(security_headers::add))
        // The path only: query strings carry customer search terms (`/customers?q=…`).
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                let (method, path) = (request.method(), request.uri().path());
                tracing::debug_span!("request", %method, %path)
            }),
        )
        .layer(from_fn(metrics::http::track))
        .with_state(state)
}

/// The app's page routes, generated once per process. Generating them renders the whole app
/// with resource loading suspended *process-wide* (leptos_server's `SuppressResourceLoad` is a
/// global flag), so a page rendering at that moment would wait forever for its resources: every
/// router waits here for the one generation instead (tests build routers while others serve).
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::LazyLock<Vec<AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// Sessions in MongoDB behind an HttpOnly, SameSite=Lax cookie (Secure when served over https),
/// ending after the configured idle time; every request extends it.
fn session_layer(state: &AppState) -> SessionManagerLayer<db::sessions::MongoSessionStore> {
    let auth = &state.settings.auth;
    let idle = time::Duration::seconds(auth.session_idle.as_secs() as i64);
    SessionManagerLayer::new(db::sessions::MongoSessionStore::new(&state.db))
        .with_name("enrich.sid")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(auth.secure_cookies())
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true)
}
