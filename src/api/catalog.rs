//! The product catalog: the list with its filters, a product's page, the editor's form and save,
//! catalog imports, and a customer's recommended products.
use crate::{
    error::AppError,
    model::{
        import::ImportStatus,
        product::{CatalogPage, CatalogQuery, CustomerRecommendations, ProductDetail},
        product_form::ProductForm,
    },
};
use leptos::prelude::*;

/// Products matching `query`, a page at a time, with the locales and unknown references.
#[server(endpoint = "catalog/list")]
pub async fn list_products(
    #[server(default)] query: CatalogQuery,
) -> Result<CatalogPage, AppError> {
    use crate::server::db::{
        catalog_misses::CatalogMisses,
        products::{PAGE_SIZE, Products, catalog_filter},
    };
    let db = &crate::server::app_state()?.db;
    let products = Products::new(db);
    let (items, total) = products.list(catalog_filter(&query)?, query.page).await?;
    Ok(CatalogPage {
        items,
        total,
        page_size: PAGE_SIZE,
        locales: products.locales().await?,
        unknown: CatalogMisses::new(db).top(10).await?,
    })
}

/// Product `id` with its activity and the products viewed and bought with it.
#[server(endpoint = "catalog/get")]
pub async fn get_product(id: String) -> Result<ProductDetail, AppError> {
    use crate::server::{
        db::{product_signals::ProductSignals, products::Products},
        products::recommend::refresh::current,
    };
    let db = &crate::server::app_state()?.db;
    let (products, signals) = (Products::new(db), ProductSignals::new(db));
    let stored = products.get(&id).await?.ok_or_else(|| AppError::NotFound {
        what: format!("product {id}"),
    })?;
    let mut related = Vec::new();
    for (by, reason) in [("viewed", "viewed together"), ("bought", "bought together")] {
        let pairs = signals.together(&id, by, 8).await?;
        let cards: Vec<_> = pairs
            .iter()
            .map(|p| crate::model::product::ProductCard {
                id: p.b.clone(),
                score: if by == "viewed" { p.viewed } else { p.bought },
                reason: reason.to_owned(),
                ..Default::default()
            })
            .collect();
        related.push(current(&products, &cards).await?);
    }
    let bought_together = related.pop().unwrap_or_default();
    Ok(ProductDetail {
        product: stored.to_product(),
        updated_at: stored.updated_at.to_chrono(),
        activity: signals.activity(&id).await?,
        also_viewed: related.pop().unwrap_or_default(),
        bought_together,
    })
}

/// The editor's form for product `id` (two empty variant rows for a new one).
#[server(endpoint = "catalog/form")]
pub async fn get_product_form(id: Option<String>) -> Result<ProductForm, AppError> {
    use crate::{model::product_form::VariantForm, server::db::products::Products};
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(ProductForm {
            variants: vec![VariantForm::default(), VariantForm::default()],
            ..ProductForm::default()
        });
    };
    let db = &crate::server::app_state()?.db;
    let stored = Products::new(db)
        .get(&id)
        .await?
        .ok_or_else(|| AppError::NotFound {
            what: format!("product {id}"),
        })?;
    let mut form = ProductForm::from_product(&stored.to_product());
    form.variants.push(VariantForm::default());
    Ok(form)
}

/// Creates (no `id`) or changes product `id`, then opens its page. Audited.
#[server(endpoint = "catalog/save")]
pub async fn save_product(id: Option<String>, form: ProductForm) -> Result<String, AppError> {
    use crate::server::{
        audit::{self, Record},
        db::{catalog_misses::CatalogMisses, products::Products},
        products::form,
    };
    let db = &crate::server::app_state()?.db;
    let editing = id.filter(|i| !i.is_empty());
    let mut form = form;
    if let Some(id) = &editing {
        // The id is fixed once created: it is how imports and events find the product.
        form.id = id.clone();
    }
    let product = form::product(&form)?;
    let products = Products::new(db);
    if editing.is_none() && products.get(&product.id).await?.is_some() {
        return Err(AppError::Conflict {
            field: "id".into(),
            message: format!("a product with id {} exists already", product.id),
        });
    }
    products.save(&product).await?;
    let mut references: Vec<String> = product.variants.iter().map(|v| v.id.clone()).collect();
    references.push(product.id.clone());
    CatalogMisses::new(db).forget(&references).await?;
    let detail = if editing.is_some() {
        "changed"
    } else {
        "created"
    };
    audit::write_current(
        db,
        Record::new("catalog.save", product.id.clone()).detail(detail),
    )
    .await?;
    let path = format!("/catalog/{}", crate::components::url::encode(&product.id));
    leptos_axum::redirect(&path);
    Ok(product.id)
}

/// The ten newest catalog imports.
#[server(endpoint = "catalog/imports")]
pub async fn recent_catalog_imports() -> Result<Vec<ImportStatus>, AppError> {
    use crate::server::db::imports::{Imports, PRODUCTS};
    Imports::new(&crate::server::app_state()?.db)
        .recent(PRODUCTS, 10)
        .await
}

/// Catalog import `id`'s progress and result.
#[server(endpoint = "catalog/import")]
pub async fn get_catalog_import(id: String) -> Result<ImportStatus, AppError> {
    use crate::server::db::imports::{Imports, PRODUCTS};
    let object_id = id
        .parse()
        .map_err(|_| AppError::invalid("id", "must be an import id"))?;
    Imports::new(&crate::server::app_state()?.db)
        .get(object_id)
        .await?
        .filter(|status| status.kind == PRODUCTS)
        .ok_or(AppError::NotFound {
            what: format!("catalog import {id}"),
        })
}

/// Customer `id`'s recommended products, as the catalog stands now.
#[server(endpoint = "profiles/recommendations")]
pub async fn get_recommendations(id: String) -> Result<CustomerRecommendations, AppError> {
    use crate::server::{db::products::Products, products::recommend::refresh::current};
    let state = crate::server::app_state()?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| AppError::invalid("id", "must be a profile id"))?;
    let graph = &state.ingest.graph;
    let live = graph.live_profile_id(id).await?;
    let Some(stored) = graph.must_get(live).await?.recommendations else {
        return Ok(CustomerRecommendations::default());
    };
    Ok(CustomerRecommendations {
        items: current(&Products::new(&state.db), &stored.items).await?,
        refreshed_at: Some(stored.at.to_chrono()),
    })
}
