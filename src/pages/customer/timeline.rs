//! The event timeline: newest first, filtered by call type, older events loaded on demand.
use crate::{
    api::list_profile_events,
    model::profile::{EventView, ProfileView},
    pages::settings::when,
};
use leptos::prelude::*;

/// Call types the filter offers: (value, label).
const KINDS: [(&str, &str); 5] = [
    ("", "All events"),
    ("track", "Actions (track)"),
    ("page", "Page views"),
    ("identify", "Identify"),
    ("screen", "Screen views"),
];

/// The first page comes with the profile; filtering and "Load older events" fetch more.
#[component]
pub fn Timeline(profile: ProfileView) -> impl IntoView {
    let events = RwSignal::new(profile.recent_events);
    let next = RwSignal::new(profile.events_next);
    let kind = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let id = profile.id.clone();
    let fetch = move |replace: bool| {
        let (id, filter) = (id.clone(), Some(kind.get_untracked()));
        let before = if replace { None } else { next.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match list_profile_events(id, filter, before).await {
                Ok(page) if replace => events.set(page.events),
                Ok(page) => events.update(|all| all.extend(page.events.clone())),
                Err(err) => failure.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    let fetch_more = fetch.clone();
    view! {
        <section class="card" aria-labelledby="timeline-heading" id="timeline">
            <div class="section-head">
                <h2 id="timeline-heading">"Event timeline"</h2>
                <label for="timeline-kind" class="visually-hidden">"Show"</label>
                <select id="timeline-kind" on:change=move |ev| { kind.set(event_target_value(&ev)); fetch(true); }>
                    {KINDS.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                </select>
            </div>
            {move || failure.get().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <ol class="timeline" data-testid="events" aria-live="polite" aria-busy=move || busy.get().to_string()>
                <For each=move || events.get() key=|e| e.id.clone() let:event>
                    <EventRow event />
                </For>
            </ol>
            {move || events.with(Vec::is_empty).then(|| view! { <p class="muted" data-testid="events-empty">"No events of this kind."</p> })}
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="button" data-testid="load-older"
                    disabled=move || busy.get() on:click={let fetch_more = fetch_more.clone(); move |_| fetch_more(false)}>
                    "Load older events"
                </button>
            </Show>
        </section>
    }
}

#[component]
fn EventRow(event: EventView) -> impl IntoView {
    view! {
        <li>
            <time>{when(event.at)}</time>" · "
            <span class="badge muted">{event.kind}</span>" "
            <strong>{event.name.unwrap_or_default()}</strong>
            {event.detail.map(|d| view! { " "<code>{d}</code> })}
            <span class="muted">{format!(" ({})", event.source)}</span>
        </li>
    }
}
