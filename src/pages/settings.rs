//! Settings: sources and write keys, imports, computed traits, the field catalog.

pub mod computed;
pub mod fields;
pub mod import;
pub mod import_progress;
pub mod sources;

pub use computed::ComputedTraitsPage;
pub use fields::FieldsPage;
pub use import::ImportPage;
pub use import_progress::ImportProgressPage;
pub use sources::SourcesPage;

use leptos::prelude::*;
use leptos_router::components::A;

/// Settings sub-pages: (path, label).
const TABS: [(&str, &str); 4] = [
    ("/settings", "Sources & keys"),
    ("/settings/import", "Import"),
    ("/settings/computed", "Computed traits"),
    ("/settings/fields", "Field catalog"),
];

/// The page title and the tab row shared by every settings page.
#[component]
pub fn SettingsHeader() -> impl IntoView {
    view! {
        <header class="page-header">
            <h1>"Settings"</h1>
        </header>
        <nav class="tabs" aria-label="Settings">
            {TABS
                .into_iter()
                .map(|(href, label)| view! { <A href=href exact=href != "/settings/import">{label}</A> })
                .collect_view()}
        </nav>
    }
}

/// "3 minutes ago"-free timestamps: the same text on server and client, so hydration agrees.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
