//! The product catalog: the list with search and filters, a product's page, the editor, and
//! imports.
mod editor;
mod import;
mod product;

pub use editor::{EditProductPage, NewProductPage};
pub use import::{CatalogImportPage, CatalogImportProgressPage};
pub use product::{ProductCards, ProductPage};

use crate::{
    api::catalog::list_products,
    components::{
        LoadError,
        session::current_user,
        url::{encode, with_query},
    },
    model::{
        access::Permission,
        product::{
            CatalogPage as Page, CatalogQuery, ProductSummary, UnknownReference, format_price,
        },
    },
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn query_from_url() -> Memo<CatalogQuery> {
    let params = use_query_map();
    Memo::new(move |_| {
        params.with(|p| {
            let get = |k: &str| p.get(k).unwrap_or_default();
            CatalogQuery {
                q: get("q"),
                locale: get("locale"),
                in_stock: !get("in_stock").is_empty(),
                min_price: get("min_price"),
                max_price: get("max_price"),
                page: get("page").parse().unwrap_or(0),
            }
        })
    })
}

/// The catalog list. The filter form is a plain GET form: it works without JavaScript.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = query_from_url();
    let page = Resource::new(move || query.get(), list_products);
    let can_edit = current_user().can(Permission::EditMarketing);
    view! {
        <Title text="Catalog" />
        <header class="page-header">
            <h1>"Catalog"</h1>
            <Show when=move || can_edit>
                <div class="actions">
                    <a class="button" href="/catalog/import">"Import"</a>
                    <a class="button primary" href="/catalog/new">"New product"</a>
                </div>
            </Show>
        </header>
        {(!can_edit).then(|| view! {
            <crate::components::session::RoleNote text="Only admins and marketers can add, edit or import products." />
        })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the catalog…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    page.await.map(|page| view! { <Listing page query=query.get_untracked() /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Listing(page: Page, query: CatalogQuery) -> impl IntoView {
    let unknown = page.unknown.clone();
    view! {
        <Filters query=query.clone() locales=page.locales.clone() />
        <section class="card" aria-labelledby="products-heading">
            <h2 id="products-heading">{format!("{} products", page.total)}</h2>
            <ProductTable items=page.items.clone() />
            <Pager page query />
        </section>
        {(!unknown.is_empty()).then(|| view! { <Unknown items=unknown /> })}
    }
}

#[component]
fn Filters(query: CatalogQuery, locales: Vec<String>) -> impl IntoView {
    let mut options = vec![view! { <option value="">"All locales"</option> }.into_any()];
    options.extend(locales.into_iter().map(|l| {
        let selected = l == query.locale;
        let label = l.clone();
        view! { <option value=l selected=selected>{label}</option> }.into_any()
    }));
    view! {
        <form method="get" action="/catalog" class="card filters" role="search" aria-label="Search the catalog">
            <div class="field grow">
                <label for="catalog-q">"Search"</label>
                <input id="catalog-q" name="q" type="search" value=query.q placeholder="Name, product id or SKU" />
            </div>
            <div class="field">
                <label for="catalog-locale">"Locale"</label>
                <select id="catalog-locale" name="locale">{options}</select>
            </div>
            <div class="field">
                <label for="catalog-min">"Price from"</label>
                <input id="catalog-min" name="min_price" inputmode="decimal" size="7" value=query.min_price />
            </div>
            <div class="field">
                <label for="catalog-max">"to"</label>
                <input id="catalog-max" name="max_price" inputmode="decimal" size="7" value=query.max_price />
            </div>
            <label class="check" for="catalog-stock">
                <input id="catalog-stock" type="checkbox" name="in_stock" value="on" checked=query.in_stock />"In stock only"
            </label>
            <button type="submit" class="button">"Filter"</button>
        </form>
    }
}

/// A `#RRGGBB` swatch (validated on save, so safe in a style attribute).
pub fn swatch(colour: &str) -> impl IntoView + use<> {
    (!colour.is_empty()).then(|| {
        let style = format!("background-color:{colour}");
        view! { <span class="swatch" style=style aria-hidden="true"></span> }
    })
}

#[component]
fn ProductTable(items: Vec<ProductSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty-state">
                <h3>"No products match"</h3>
                <p>"Add a product, import a JSON Lines or CSV file, or loosen the filters."</p>
            </div>
        }
        .into_any();
    }
    let rows = items.into_iter().map(|p| {
        let price = p.price.map(|r| {
            if r.min == r.max {
                format_price(r.min, &r.currency)
            } else {
                format!("{} – {}", format_price(r.min, &r.currency), format_price(r.max, &r.currency))
            }
        });
        let stock_class = if p.stock > 0 { "badge" } else { "badge status-archived" };
        let stock = if p.stock > 0 { format!("{} in stock", p.stock) } else { "out of stock".into() };
        view! {
            <tr>
                <th scope="row"><a href=format!("/catalog/{}", encode(&p.id))>{p.name.clone()}</a></th>
                <td><code>{p.id.clone()}</code></td>
                <td>{if p.locale.is_empty() { "all".to_owned() } else { p.locale.clone() }}</td>
                <td class="num">{p.variants}</td>
                <td><span class=stock_class>{stock}</span></td>
                <td class="num">{price}</td>
                <td>{when(p.updated_at)}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table" data-testid="product-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Id"</th><th scope="col">"Locale"</th>
                <th scope="col" class="num">"Variants"</th><th scope="col">"Stock"</th>
                <th scope="col" class="num">"Price"</th><th scope="col">"Last change"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Pager(page: Page, query: CatalogQuery) -> impl IntoView {
    let at = query.page;
    let pages = page.total.div_ceil(u64::from(page.page_size.max(1))) as u32;
    let link = move |to: u32| {
        let to = to.to_string();
        let stock = if query.in_stock { "on" } else { "" };
        with_query(
            "/catalog",
            &[
                ("q", &query.q),
                ("locale", &query.locale),
                ("in_stock", stock),
                ("min_price", &query.min_price),
                ("max_price", &query.max_price),
                ("page", &to),
            ],
        )
    };
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(at > 0).then(|| view! { <a rel="prev" href=link(at - 1)>"Previous"</a> })}
                <span>{format!("Page {} of {pages}", at + 1)}</span>
                {(at + 1 < pages).then(|| view! { <a rel="next" href=link(at + 1)>"Next"</a> })}
            </nav>
        }
    })
}

#[component]
fn Unknown(items: Vec<UnknownReference>) -> impl IntoView {
    let rows = items.into_iter().map(|u| view! {
        <tr><th scope="row"><code>{u.reference}</code></th><td class="num">{u.count}</td><td>{u.event}</td><td>{when(u.last_seen)}</td></tr>
    });
    view! {
        <section class="card" aria-labelledby="unknown-heading" data-testid="unknown-skus">
            <h2 id="unknown-heading">"Unknown SKUs in events"</h2>
            <p class="hint">"E-commerce events named these, but the catalog has no such SKU or product. The events were kept; add the products to link future ones."</p>
            <table class="data-table">
                <thead><tr><th scope="col">"SKU or product id"</th><th scope="col" class="num">"Events"</th><th scope="col">"Latest event"</th><th scope="col">"Last seen"</th></tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </section>
    }
}
