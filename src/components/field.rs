//! A labelled form input with its error message wired up for screen readers.
use leptos::prelude::*;

/// `<label>` + `<input>` + error text. The input is marked `aria-invalid` and points at the
/// message with `aria-describedby` whenever `error` holds one.
#[component]
pub fn TextField(
    /// Form field name, also the input id.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Input type (`text`, `email`, `tel`).
    #[prop(default = "text")]
    input_type: &'static str,
    /// Browser autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether the field must be filled in.
    #[prop(default = false)]
    required: bool,
    /// Short help shown under the input.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The most characters the server accepts.
    #[prop(optional)]
    maxlength: Option<u32>,
    /// Value to start with (kept after a failed save).
    #[prop(optional, into)]
    value: Option<String>,
    /// The current error for this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    // A terse server message ("must be …") reads as a sentence once it names the field.
    let error = Signal::derive(move || error.get().map(|m| crate::error::labelled(label, &m)));
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || match (error.get().is_some(), hint.is_some()) {
            (true, _) => Some(error_id.clone()),
            (false, true) => Some(hint_id.clone()),
            (false, false) => None,
        }
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=name>
                {label}
                {required
                    .then_some(view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            <input id=name name=name type=input_type autocomplete=autocomplete
                required=required maxlength=maxlength value=value
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=described_by />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
        </div>
    }
}
