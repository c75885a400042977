//! "Your preferences": the time zone every time in enrich is shown in, chosen per user.
use crate::{
    components::{local_time::user_zone, session::current_user},
    model::time_zone::zone_names,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in user's own settings. A plain form post: the page reloads, so every time on
/// the next page is drawn in the new zone.
#[component]
pub fn PreferencesPage() -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").as_deref() == Some("preferences"));
    let chosen = user_zone().name();
    let options = zone_names()
        .map(|name| view! { <option value=name selected=name == chosen>{name}</option> })
        .collect_view();
    let email = current_user().0.map(|u| u.email).unwrap_or_default();
    view! {
        <Title text="Your preferences" />
        <header class="page-header">
            <h1>"Your preferences"</h1>
        </header>
        <section class="card narrow">
            <p class="muted">{format!("For {email} only; nobody else's view changes.")}</p>
            <form method="post" action="/api/preferences/save" class="form">
                <div class="field">
                    <label for="time-zone">"Time zone"</label>
                    <select id="time-zone" name="time_zone" aria-describedby="time-zone-hint">
                        {options}
                    </select>
                    <p class="hint" id="time-zone-hint">
                        "Every time and chart in enrich is shown in this zone. UTC until you choose."
                    </p>
                </div>
                {move || saved().then(|| view! {
                    <p class="form-status" role="status" data-testid="form-saved">"Preferences saved."</p>
                })}
                <div class="form-actions">
                    <button type="submit" class="button primary">"Save preferences"</button>
                </div>
            </form>
        </section>
    }
}
