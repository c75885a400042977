//! The sidebar navigation: the sections the signed-in role may open, and who is signed in.
use super::session::current_user;
use crate::model::access::{Permission, SessionUser};
use leptos::prelude::*;
use leptos_router::components::A;

/// Every top-level section, in nav order: (path, label, permission needed to open it).
pub const SECTIONS: [(&str, &str, Permission); 7] = [
    ("/", "Dashboard", Permission::ViewDashboard),
    ("/customers", "Customers", Permission::ViewCustomers),
    ("/segments", "Segments", Permission::ViewMarketing),
    ("/campaigns", "Campaigns", Permission::ViewMarketing),
    ("/live", "Live", Permission::ViewDashboard),
    ("/catalog", "Catalog", Permission::ViewMarketing),
    ("/settings", "Settings", Permission::ViewSettings),
];

/// Product name, the role's section links (current one `aria-current="page"`) and sign-out.
#[component]
pub fn Nav() -> impl IntoView {
    let user = current_user().0;
    view! {
        <nav class="sidebar" aria-label="Main">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"e"</span>
                "enrich"
            </a>
            {user.map(|user| view! { <SignedInNav user /> })}
        </nav>
    }
}

#[component]
fn SignedInNav(user: SessionUser) -> impl IntoView {
    let links = SECTIONS
        .into_iter()
        .filter(|(_, _, permission)| user.can(*permission))
        .map(|(href, label, _)| view! { <li><A href=href exact={href == "/"}>{label}</A></li> })
        .collect_view();
    view! {
        <ul>{links}</ul>
        <div class="whoami" data-testid="whoami">
            <span class="whoami-email">{user.email.clone()}</span>
            <span class="badge">{user.role.as_str()}</span>
            <form method="post" action="/auth/logout">
                <button type="submit" class="link-button">"Sign out"</button>
            </form>
        </div>
    }
}
