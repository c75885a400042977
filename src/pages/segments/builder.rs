//! The segment builder: the rule tree as one form, with undo, a live preview (debounced while
//! typing; only the newest answer is shown) of the count, share and a masked sample, and saving
//! with name and description. Without JavaScript the same form works by submitting: its buttons
//! redraw the page from the submitted fields, "Preview" counts, and "Save segment" posts.
use super::{editor::Editing, preview::Preview, save::SaveForm, tree::node};
use crate::{
    api::segments::{get_builder_catalog, get_segment},
    components::LoadError,
    error::AppError,
    model::segment::BuilderCatalog,
    segment::{
        Rule,
        form::{self, ROOT},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// A segment as the builder starts: stored, or blank.
#[derive(Clone, Default)]
struct Start {
    id: Option<String>,
    name: String,
    description: String,
    version: Option<i64>,
    rule: Option<Rule>,
}

/// A new segment.
#[component]
pub fn NewSegmentPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| get_builder_catalog());
    let load = move || async move { Ok((Start::default(), catalog.await?)) };
    view! { <Title text="New segment" /><Builder heading="New segment" load /> }
}

/// The segment in the URL, edited.
#[component]
pub fn EditSegmentPage() -> impl IntoView {
    let params = use_params_map();
    // Both loaded here, side by side: a resource first created inside another's suspense
    // does not hydrate reliably.
    let detail = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_segment,
    );
    let catalog = Resource::new(|| (), |_| get_builder_catalog());
    let load = move || async move {
        let (d, catalog) = (detail.await?, catalog.await?);
        let start = Start {
            id: Some(d.summary.id),
            name: d.summary.name,
            description: d.summary.description,
            version: Some(i64::from(d.summary.version)),
            rule: d.rule,
        };
        Ok((start, catalog))
    };
    view! { <Title text="Edit segment" /><Builder heading="Edit segment" load /> }
}

/// `start`, with what a no-JavaScript submit of the builder form carries laid over it.
fn submitted(mut start: Start, catalog: &BuilderCatalog) -> Start {
    let query = use_query_map().get_untracked();
    let fields = form::fields_from(query.latest_values().map(|(k, v)| (k.as_ref(), v)));
    if !fields.is_empty() {
        start.rule = Some(form::read(fields, query.get_str("do"), catalog));
    }
    if let Some(name) = query.get("name") {
        start.name = name;
    }
    if let Some(description) = query.get("description") {
        start.description = description;
    }
    if let Some(version) = query.get("base_version").and_then(|v| v.parse().ok()) {
        start.version = Some(version);
    }
    start
}

#[component]
fn Builder<L, F>(heading: &'static str, load: L) -> impl IntoView
where
    L: Fn() -> F + Send + Sync + 'static,
    F: std::future::Future<Output = Result<(Start, BuilderCatalog), AppError>> + Send + 'static,
{
    view! {
        <header class="page-header"><h1>{heading}</h1></header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the builder…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || {
                    let loading = load();
                    Suspend::new(async move {
                        loading.await.map(|(start, catalog)| {
                            let start = submitted(start, &catalog);
                            let editing = Editing::new(start.rule.clone().unwrap_or_else(Rule::everyone));
                            view! { <BuilderForm editing catalog start /> }
                        })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn BuilderForm(editing: Editing, catalog: BuilderCatalog, start: Start) -> impl IntoView {
    let Start {
        id,
        name,
        description,
        version,
        ..
    } = start;
    view! {
        // With JavaScript every button acts in the page; the form is only ever submitted
        // without it (a GET back to this page, or the save button's POST).
        <form method="get" class="builder" novalidate=true on:submit=|ev| ev.prevent_default()>
            <section class="card" aria-labelledby="rule-editor-heading">
                <h2 id="rule-editor-heading">"Who belongs"</h2>
                <div class="toolbar">
                    // First submit button: pressing Enter in a field previews, without JavaScript.
                    <button type="submit" class="button js-required" name="do" value="preview">"Preview"</button>
                    <button type="button" class="button js-only" disabled=move || editing.undo.read().is_empty()
                        on:click=move |_| editing.undo()>"Undo"</button>
                </div>
                {move || node(editing, &catalog, editing.rule.get(), ROOT.to_owned())}
            </section>
            <Preview editing id=id.clone() />
            <SaveForm editing id name description version />
        </form>
    }
}
