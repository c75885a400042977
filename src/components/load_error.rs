//! What a section shows when its data could not be loaded.
use leptos::prelude::*;

/// Error-boundary fallback: the errors in words, as an alert for screen readers.
#[component]
pub fn LoadError(
    /// The errors caught by the surrounding `ErrorBoundary`.
    errors: ArcRwSignal<Errors>,
) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert">
            <strong>"Could not load this section. "</strong>
            {move || {
                errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; ")
            }}
        </div>
    }
}
