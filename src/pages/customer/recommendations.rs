//! What the customer is recommended: products related to what they viewed and bought, then
//! popular ones, in stock, not bought before, in their locale.
use crate::{
    api::catalog::get_recommendations,
    components::LoadError,
    model::product::CustomerRecommendations,
    pages::{catalog::ProductCards, settings::when},
};
use leptos::prelude::*;

/// Customer `id`'s recommended products.
#[component]
pub fn Recommendations(id: String) -> impl IntoView {
    let list = Resource::new(move || id.clone(), get_recommendations);
    view! {
        <section class="card" aria-labelledby="recommendations-heading" data-testid="customer-recommendations">
            <h2 id="recommendations-heading">"Recommended products"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading recommendations…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { list.await.map(|r| view! { <List recommendations=r /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn List(recommendations: CustomerRecommendations) -> impl IntoView {
    let refreshed = recommendations
        .refreshed_at
        .map(|at| view! { <p class="muted small">"Ranked "{when(at)}</p> });
    view! {
        <ProductCards items=recommendations.items empty="None yet: they are ranked with the customer's first product view, cart add or order." />
        {refreshed}
    }
}
