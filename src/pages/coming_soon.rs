//! Sections whose features have not shipped yet.
use leptos::prelude::*;
use leptos_meta::Title;

/// What each unfinished section will do, so the nav never leads to a blank page.
fn purpose(section: &str) -> &'static str {
    match section {
        "Segments" => {
            "Build segments of customers with rules and see who is in them, fresh within a second."
        }
        "Campaigns" => "Target segments with messages, with consent, frequency caps and holdouts.",
        "Live" => "Watch events arrive as they happen, charted second by second.",
        "Catalog" => {
            "Describe the fields and events your sources send, and which of them are personal data."
        }
        "Settings" => "Manage sources, write keys, users and roles.",
        _ => "This section is being built.",
    }
}

/// Placeholder page for a section that is not available yet.
#[component]
pub fn ComingSoonPage(
    /// The section's name, as in the nav.
    section: &'static str,
) -> impl IntoView {
    view! {
        <Title text=section />
        <header class="page-header">
            <h1>{section}</h1>
        </header>
        <section class="empty-state">
            <p class="muted">"Not available yet."</p>
            <p>{purpose(section)}</p>
        </section>
    }
}
