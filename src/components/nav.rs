//! The sidebar navigation.
use leptos::prelude::*;
use leptos_router::components::A;

/// Every top-level section, in nav order: (path, label).
pub const SECTIONS: [(&str, &str); 7] = [
    ("/", "Dashboard"),
    ("/customers", "Customers"),
    ("/segments", "Segments"),
    ("/campaigns", "Campaigns"),
    ("/live", "Live"),
    ("/catalog", "Catalog"),
    ("/settings", "Settings"),
];

/// Product name and section links; the current section gets `aria-current="page"`.
#[component]
pub fn Nav() -> impl IntoView {
    view! {
        <nav class="sidebar" aria-label="Main">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"e"</span>
                "enrich"
            </a>
            <ul>
                {SECTIONS
                    .into_iter()
                    .map(|(href, label)| view! { <li><A href=href exact={href == "/"}>{label}</A></li> })
                    .collect_view()}
            </ul>
        </nav>
    }
}
