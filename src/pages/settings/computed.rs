//! Computed traits: define one, watch it back-fill.
use super::SettingsHeader;
use crate::{
    api::enrichment::{CreateComputedTrait, list_computed_traits},
    components::{
        LoadError, TextField,
        form_fields::{FormAlert, form_state},
        session::{RoleNote, current_user},
    },
    model::{
        access::Permission,
        computed::{AGGREGATES, ComputedTraitSummary},
    },
};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

/// The definitions with back-fill progress, and a form to add one (admins).
#[component]
pub fn ComputedTraitsPage() -> impl IntoView {
    let create = ServerAction::<CreateComputedTrait>::new();
    let list = Resource::new(move || create.version().get(), |_| list_computed_traits());
    let manage = current_user().can(Permission::ManageData);
    view! {
        <Title text="Computed traits · Settings" />
        <SettingsHeader />
        <div class="split">
            <section class="card" aria-labelledby="computed-heading">
                <h2 id="computed-heading">"Computed traits"</h2>
                {(!manage).then(|| view! { <RoleNote text="Only admins can define computed traits." /> })}
                <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                    <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                        {move || Suspend::new(async move { list.await.map(|items| view! { <ComputedTable items /> }) })}
                    </ErrorBoundary>
                </Transition>
            </section>
            {manage.then(|| view! { <NewComputedForm create /> })}
        </div>
    }
}

/// The form defining a computed trait; every problem beside its field at once.
#[component]
fn NewComputedForm(create: ServerAction<CreateComputedTrait>) -> impl IntoView {
    let state = form_state(create, "computed");
    view! {
        <section class="card form-card" aria-labelledby="new-computed-heading">
            <h2 id="new-computed-heading">"New computed trait"</h2>
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                <TextField name="name" label="Name" required=true maxlength=60 hint="e.g. lifetime_value; stored as computed.<name>" error=state.error("name") />
                <TextField name="event" label="Event" required=true maxlength=200 hint="e.g. Order Completed" error=state.error("event") />
                <div class="field">
                    <label for="aggregate">"Aggregate"</label>
                    <select id="aggregate" name="aggregate">
                        {AGGREGATES.iter().map(|(_, key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="aggregate-error">{move || state.error("aggregate").get()}</p>
                </div>
                <TextField name="property" label="Property" maxlength=200 hint="Dotted path in the event's properties, e.g. total. Not for counts." error=state.error("property") />
                <TextField name="within_days" label="Within the last (days)" input_type="number" hint="Optional; empty means all time." error=state.error("within_days") />
                <p class="hint">"The back-fill reads the events still stored: where events are kept for a number of days (Settings → Retention), older events are not in a new trait's first value. Every event from then on counts."</p>
                <FormAlert state saved="Computed trait created: back-filling now." />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create and back-fill"</button>
                </div>
            </ActionForm>
        </section>
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
