//! One import's progress bar and result summary; refreshes itself while the import runs.
use super::SettingsHeader;
use crate::{api::imports::get_import, components::LoadError, model::import::ImportStatus};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
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
                    {move || Suspend::new(async move { status.await.map(|s| view! { <Progress status=s /> }) })}
                </ErrorBoundary>
            </Suspense>
            <p><a href="/settings/import">"Import another file"</a></p>
        </section>
    }
}

#[component]
fn Progress(status: ImportStatus) -> impl IntoView {
    let running = status.state == "running";
    let summary = format!(
        "{} of {} rows processed: {} imported, {} already imported before, {} rejected.",
        status.processed, status.total, status.imported, status.duplicates, status.error_count
    );
    let errors = status
        .errors
        .into_iter()
        .map(|e| view! { <tr><td class="num">{e.line}</td><td>{e.message}</td></tr> });
    view! {
        // A plain refresh keeps the bar moving with or without JavaScript.
        {running.then(|| view! { <Meta http_equiv="refresh" content="1" /> })}
        <p>
            <strong>{status.file_name}</strong>
            {format!(" into source {} — ", status.source)}
            <span data-testid="import-state">{status.state.clone()}</span>
        </p>
        <progress max=status.total.max(1) value=status.processed aria-label="Rows processed" class="progress"></progress>
        <p role="status" data-testid="import-summary">{summary}</p>
        {status.failure.map(|f| view! { <p class="alert alert-error" role="alert">{f}</p> })}
        {(status.error_count > 0).then(|| view! {
            <h3>"Rejected rows"</h3>
            <table class="data-table" data-testid="import-errors">
                <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Reason"</th></tr></thead>
                <tbody>{errors.collect_view()}</tbody>
            </table>
        })}
    }
}
