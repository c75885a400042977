//! Live: events per second, segment and campaign activity, top events and pages, active
//! profiles and the event tail, starting from a snapshot and kept current over `/ws/live`.
mod board;
mod chart;
mod tail;

use crate::{api::get_live_snapshot, components::LoadError, model::live::WINDOWS};
use board::LiveBoard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The live page; `?window=5|15|60` picks the chart window (minutes).
#[component]
pub fn LivePage() -> impl IntoView {
    let query = use_query_map();
    let window = Memo::new(move |_| {
        query
            .read()
            .get("window")
            .and_then(|w| w.parse::<u32>().ok())
            .filter(|w| WINDOWS.contains(w))
            .unwrap_or(WINDOWS[0])
    });
    let snapshot = Resource::new(move || window.get(), get_live_snapshot);
    let resync = Callback::new(move |()| snapshot.refetch());
    view! {
        <Title text="Live" />
        <header class="page-header">
            <h1>"Live"</h1>
            <nav class="window-picker" aria-label="Chart window">
                {WINDOWS
                    .iter()
                    .map(|w| {
                        let w = *w;
                        view! {
                            <a
                                href=format!("/live?window={w}")
                                class="button small"
                                aria-current=move || (window.get() == w).then_some("true")
                            >
                                {format!("{w} min")}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
        </header>
        <p class="muted js-required">"Charts update live once JavaScript has loaded; reload to refresh."</p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading live data…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    snapshot.await.map(|s| view! { <LiveBoard snapshot=s resync /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}
