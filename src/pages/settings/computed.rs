//! Computed traits: define one, watch it back-fill.
use super::SettingsHeader;
use crate::{
    api::enrichment::{CreateComputedTrait, list_computed_traits},
    components::{LoadError, TextField},
    model::computed::{AGGREGATES, ComputedTraitSummary},
};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// Form fields; errors about others are shown above the button.
const FIELDS: [&str; 5] = ["name", "event", "aggregate", "property", "within_days"];

/// The definitions with back-fill progress, and a form to add one.
#[component]
pub fn ComputedTraitsPage() -> impl IntoView {
    let create = ServerAction::<CreateComputedTrait>::new();
    let list = Resource::new(move || create.version().get(), |_| list_computed_traits());
    let failure = move || create.value().get().and_then(Result::err);
    let error_for = move |field: &'static str| {
        Signal::derive(move || failure().and_then(|e| e.message_for(field)))
    };
    let general = move || {
        failure()
            .filter(|e| FIELDS.iter().all(|f| e.message_for(f).is_none()))
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Computed traits · Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="computed-heading">
                <h2 id="computed-heading">"Computed traits"</h2>
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move { list.await.map(|items| view! { <ComputedTable items /> }) })}
                    </ErrorBoundary>
                </Transition>
            </section>
            <section class="card form-card" aria-labelledby="new-computed-heading">
                <h2 id="new-computed-heading">"New computed trait"</h2>
                <ActionForm action=create attr:class="form" attr:novalidate=true>
                    <TextField name="name" label="Name" required=true hint="e.g. lifetime_value; stored as computed.<name>" error=error_for("name") />
                    <TextField name="event" label="Event" required=true hint="e.g. Order Completed" error=error_for("event") />
                    <div class="field">
                        <label for="aggregate">"Aggregate"</label>
                        <select id="aggregate" name="aggregate">
                            {AGGREGATES.iter().map(|(_, key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                        </select>
                    </div>
                    <TextField name="property" label="Property" hint="Dotted path in the event's properties, e.g. total. Not for counts." error=error_for("property") />
                    <TextField name="within_days" label="Within the last (days)" input_type="number" hint="Optional; empty means all time." error=error_for("within_days") />
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create and back-fill"</button>
                    </div>
                    {move || general().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
                </ActionForm>
            </section>
        </div>
    }
}

#[component]
fn ComputedTable(items: Vec<ComputedTraitSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="empty-state" data-testid="computed-empty">
                <h3>"No computed traits yet"</h3>
                <p>"Define one to keep a value such as lifetime value or last purchase on every profile."</p>
            </div>
        }
        .into_any();
    }
    let backfilling = items.iter().any(|i| !i.finished);
    let rows = items.into_iter().map(|item| {
        let d = item.definition;
        let window = d.within_days.map_or("all time".to_owned(), |n| format!("last {n} days"));
        let how = format!("{:?}", d.aggregate).to_lowercase();
        let of = d.property.map_or(String::new(), |p| format!(" of {p}"));
        let progress = if item.finished { format!("{} profiles", item.done) } else { format!("back-filling {} / {}", item.done, item.total) };
        view! {
            <tr data-testid="computed-row">
                <th scope="row"><code>{d.name}</code></th>
                <td>{format!("{how}{of} · {}", d.event)}</td>
                <td>{window}</td>
                <td>
                    <progress max=item.total.max(1) value=item.done aria-label="Back-fill progress" class="progress small"></progress>
                    " "{progress}
                </td>
            </tr>
        }
    });
    view! {
        {backfilling.then(|| view! { <Meta http_equiv="refresh" content="2" /> })}
        <table class="data-table" data-testid="computed-table">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Definition"</th><th scope="col">"Window"</th><th scope="col">"Back-fill"</th></tr></thead>
            <tbody>{rows.collect_view()}</tbody>
        </table>
    }
    .into_any()
}
