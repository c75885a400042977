//! Editor form fields (campaigns, products), prefilled from the saved form and showing the
//! server's error for their field (`form[<name>]` on the wire, the error's `field` in messages).
use leptos::prelude::*;

/// The error of the last save for field `key`, if any.
pub type Errors = Signal<Option<crate::error::AppError>>;

fn message(errors: Errors, keys: &'static [&'static str]) -> Option<String> {
    let error = errors.get()?;
    keys.iter().find_map(|k| error.message_for(k))
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
        view! { <textarea id=id.clone() name=field rows=rows aria-invalid=move || invalid().to_string() aria-describedby=described>{value}</textarea> }.into_any()
    } else {
        view! { <input id=id.clone() name=field type=input_type value=value aria-invalid=move || invalid().to_string() aria-describedby=described /> }.into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {move || message(errors, error_keys).map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })}
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
            {move || message(errors, error_keys).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </div>
    }
}
