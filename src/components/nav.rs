//! The sidebar navigation: the sections the signed-in role may open, and who is signed in. On a
//! phone the links fold into a "Menu" disclosure (`<details>`), which opens without JavaScript.
use super::session::current_user;
use crate::model::access::{Permission, SessionUser};
use leptos::{html::Details, prelude::*};
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
        // The dark column spans the whole page; its contents stay in view while the page scrolls.
        <nav class="sidebar" aria-label="Main">
            <div class="sidebar-inner">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"e"</span>
                    "enrich"
                </a>
                {user.map(|user| view! { <SignedInNav user /> })}
            </div>
        </nav>
    }
}

#[component]
fn SignedInNav(user: SessionUser) -> impl IntoView {
    let menu = NodeRef::<Details>::new();
    // `None` until hydrated: without JavaScript the browser states the disclosure's state itself.
    let expanded = RwSignal::new(None::<bool>);
    Effect::new(move |_| expanded.set(menu.get().map(|m| m.open())));
    let toggled = move |_| expanded.set(menu.get_untracked().map(|m| m.open()));
    // On a phone the open menu covers the page: following a link closes it.
    let close = move |_| {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    let links = SECTIONS
        .into_iter()
        .filter(|(_, _, permission)| user.can(*permission))
        .map(|(href, label, _)| view! { <li><A href=href exact={href == "/"}>{label}</A></li> })
        .collect_view();
    view! {
        <details class="nav-menu" node_ref=menu on:toggle=toggled>
            <summary class="nav-toggle" aria-expanded=move || expanded.get().map(|e| e.to_string())>
                <span class="nav-toggle-icon" aria-hidden="true"></span>
                "Menu"
            </summary>
            <ul on:click=close>{links}</ul>
            <div class="whoami" data-testid="whoami">
                <span class="whoami-email">{user.email.clone()}</span>
                <span class="badge">{user.role.as_str()}</span>
                <a href="/preferences" class="whoami-link" on:click=close>"Your preferences"</a>
                <form method="post" action="/auth/logout">
                    <button type="submit" class="link-button">"Sign out"</button>
                </form>
            </div>
        </details>
    }
}
