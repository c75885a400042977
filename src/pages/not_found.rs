//! The page for any unknown address.
use leptos::prelude::*;
use leptos_meta::Title;

/// 404: says so plainly and offers a way back. The server answers these with status 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <section class="empty-state">
            <h1>"Page not found"</h1>
            <p>
                "There is nothing at this address. "
                "It may have moved, or the link may be mistyped."
            </p>
            <a class="button" href="/">"Go to the dashboard"</a>
        </section>
    }
}
