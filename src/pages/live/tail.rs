//! The live event tail: newest first, pausable, filterable, each row leading to its customer.
use crate::{
    components::session::current_user,
    model::{access::Permission, live::LiveEvent, time_zone::UserZone},
};
use leptos::prelude::*;

/// The newest events as they arrive.
#[component]
pub fn EventTail(
    tail: RwSignal<Vec<LiveEvent>>,
    paused: RwSignal<bool>,
    zone: UserZone,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let can_open = current_user().can(Permission::ViewCustomers);
    let shown = move || {
        let wanted = filter.get().to_lowercase();
        tail.get()
            .into_iter()
            .filter(|e| {
                wanted.is_empty()
                    || e.event.to_lowercase().contains(&wanted)
                    || e.source.to_lowercase().contains(&wanted)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="card" aria-labelledby="tail-title">
            <div class="section-header">
                <h2 id="tail-title">"Event tail"</h2>
                <div class="tail-controls js-only">
                    <label>
                        "Filter "
                        <input
                            type="search"
                            placeholder="event or source"
                            prop:value=move || filter.get()
                            on:input=move |e| filter.set(event_target_value(&e))
                        />
                    </label>
                    <button
                        type="button"
                        class="button small"
                        aria-pressed=move || paused.get().to_string()
                        on:click=move |_| paused.update(|p| *p = !*p)
                    >
                        {move || if paused.get() { "Resume" } else { "Pause" }}
                    </button>
                </div>
            </div>
            <div class="table-scroll">
            <table class="tail" data-testid="event-tail">
                <thead>
                    <tr>
                        <th scope="col">{format!("Time ({})", zone.name())}</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Page"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let rows = shown();
                        if rows.is_empty() {
                            return view! { <tr><td colspan="5" class="muted">"No events yet. They appear here as they arrive."</td></tr> }.into_any();
                        }
                        rows.into_iter().map(|e| view! { <TailRow event=e can_open zone /> }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            </div>
        </section>
    }
}

#[component]
fn TailRow(event: LiveEvent, can_open: bool, zone: UserZone) -> impl IntoView {
    let who = event.who.clone().unwrap_or_else(|| {
        if event.identified {
            "identified"
        } else {
            "anonymous"
        }
        .to_owned()
    });
    let who = match (&event.profile_id, can_open) {
        (Some(id), true) => view! { <a href=format!("/customers/{id}")>{who}</a> }.into_any(),
        _ => view! { <span>{who}</span> }.into_any(),
    };
    view! {
        <tr>
            <td>{zone.clock(event.received_at)}</td>
            <td>{event.event}</td>
            <td>{event.source}</td>
            <td>{who}</td>
            <td>{event.page.unwrap_or_default()}</td>
        </tr>
    }
}
