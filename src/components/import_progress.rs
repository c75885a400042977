//! One import's progress (customer records or catalog products): a bar, the counts, the
//! rejected lines and the fields left out of imported rows.
use crate::model::import::{FieldWarning, ImportStatus};
use leptos::prelude::*;
use leptos_meta::Meta;

/// An import's progress bar, counts, rejected lines and left-out fields; the page refreshes
/// itself while it runs.
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
    let warning_count = status.warning_count;
    let warnings = status.warnings;
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
            <div class="import-scroll">
                <table class="data-table" data-testid="import-errors">
                    <thead><tr><th scope="col" class="num">"Line"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>{errors.collect_view()}</tbody>
                </table>
            </div>
        })}
        {(warning_count > 0).then(|| view! { <Warnings count=warning_count warnings /> })}
    }
}

/// Fields left out of imported rows: line, column, rule and (for roles that may see it) value.
#[component]
fn Warnings(count: u64, warnings: Vec<FieldWarning>) -> impl IntoView {
    let listed = warnings.len() as u64;
    let rows = warnings.into_iter().map(|w| {
        let problem = w.problem();
        let value = w.value.unwrap_or_else(|| "(restricted)".to_owned());
        view! {
            <tr>
                <td class="num">{w.line}</td>
                <td>{w.column}</td>
                <td><code>{value}</code></td>
                <td>{problem}</td>
            </tr>
        }
    });
    let more = (count > listed).then(|| format!("The first {listed} of {count} are listed."));
    view! {
        <h3>"Imported with fields left out"</h3>
        <p class="hint">{format!("{count} values broke their column's rule and were left out; the rest of each row was imported. ")}{more}</p>
        <div class="import-scroll">
            <table class="data-table" data-testid="import-warnings">
                <thead><tr>
                    <th scope="col" class="num">"Line"</th><th scope="col">"Column"</th>
                    <th scope="col">"Value"</th><th scope="col">"Problem"</th>
                </tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </div>
    }
}
