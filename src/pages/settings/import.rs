//! Import customer records in two steps, both plain multipart forms that work with and
//! without JavaScript: choose the source and the file, then map its columns (a form built
//! from the file's header row; TOML can be pasted instead). After an error the page comes
//! back with the source, the kept file, the choices and each message beside its field.
use super::{SettingsHeader, import_mapping::MappingStep, when};
use crate::{
    api::imports::recent_imports,
    components::{
        LoadError,
        session::{RoleNote, current_user},
    },
    model::{
        access::Permission,
        import::{EXAMPLE_MAPPING, ImportStatus},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The query after a redirect: what was chosen and what went wrong (`err_<field>`).
pub type Query = Memo<leptos_router::params::ParamsMap>;

/// A field's error from the query, for the message beside it.
pub fn query_error(query: Query, field: &str) -> Option<String> {
    query.read().get(&format!("err_{field}"))
}

/// The upload form (or, once a file is kept, its mapping form) and the recent imports.
#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let recent = Resource::new(|| (), |_| recent_imports());
    let manage = current_user().can(Permission::ManageData);
    let step = move || match query.read().get("upload").filter(|u| !u.is_empty()) {
        _ if !manage => {
            view! { <RoleNote text="Only admins can import customer records." /> }.into_any()
        }
        Some(upload) => view! { <MappingStep upload query /> }.into_any(),
        None => view! { <UploadStep query /> }.into_any(),
    };
    view! {
        <Title text="Import · Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card form-card" aria-labelledby="import-heading">
                <h2 id="import-heading">"Import customer records"</h2>
                {step}
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

/// The general error above a form, when a field error is not enough.
#[component]
pub fn QueryAlert(query: Query) -> impl IntoView {
    move || {
        query.read().get("error").map(|e| {
            view! { <p class="alert alert-error" role="alert" data-testid="form-error">{e}</p> }
        })
    }
}

/// A field's message, with the id its input points at.
#[component]
pub fn QueryFieldError(
    query: Query,
    #[prop(into)] field: String,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! { <p class="field-error" id=id aria-live="polite">{move || query_error(query, &field)}</p> }
}

/// Step 1: source name and file (and, optionally, a mapping pasted as TOML).
#[component]
fn UploadStep(query: Query) -> impl IntoView {
    let source = query.read_untracked().get("source").unwrap_or_default();
    let mapping_error = query_error(query, "mapping");
    let invalid = move |field: &'static str| query_error(query, field).map(|_| "true");
    view! {
        <QueryAlert query />
        <form class="form" method="post" action="/imports" enctype="multipart/form-data">
            <input type="hidden" name="step" value="map" />
            <div class="field">
                <label for="source">"Source name"<span class="required" aria-hidden="true">" *"</span></label>
                <input id="source" name="source" required maxlength="64" value=source
                    aria-invalid=move || invalid("source")
                    aria-describedby="source-error source-hint" />
                <p class="hint" id="source-hint">"e.g. crm or legacy-db. Its mapping is saved for next time."</p>
                <QueryFieldError query field="source" id="source-error" />
            </div>
            <div class="field">
                <label for="file">"File"<span class="required" aria-hidden="true">" *"</span></label>
                <input id="file" name="file" type="file" required accept=".csv,.txt,.jsonl,.ndjson,.json,text/csv"
                    aria-invalid=move || invalid("file")
                    aria-describedby="file-error file-hint" />
                <p class="hint" id="file-hint">"CSV (UTF-8) with a header row, or JSON Lines (.jsonl). Up to 64 MB."</p>
                <QueryFieldError query field="file" id="file-error" />
            </div>
            <details class="field" open=mapping_error.is_some()>
                <summary>"Paste a mapping as TOML instead (optional)"</summary>
                <label for="mapping">"Column mapping (TOML)"</label>
                <textarea id="mapping" name="mapping" rows="12" spellcheck="false"
                    placeholder=EXAMPLE_MAPPING aria-describedby="mapping-error mapping-hint"></textarea>
                <p class="hint" id="mapping-hint">"With a mapping here the import starts at once. Leave empty to map the columns in the next step."</p>
                <QueryFieldError query field="mapping" id="mapping-error" />
            </details>
            <div class="form-actions">
                <button type="submit" class="button primary">"Continue"</button>
            </div>
        </form>
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
        <div class="import-scroll">
            <table class="data-table" data-testid="imports-table">
                <thead><tr>
                    <th scope="col">"File"</th><th scope="col">"Source"</th><th scope="col">"State"</th>
                    <th scope="col" class="num">"Imported"</th><th scope="col" class="num">"Rejected"</th>
                    <th scope="col">"Started"</th>
                </tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}
