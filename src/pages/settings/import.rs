//! Upload a CSV or JSON Lines file of customer records with a column mapping. A plain
//! multipart form: it works the same with and without JavaScript.
use super::{SettingsHeader, when};
use crate::{
    api::imports::recent_imports,
    components::LoadError,
    model::import::{EXAMPLE_MAPPING, ImportStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The upload form and the recent imports.
#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error");
    let recent = Resource::new(|| (), |_| recent_imports());
    view! {
        <Title text="Import · Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card form-card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import customer records"</h2>
                {move || error().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
                <form class="form" method="post" action="/imports" enctype="multipart/form-data">
                    <div class="field">
                        <label for="source">"Source name"<span class="required" aria-hidden="true">" *"</span></label>
                        <input id="source" name="source" required aria-describedby="source-hint" />
                        <p class="hint" id="source-hint">"e.g. crm or legacy-db. Its mapping is saved for next time."</p>
                    </div>
                    <div class="field">
                        <label for="file">"File"<span class="required" aria-hidden="true">" *"</span></label>
                        <input id="file" name="file" type="file" required accept=".csv,.jsonl,.ndjson,.json,text/csv" aria-describedby="file-hint" />
                        <p class="hint" id="file-hint">"CSV with a header row, or JSON Lines (.jsonl). Up to 64 MB."</p>
                    </div>
                    <div class="field">
                        <label for="mapping">"Column mapping (TOML)"</label>
                        <textarea id="mapping" name="mapping" rows="12" spellcheck="false"
                            placeholder=EXAMPLE_MAPPING aria-describedby="mapping-hint"></textarea>
                        <p class="hint" id="mapping-hint">"Leave empty to reuse the source's saved mapping. The placeholder shows the format."</p>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="button primary">"Upload and import"</button>
                    </div>
                </form>
            </section>
            <section class="card" aria-labelledby="recent-heading">
                <h2 id="recent-heading">"Recent imports"</h2>
                <Suspense fallback=|| view! { <p class="loading" role="status">"Loading imports…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move { recent.await.map(|list| view! { <RecentImports list /> }) })}
                    </ErrorBoundary>
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn RecentImports(list: Vec<ImportStatus>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty-state">"No imports yet."</p> }.into_any();
    }
    let rows = list.into_iter().map(|i| {
        let href = format!("/settings/import/{}", i.id);
        view! {
            <tr>
                <td><a href=href>{i.file_name}</a></td>
                <td>{i.source}</td>
                <td>{i.state}</td>
                <td class="num">{i.imported}</td>
                <td class="num">{i.error_count}</td>
                <td>{when(i.started_at)}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table" data-testid="imports-table">
            <thead><tr>
                <th scope="col">"File"</th><th scope="col">"Source"</th><th scope="col">"State"</th>
                <th scope="col" class="num">"Imported"</th><th scope="col" class="num">"Rejected"</th>
                <th scope="col">"Started"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
