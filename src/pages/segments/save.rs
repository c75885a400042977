//! Saving from the builder: name, description, the explicit "everyone" confirmation for a rule
//! without conditions, and errors in plain words beside their fields. With JavaScript the rule
//! goes as JSON; without it the save button posts the whole builder form.
use super::editor::Editing;
use crate::{
    api::segments::SaveSegment,
    components::form_fields::{FormAlert, form_state},
    model::segment::{DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS},
};
use leptos::prelude::*;

/// Name, description and the save button of the builder form.
#[component]
pub fn SaveForm(
    editing: Editing,
    id: Option<String>,
    name: String,
    description: String,
    version: Option<i64>,
) -> impl IntoView {
    let save = ServerAction::<SaveSegment>::new();
    let state = form_state(save, "segment");
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            navigate(&format!("/segments/{saved}"), Default::default());
        }
    });
    let (name, set_name) = signal(name);
    let (description, set_description) = signal(description);
    let (everyone, set_everyone) = signal(false);
    let no_conditions = move || editing.rule.read().condition_count() == 0;
    let hidden_id = id.clone().unwrap_or_default();
    let submit = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        save.dispatch(SaveSegment {
            id: id.clone(),
            base_version: version,
            name: name.get_untracked(),
            description: description.get_untracked(),
            rule: serde_json::to_string(&editing.rule.get_untracked()).unwrap_or_default(),
            b: None,
            confirm_everyone: Some(everyone.get_untracked()),
        });
    };
    view! {
        <section class="card form-card" aria-labelledby="save-heading">
            <h2 id="save-heading">"Save"</h2>
            <input type="hidden" name="id" value=hidden_id />
            <input type="hidden" name="base_version" value=version.map(|v| v.to_string()) />
            <LabelField field="name" label="Name" max=NAME_MAX_CHARS value=name set=set_name error=state.error("name") required=true />
            <LabelField field="description" label="Description" max=DESCRIPTION_MAX_CHARS value=description set=set_description error=state.error("description") required=false />
            <Show when=no_conditions>
                <div class="field">
                    <label class="check" for="confirm-everyone">
                        <input type="checkbox" id="confirm-everyone" name="confirm_everyone" value="true"
                            aria-describedby="confirm_everyone-error"
                            prop:checked=move || everyone.get() on:change=move |ev| set_everyone.set(event_target_checked(&ev)) />
                        "This segment has no conditions: it will include everyone. I confirm."
                    </label>
                    <p class="field-error" id="confirm_everyone-error" aria-live="polite">{move || state.error("confirm_everyone").get()}</p>
                </div>
            </Show>
            <FormAlert state saved="Segment saved." />
            <button type="submit" class="button primary" formmethod="post" formaction="/api/segments/save"
                disabled=move || save.pending().get() on:click=submit>"Save segment"</button>
        </section>
    }
}

/// A labelled text input bound to a signal, with its plain-words error beside it.
#[component]
fn LabelField(
    field: &'static str,
    label: &'static str,
    max: usize,
    value: ReadSignal<String>,
    set: WriteSignal<String>,
    error: Signal<Option<String>>,
    required: bool,
) -> impl IntoView {
    let id = format!("segment-{field}");
    let error_id = format!("{field}-error");
    let described = error_id.clone();
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id.clone()>{label}{required.then_some(view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            <input id=id name=field required=required maxlength=max value=value.get_untracked()
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=move || error.get().map(|_| described.clone())
                on:input=move |ev| set.set(event_target_value(&ev)) />
            <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
        </div>
    }
}
