//! Importing products from a JSON Lines or CSV file, and one catalog import's progress. The
//! upload is a plain multipart form: it works the same with and without JavaScript.
use crate::{
    api::catalog::{get_catalog_import, recent_catalog_imports},
    components::{LoadError, import_progress::ImportProgress, session::current_user},
    model::{access::Permission, import::ImportStatus},
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

const EXAMPLE_JSONL: &str = r##"{"id":"tee","name":"Tee","locale":"en-US","brand":"Acme","variants":[{"id":"TEE-BLU-M","name":"Blue M","size":"M","color":"blue","display-color":"#1f4e9c","price":1999,"currency":"EUR","stock":12,"pictures":[]}]}"##;
const EXAMPLE_CSV: &str = "product_id,name,locale,sku,variant_name,size,color,display-color,price,currency,stock,brand\ntee,Tee,en-US,TEE-BLU-M,Blue M,M,blue,#1f4e9c,1999,EUR,12,Acme";

/// The upload form and the recent catalog imports.
#[component]
pub fn CatalogImportPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let recent = Resource::new(|| (), |_| recent_catalog_imports());
    view! {
        <Title text="Import products · Catalog" />
        <header class="page-header"><h1>"Import products"</h1></header>
        <div class="split">
            <section class="card form-card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Upload a catalog file"</h2>
                {move || error().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
                <form class="form" method="post" action="/catalog/import" enctype="multipart/form-data">
                    <div class="field">
                        <label for="file">"File"<span class="required" aria-hidden="true">" *"</span></label>
                        <input id="file" name="file" type="file" required accept=".jsonl,.ndjson,.json,.csv,text/csv" aria-describedby="file-hint" />
                        <p class="hint" id="file-hint">"Products are saved by id: importing the same file again changes nothing. Prices are integers in the currency's minor unit (cents)."</p>
                    </div>
                    <div class="form-actions"><button type="submit" class="button primary">"Upload and import"</button></div>
                </form>
                <h3>"JSON Lines: one product per line"</h3>
                <pre class="example">{EXAMPLE_JSONL}</pre>
                <h3>"CSV: one row per variant"</h3>
                <pre class="example">{EXAMPLE_CSV}</pre>
                <p class="hint">"Rows with the same product_id are one product; pictures are separated by |; other columns become attributes."</p>
            </section>
            <section class="card" aria-labelledby="recent-heading">
                <h2 id="recent-heading">"Recent catalog imports"</h2>
                <Suspense fallback=|| view! { <p class="loading" role="status">"Loading imports…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move { recent.await.map(|list| view! { <Recent list /> }) })}
                    </ErrorBoundary>
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn Recent(list: Vec<ImportStatus>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No catalog imports yet."</p> }.into_any();
    }
    let rows = list.into_iter().map(|i| view! {
        <tr>
            <th scope="row"><a href=format!("/catalog/import/{}", i.id)>{i.file_name.clone()}</a></th>
            <td>{i.state.clone()}</td>
            <td class="num">{i.imported}</td>
            <td class="num">{i.error_count}</td>
            <td>{when(i.started_at)}</td>
        </tr>
    });
    view! {
        <table class="data-table">
            <thead><tr><th scope="col">"File"</th><th scope="col">"State"</th><th scope="col" class="num">"Imported"</th><th scope="col" class="num">"Rejected"</th><th scope="col">"Started"</th></tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// Progress and result of the catalog import in the URL.
#[component]
pub fn CatalogImportProgressPage() -> impl IntoView {
    let params = use_params_map();
    let status = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_catalog_import,
    );
    view! {
        <Title text="Catalog import" />
        <header class="page-header"><h1>"Catalog import"</h1></header>
        <section class="card" aria-labelledby="progress-heading">
            <h2 id="progress-heading" class="visually-hidden">"Progress"</h2>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the import…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { status.await.map(|s| view! { <ImportProgress status=s /> }) })}
                </ErrorBoundary>
            </Suspense>
            <p>
                <a href="/catalog">"Back to the catalog"</a>
                {current_user().can(Permission::EditMarketing).then(|| view! { " · " <a href="/catalog/import">"Import another file"</a> })}
            </p>
        </section>
    }
}
