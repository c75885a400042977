//! Settings: sources and write keys, imports, computed traits, the field catalog.

pub mod audit;
pub mod channels;
pub mod computed;
pub mod demo;
pub mod fields;
pub mod import;
pub mod import_mapping;
pub mod import_progress;
pub mod matching;
pub mod matching_run;
pub mod retention;
pub mod sources;
pub mod tokens;
pub mod users;

pub use audit::AuditPage;
pub use channels::ChannelsPage;
pub use computed::ComputedTraitsPage;
pub use fields::FieldsPage;
pub use import::ImportPage;
pub use import_progress::ImportProgressPage;
pub use matching::MatchingSettingsPage;
pub use sources::SourcesPage;
pub use tokens::TokensPage;
pub use users::UsersPage;

use crate::{components::session::current_user, model::access::Permission};
use leptos::prelude::*;
use leptos_router::components::A;

/// Settings sub-pages: (path, label, permission needed).
pub const TABS: [(&str, &str, Permission); 10] = [
    ("/settings", "Sources & keys", Permission::ViewSettings),
    ("/settings/import", "Import", Permission::ViewSettings),
    (
        "/settings/computed",
        "Computed traits",
        Permission::ViewSettings,
    ),
    (
        "/settings/fields",
        "Field catalog",
        Permission::ViewSettings,
    ),
    ("/settings/channels", "Channels", Permission::ViewSettings),
    ("/settings/matching", "Matching", Permission::ViewSettings),
    ("/settings/users", "Users", Permission::ManageUsers),
    ("/settings/tokens", "API tokens", Permission::ManageUsers),
    ("/settings/audit", "Audit log", Permission::ViewAudit),
    ("/settings/retention", "Retention", Permission::ViewSettings),
];

/// The page title and the tab row shared by every settings page (tabs the role may open).
#[component]
pub fn SettingsHeader() -> impl IntoView {
    let user = current_user();
    let tabs = TABS
        .into_iter()
        .filter(|(_, _, p)| user.can(*p))
        .map(|(href, label, _)| view! { <A href=href exact=href != "/settings/import">{label}</A> })
        .collect_view();
    view! {
        <header class="page-header">
            <h1>"Settings"</h1>
        </header>
        <nav class="tabs" aria-label="Settings">{tabs}</nav>
    }
}

/// "3 minutes ago"-free timestamps: the same text on server and client, so hydration agrees.
/// In the signed-in user's time zone (see `components::local_time`).
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::components::format_time(at)
}
