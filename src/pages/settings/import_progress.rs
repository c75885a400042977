//! One import's progress bar and result summary; refreshes itself while the import runs.
use super::SettingsHeader;
use crate::{
    api::imports::get_import,
    components::{LoadError, import_progress::ImportProgress, session::current_user},
    model::access::Permission,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Progress and result of the import in the URL.
#[component]
pub fn ImportProgressPage() -> impl IntoView {
    let params = use_params_map();
    let status = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_import,
    );
    view! {
        <Title text="Import progress · Settings" />
        <SettingsHeader />
        <section class="card" aria-labelledby="progress-heading">
            <h2 id="progress-heading">"Import"</h2>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the import…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { status.await.map(|s| view! { <ImportProgress status=s /> }) })}
                </ErrorBoundary>
            </Suspense>
            {current_user().can(Permission::ManageData).then(|| view! { <p><a href="/settings/import">"Import another file"</a></p> })}
        </section>
    }
}
