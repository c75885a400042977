//! "Personalization" on the segment page: the key websites see for members, through the
//! personalization API (`GET /v1/personalize`), or nothing when the segment is not exposed.
use crate::{
    api::segments::ExposeSegment,
    components::{
        TextField,
        form_fields::{FormAlert, form_state},
    },
    model::segment::EXPOSED_KEY_MAX_CHARS,
};
use leptos::prelude::*;

/// The card: the current key, and for editors a form to set or clear it.
#[component]
pub fn Exposure(
    /// Segment id (hex).
    id: String,
    /// The key it is exposed under, if it is.
    key: Option<String>,
    /// Whether the viewer may change it.
    can_edit: bool,
    /// The action that saves it (the page reloads the segment after it).
    expose: ServerAction<ExposeSegment>,
) -> impl IntoView {
    let state = form_state(expose, "exposure");
    let current = match &key {
        Some(key) => view! {
            <p data-testid="exposed-key">"Websites see members as "<code>{key.clone()}</code>" in "<code>"segments"</code>" of the personalization API."</p>
        }
        .into_any(),
        None => view! {
            <p data-testid="exposed-key" class="muted">"Not exposed: websites cannot tell who is in this segment."</p>
        }
        .into_any(),
    };
    view! {
        <section class="card" aria-labelledby="exposure-heading">
            <h2 id="exposure-heading">"Personalization"</h2>
            {current}
            {can_edit.then(|| view! {
                <ActionForm action=expose attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=id />
                    <TextField name="key" label="Key for websites" maxlength=EXPOSED_KEY_MAX_CHARS as u32
                        value=key.clone().unwrap_or_default()
                        hint="e.g. browsing_shoes. Leave empty to stop exposing this segment."
                        error=state.error("key") />
                    <FormAlert state saved="Saved: websites see the new key within seconds." />
                    <div class="form-actions">
                        <button type="submit" class="button" disabled=move || expose.pending().get()>"Save key"</button>
                    </div>
                </ActionForm>
            })}
        </section>
    }
}
