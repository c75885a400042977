//! The field catalog: every trait and property path seen, with types and coverage.
use super::{SettingsHeader, when};
use crate::{api::enrichment::list_fields, components::LoadError, model::field::FieldInfo};
use leptos::prelude::*;
use leptos_meta::Title;

/// The catalog as a table.
#[component]
pub fn FieldsPage() -> impl IntoView {
    let fields = Resource::new(|| (), |_| list_fields());
    view! {
        <Title text="Field catalog · Settings" />
        <SettingsHeader />
        <section class="card" aria-labelledby="fields-heading">
            <h2 id="fields-heading">"Field catalog"</h2>
            <p class="muted">"Kept up to date as data arrives; the segment builder picks fields from here."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading fields…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || Suspend::new(async move { fields.await.map(|items| view! { <FieldTable items /> }) })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn FieldTable(items: Vec<FieldInfo>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty-state" data-testid="fields-empty">
                <h3>"No fields yet"</h3>
                <p>"Send an identify or track call, or import a file: every path it carries appears here."</p>
            </div>
        }
        .into_any();
    }
    let rows = items.into_iter().map(|f| {
        let scope = match &f.event {
            Some(event) => format!("property of {event}"),
            None => "trait".to_owned(),
        };
        let profiles = if f.scope == "trait" {
            f.profiles.to_string()
        } else {
            "—".to_owned()
        };
        view! {
            <tr>
                <th scope="row"><code>{f.path}</code></th>
                <td>{scope}</td>
                <td>{f.types.join(", ")}</td>
                <td class="num">{profiles}</td>
                <td class="num">{f.occurrences}</td>
                <td class="samples">{f.samples.join(" · ")}</td>
                <td>{when(f.last_seen)}</td>
            </tr>
        }
    });
    view! {
        <table class="data-table" data-testid="fields-table">
            <thead><tr>
                <th scope="col">"Path"</th><th scope="col">"Scope"</th><th scope="col">"Types"</th>
                <th scope="col" class="num">"Profiles"</th><th scope="col" class="num">"Seen"</th>
                <th scope="col">"Samples"</th><th scope="col">"Last seen"</th>
            </tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
