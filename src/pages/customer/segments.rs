//! The segments a customer is in, and their latest entries and exits.
use crate::{model::profile::ProfileView, pages::settings::when};
use leptos::prelude::*;

/// Memberships with links and the recent changes (shown to roles that see marketing data).
#[component]
pub fn Segments(profile: ProfileView) -> impl IntoView {
    let name = |id: String, name: String| view! { <a href=format!("/segments/{id}")>{name}</a> };
    let members = profile.segments.into_iter().map(|m| view! {
        <li>{name(m.segment_id, m.name)}" "<span class="muted small">{format!("since {}", when(m.entered_at))}</span></li>
    }).collect_view();
    let changes = profile.segment_changes.into_iter().map(|t| view! {
        <tr><td>{when(t.at)}</td><td>{t.kind}</td><td>{name(t.segment_id, t.segment)}</td></tr>
    }).collect_view();
    let empty = members.is_empty();
    view! {
        <section class="card" aria-labelledby="segments-heading" data-testid="customer-segments">
            <h2 id="segments-heading">"Segments"</h2>
            {if empty {
                view! { <p class="empty">"In no segment right now."</p> }.into_any()
            } else {
                view! { <ul class="memberships">{members}</ul> }.into_any()
            }}
            <details>
                <summary>"Entries and exits"</summary>
                <table class="data-table"><thead><tr><th scope="col">"When"</th><th scope="col">"Change"</th><th scope="col">"Segment"</th></tr></thead><tbody>{changes}</tbody></table>
            </details>
        </section>
    }
}
