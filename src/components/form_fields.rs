//! Editor form fields (campaigns, products), prefilled from the saved form and showing the
//! server's error for their field (`form[<name>]` on the wire, the error's `field` in messages).
use leptos::prelude::*;

/// The error of the last save for field `key`, if any.
pub type Errors = Signal<Option<crate::error::AppError>>;

fn message(errors: Errors, keys: &'static [&'static str]) -> Option<String> {
    let error = errors.get()?;
    keys.iter().find_map(|k| error.message_for(k))
}

/// `message` for the field labelled `label`, in plain words ("must be …" → "Name must be …").
fn labelled_message(
    errors: Errors,
    keys: &'static [&'static str],
    label: &'static str,
) -> Option<String> {
    message(errors, keys).map(|m| crate::error::labelled(label, &m))
}

/// A labelled text input (or textarea when `rows` > 0).
#[component]
pub fn FormText(
    /// Field name in the form (`name` → `form[name]`).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Initial value.
    value: String,
    /// Error fields shown under it.
    #[prop(default = &[])]
    error_keys: &'static [&'static str],
    /// The last save's error.
    errors: Errors,
    /// Help text.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Textarea rows (0: a single line).
    #[prop(default = 0)]
    rows: u32,
    /// Input type.
    #[prop(default = "text")]
    input_type: &'static str,
    /// Whether the field must be filled in (marked, and `required` for assistive tech).
    #[prop(default = false)]
    required: bool,
    /// The most characters the server accepts.
    #[prop(optional)]
    maxlength: Option<u32>,
) -> impl IntoView {
    let id = format!("field-{}", name.replace(['[', ']'], "-"));
    let (error_id, hint_id) = (format!("{id}-error"), format!("{id}-hint"));
    let field = format!("form[{name}]");
    let invalid = move || message(errors, error_keys).is_some();
    let described = {
        let (e, h) = (error_id.clone(), hint_id.clone());
        move || if invalid() { e.clone() } else { h.clone() }
    };
    let input = if rows > 0 {
        view! { <textarea id=id.clone() name=field rows=rows required=required maxlength=maxlength aria-invalid=move || invalid().to_string() aria-describedby=described>{value}</textarea> }.into_any()
    } else {
        view! { <input id=id.clone() name=field type=input_type value=value required=required maxlength=maxlength aria-invalid=move || invalid().to_string() aria-describedby=described /> }.into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}{required.then_some(view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            {input}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {move || labelled_message(errors, error_keys, label).map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
        </div>
    }
}

/// A labelled select of `(value, label)` options.
#[component]
pub fn FormSelect(
    /// Field name in the form.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Selected value.
    value: String,
    /// Options.
    options: Vec<(String, String)>,
    /// Error fields shown under it.
    #[prop(default = &[])]
    error_keys: &'static [&'static str],
    /// The last save's error.
    errors: Errors,
) -> impl IntoView {
    let id = format!("field-{name}");
    let options = options
        .into_iter()
        .map(|(v, l)| {
            let selected = v == value;
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=format!("form[{name}]")>{options}</select>
            {move || labelled_message(errors, error_keys, label).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </div>
    }
}

/// What the last save of a form came to: its error (for the fields and the alert) and
/// whether it saved. Without JavaScript the error arrives in the URL (`__err`, read by
/// `ServerAction::new`) and a success as `?saved=<key>` (set by `api::form::saved`).
#[derive(Clone, Copy)]
pub struct FormState {
    /// The last save's error.
    pub errors: Errors,
    /// Whether the last save succeeded.
    pub saved: Signal<bool>,
}

impl FormState {
    /// The plain-words message for `field`, for [`crate::components::TextField`].
    pub fn error(self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || errors.get().and_then(|e| e.message_for(field)))
    }
}

/// The [`FormState`] of `action`, whose server fn calls `api::form::saved(key)` on success.
pub fn form_state<S>(action: ServerAction<S>, key: &'static str) -> FormState
where
    S: leptos::server_fn::ServerFn<Error = crate::error::AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let query = leptos_router::hooks::use_query_map();
    let errors = Signal::derive(move || action.value().get().and_then(Result::err));
    let saved = Signal::derive(move || match action.value().get() {
        Some(result) => result.is_ok(),
        None => query.with(|q| q.get("__err").is_none() && q.get("saved").as_deref() == Some(key)),
    });
    FormState { errors, saved }
}

/// The line above a form's button: a success notice after a save, or what went wrong in plain
/// words (a count of the fields marked below, or the error when it is about no field).
#[component]
pub fn FormAlert(
    /// The form's state.
    state: FormState,
    /// What a successful save did, e.g. "User added."
    saved: &'static str,
) -> impl IntoView {
    let FormState { errors, saved: ok } = state;
    move || {
        match errors.get() {
        Some(err) => Some(
            view! { <p class="alert alert-error form-alert" role="alert" data-testid="form-error">{err.user_message()}</p> }
                .into_any(),
        ),
        None if ok.get() => Some(
            view! { <p class="alert alert-success form-alert" role="status" data-testid="form-saved">{saved}</p> }
                .into_any(),
        ),
        None => None,
    }
    }
}
