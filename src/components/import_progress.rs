//! One import's progress (customer records or catalog products): a bar, the counts and the
//! rejected lines.
use crate::model::import::ImportStatus;
use leptos::prelude::*;
use leptos_meta::Meta;

/// An import's progress bar, counts and rejected lines; the page refreshes itself while it runs.
#[component]
pub fn ImportProgress(status: ImportStatus) -> impl IntoView {
    let running = status.state == "running";
    let (unit, into) = if status.kind == "products" {
        ("products", "into the catalog — ".to_owned())
    } else {
        ("rows", format!(" into source {} — ", status.source))
    };
    let summary = format!(
        "{} of {} {unit} processed: {} imported, {} unchanged (imported before), {} rejected.",
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
            " "{into}
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
