//! "Load demo data" for admins on the Settings page, at any time, with its progress.
use crate::api::{
    dashboard::DEMO_CUSTOMERS,
    demo::{DemoState, DemoStatus, StartDemoData, get_demo_status},
};
use leptos::prelude::*;

/// The demo data card: what it loads, the button, and the latest load's progress. With
/// JavaScript the progress refreshes itself; without, the page reloads while a load runs.
#[component]
pub fn DemoDataCard() -> impl IntoView {
    let start = ServerAction::<StartDemoData>::new();
    let tick = RwSignal::new(0u32);
    let status = Resource::new(
        move || (start.version().get(), tick.get()),
        |_| get_demo_status(),
    );
    // Set when the status arrives (inside the Transition), so nothing reads the resource outside it.
    let busy = RwSignal::new(false);
    let running = move || busy.get();
    Effect::new(move |_| {
        if running() {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });
    view! {
        <section class="card" aria-labelledby="demo-heading" data-testid="demo-data">
            <h2 id="demo-heading">"Demo data"</h2>
            <p class="muted">
                {format!("{DEMO_CUSTOMERS} people spread over two legacy systems, with 90 days of web and app events. ")}
                "Loading again adds no one twice."
            </p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Checking demo data…"</p> }>
                {move || Suspend::new(async move {
                    status.await.ok().map(|s| {
                        busy.set(s.state == DemoState::Running);
                        view! { <DemoProgress status=s /> }
                    })
                })}
            </Transition>
            <ActionForm action=start attr:class="inline-form">
                <button type="submit" class="button" disabled=move || start.pending().get() || running()>
                    "Load demo data"
                </button>
            </ActionForm>
        </section>
    }
}

/// The latest load in words, with a progress bar while it runs.
#[component]
fn DemoProgress(status: DemoStatus) -> impl IntoView {
    match status.state {
        DemoState::Idle => ().into_any(),
        DemoState::Running => view! {
            // Only browsers without JavaScript parse this; the others poll.
            <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript>
            <p role="status">
                {format!("Loading demo data: {} ({} of about {} records and events)…", status.step, status.done, status.total)}
            </p>
            <progress class="progress" max=status.total.max(1) value=status.done aria-label="Demo data progress"></progress>
        }
        .into_any(),
        DemoState::Done => view! {
            <p class="alert alert-success" role="status">
                {format!(
                    "Demo data loaded: {} people in the database (finished {} UTC).",
                    status.people,
                    status.finished_at.unwrap_or_default()
                )}
            </p>
        }
        .into_any(),
        DemoState::Failed => view! {
            <p class="alert alert-error" role="alert">{format!("Demo data stopped: {}", status.step)}</p>
        }
        .into_any(),
    }
}
