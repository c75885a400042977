//! One product: its variants with swatches and prices, its activity from linked events, and
//! what customers who viewed or bought it also viewed and bought.
use super::swatch;
use crate::{
    api::catalog::get_product,
    components::{
        LoadError,
        session::{RoleNote, current_user},
        url::encode,
    },
    error::AppError,
    model::{
        access::Permission,
        product::{ProductCard, ProductDetail, Variant, format_price},
    },
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The product in the URL.
#[component]
pub fn ProductPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_product,
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the product…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    let loaded = detail.await;
                    if matches!(loaded, Err(AppError::NotFound { .. })) {
                        crate::components::status::set_status(404);
                    }
                    loaded.map(|d| view! { <Product detail=d /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Product(detail: ProductDetail) -> impl IntoView {
    let product = detail.product.clone();
    let can_edit = current_user().can(Permission::EditMarketing);
    let edit = format!("/catalog/{}/edit", encode(&product.id));
    let attributes = product
        .attributes
        .iter()
        .map(|(k, v)| {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            view! { <dt>{k.clone()}</dt><dd>{shown}</dd> }
        })
        .collect_view();
    let activity = detail.activity;
    view! {
        <Title text=format!("{} · Catalog", product.name) />
        <header class="page-header">
            <div>
                <p class="muted small"><a href="/catalog">"Catalog"</a>" / "<code>{product.id.clone()}</code></p>
                <h1 data-testid="product-name">{product.name.clone()}</h1>
            </div>
            {can_edit.then(|| view! { <div class="actions"><a class="button" href=edit>"Edit"</a></div> })}
            {(!can_edit).then(|| view! { <RoleNote text="Only admins and marketers can edit products." /> })}
        </header>
        <div class="grid-2">
            <section class="card" aria-labelledby="about-heading">
                <h2 id="about-heading">"About"</h2>
                <p>{if product.text.is_empty() { "No description.".to_owned() } else { product.text.clone() }}</p>
                <dl class="facts">
                    <dt>"Locale"</dt><dd>{if product.locale.is_empty() { "every locale".to_owned() } else { product.locale.clone() }}</dd>
                    {attributes}
                    <dt>"Last change"</dt><dd>{when(detail.updated_at)}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="activity-heading">
                <h2 id="activity-heading">"Activity"</h2>
                <div class="product-kpis" data-testid="product-activity">
                    <div class="kpi"><span class="kpi-value">{activity.views}</span><span class="kpi-label">"views"</span></div>
                    <div class="kpi"><span class="kpi-value">{activity.adds}</span><span class="kpi-label">"cart adds"</span></div>
                    <div class="kpi"><span class="kpi-value">{activity.purchases}</span><span class="kpi-label">"purchases"</span></div>
                </div>
            </section>
        </div>
        <Variants variants=product.variants.clone() />
        <div class="grid-2">
            <Related title="Customers who viewed this also viewed" testid="also-viewed" items=detail.also_viewed.clone() />
            <Related title="Frequently bought together" testid="bought-together" items=detail.bought_together />
        </div>
    }
}

#[component]
fn Variants(variants: Vec<Variant>) -> impl IntoView {
    let rows = variants.into_iter().map(|v| {
        let thumbnail = (!v.display_thumbnail.is_empty()).then(|| {
            view! { <img class="thumb" src=v.display_thumbnail.clone() alt=format!("{} thumbnail", v.name) width="40" height="40" /> }
        });
        let stock = if v.stock > 0 { v.stock.to_string() } else { "out of stock".into() };
        view! {
            <tr>
                <td>{thumbnail}{swatch(&v.display_color)}</td>
                <th scope="row"><code>{v.id.clone()}</code></th>
                <td>{v.name.clone()}</td>
                <td>{v.size.clone()}</td>
                <td>{v.color.clone()}</td>
                <td class="num">{stock}</td>
                <td class="num">{format_price(v.price, &v.currency)}</td>
            </tr>
        }
    });
    view! {
        <section class="card" aria-labelledby="variants-heading">
            <h2 id="variants-heading">"Variants"</h2>
            <table class="data-table" data-testid="variant-table">
                <thead><tr>
                    <th scope="col"><span class="visually-hidden">"Look"</span></th><th scope="col">"SKU"</th><th scope="col">"Name"</th>
                    <th scope="col">"Size"</th><th scope="col">"Colour"</th><th scope="col" class="num">"Stock"</th><th scope="col" class="num">"Price"</th>
                </tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </section>
    }
}

/// A list of product cards (related products, a customer's recommendations).
#[component]
pub fn ProductCards(items: Vec<ProductCard>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    // Roles without the catalog (support) see the names without links they could not open.
    let linked = current_user().can(Permission::ViewMarketing);
    let cards = items.into_iter().map(|c| {
        let name = if linked {
            view! { <a href=format!("/catalog/{}", encode(&c.id))>{c.name.clone()}</a> }.into_any()
        } else {
            view! { <span>{c.name.clone()}</span> }.into_any()
        };
        view! {
            <li class="product-card">
                {name}
                <span class="muted small">{format!(" {} · {}", format_price(c.price, &c.currency), c.reason)}</span>
            </li>
        }
    });
    view! { <ol class="product-cards">{cards.collect_view()}</ol> }.into_any()
}

#[component]
fn Related(title: &'static str, testid: &'static str, items: Vec<ProductCard>) -> impl IntoView {
    view! {
        <section class="card" data-testid=testid>
            <h2>{title}</h2>
            <ProductCards items empty="Not enough activity yet." />
        </section>
    }
}
