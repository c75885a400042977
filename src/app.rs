//! The HTML shell, the router and the page layout.
use crate::{
    components::{
        Nav,
        session::{SessionUserScript, provide_current_user},
    },
    pages::{
        AuditPage, CampaignPage, CampaignsPage, CatalogImportPage, CatalogImportProgressPage,
        CatalogPage, ChannelsPage, ComputedTraitsPage, CustomerPage, CustomersPage, DashboardPage,
        EditCampaignPage, EditProductPage, EditSegmentPage, FieldsPage, ForbiddenPage, ImportPage,
        ImportProgressPage, LivePage, LoginPage, MatchesPage, MatchingSettingsPage,
        NewCampaignPage, NewProductPage, NewSegmentPage, NotFoundPage, PreferencesPage,
        ProductPage, SegmentPage, SegmentsPage, SourcesPage, StaticSegmentPage, TokensPage,
        UsersPage,
    },
};
use leptos::prelude::*;
use leptos_meta::{Link, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The Content-Security-Policy names the nonce this render puts on its scripts.
    #[cfg(feature = "ssr")]
    crate::server::security_headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: navigation plus the routed page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let user = provide_current_user();
    // Effects only run in the browser once the page is interactive: a marker for tests and CSS.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/enrich.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Title formatter=|page: String| format!("{page} · enrich") />
        <SessionUserScript user />
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <div class="layout">
                <Nav />
                <main id="main" class="content" tabindex="-1">
                    <Routes fallback=NotFoundPage>
                        // Async: the server sends each data page complete, so it reads
                        // without JavaScript (streamed parts need JS to be put in place).
                        <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async />
                        <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                        <Route path=path!("/forbidden") view=ForbiddenPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/preferences")
                            view=PreferencesPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/customers")
                            view=CustomersPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/segments") view=SegmentsPage ssr=SsrMode::Async />
                        <Route path=path!("/segments/new") view=NewSegmentPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/segments/static")
                            view=StaticSegmentPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/segments/:id") view=SegmentPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/segments/:id/edit")
                            view=EditSegmentPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/campaigns") view=CampaignsPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/campaigns/new")
                            view=NewCampaignPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/campaigns/:id") view=CampaignPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/campaigns/:id/edit")
                            view=EditCampaignPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/campaigns/:id/launch")
                            view=crate::pages::LaunchCampaignPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/live") view=LivePage ssr=SsrMode::Async />
                        <Route path=path!("/catalog") view=CatalogPage ssr=SsrMode::Async />
                        <Route path=path!("/catalog/new") view=NewProductPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/catalog/import")
                            view=CatalogImportPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/catalog/import/:id")
                            view=CatalogImportProgressPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/catalog/:id") view=ProductPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/catalog/:id/edit")
                            view=EditProductPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/customers/matches")
                            view=MatchesPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/customers/:id")
                            view=CustomerPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/settings") view=SourcesPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/settings/import")
                            view=ImportPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/import/:id")
                            view=ImportProgressPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/computed")
                            view=ComputedTraitsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/channels")
                            view=ChannelsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/fields")
                            view=FieldsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/users")
                            view=UsersPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/tokens")
                            view=TokensPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/matching")
                            view=MatchingSettingsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/audit")
                            view=AuditPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/settings/retention")
                            view=crate::pages::settings::retention::RetentionPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
