//! `/demo/shop`: a small storefront of the catalog, served by enrich itself when
//! `ENRICH_DEMO_SHOP=true` (on in `make run`), open without sign-in. It is instrumented with the
//! first-party analytics.js and shows a hero banner chosen by the visitor's exposed segments and
//! a "recommended for you" strip, both updated live from `/v1/personalize/stream` — the whole
//! loop, from a page view to a segment to what the page shows, in one place.
use super::{
    AppState, auth::policy::declared, db::sources::SourceDoc, products::recommend::refresh::card_of,
};
use crate::{error::AppError, model::source::SourceKind};
use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use mongodb::bson::{Document, doc};
use serde_json::{Value, json};

/// The source the shop's events arrive from.
pub const SOURCE: &str = "demo-shop";
/// Where the shop's (public) write key is kept, so the page can be given it.
const KEYS: &str = "demo_shop";
/// Products in the window.
const WINDOW: i64 = 48;
/// The shop page's policy: its own scripts, styles and API only.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The routes (merged only when the shop is on).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(declared("GET", "/demo/shop"), get(page))
        .route(declared("GET", "/demo/shop/shop.js"), get(script))
        .route(declared("GET", "/demo/shop/shop.css"), get(styles))
        .route(declared("GET", "/demo/shop/catalog.json"), get(catalog))
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        include_str!("demo_shop/assets/index.html"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("demo_shop/assets/shop.js"),
    )
        .into_response()
}

async fn styles() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("demo_shop/assets/shop.css"),
    )
        .into_response()
}

/// The shop's write key and its window of products.
async fn catalog(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let write_key = write_key(&state).await?;
    let products = super::db::products::Products::new(&state.db)
        .in_stock_by_name(WINDOW)
        .await?;
    let products: Vec<Value> = products
        .iter()
        .map(|p| {
            let card = card_of(p, 0.0, "");
            let category = p.attributes.get_str("category").unwrap_or("other");
            json!({
                "id": card.id, "name": card.name, "sku": card.sku, "price": card.price,
                "currency": card.currency, "thumbnail": card.thumbnail, "category": category,
                "description": p.text,
            })
        })
        .collect();
    Ok(Json(json!({ "writeKey": write_key, "products": products })))
}

/// The shop's live write key: the one kept, or a new one on the `demo-shop` source. Write keys
/// are public by design (every web page carries one), so keeping this one readable is fine.
pub async fn write_key(state: &AppState) -> Result<String, AppError> {
    let sources = &state.ingest.sources;
    let kept = state.db.collection::<Document>(KEYS);
    if let Some(found) = kept.find_one(doc! { "_id": "write_key" }).await?
        && let Ok(key) = found.get_str("key")
        && sources.authenticate(key).await?.is_some()
    {
        return Ok(key.to_owned());
    }
    let source: SourceDoc = sources.get_or_create(SOURCE, SourceKind::Api).await?;
    let key = sources.issue_key(&source).await?.key;
    kept.update_one(
        doc! { "_id": "write_key" },
        doc! { "$set": { "key": &key } },
    )
    .upsert(true)
    .await?;
    Ok(key)
}
