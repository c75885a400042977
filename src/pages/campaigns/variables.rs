//! The editor's list of template variables (from the field catalog). With JavaScript a click
//! inserts `{{ path }}` where the cursor was in the last subject or body edited; without it the
//! list is there to copy from.
use crate::model::campaign::TemplateVariable;
use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

/// The template field a variable goes into when none was focused yet.
const DEFAULT_FIELD: &str = "field-a_body";

/// Remembers the template field last focused inside the element it is attached to.
pub fn last_template_field() -> RwSignal<String> {
    RwSignal::new(DEFAULT_FIELD.to_owned())
}

/// Records `ev`'s target when it is a subject or body field.
pub fn remember(ev: &web_sys::FocusEvent, last: RwSignal<String>) {
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let id = target.id();
    if id.ends_with("_subject") || id.ends_with("_body") {
        last.set(id);
    }
}

/// Inserts `text` at the cursor (replacing the selection) of the field with id `id`, and puts
/// the cursor after it.
fn insert(id: &str, text: &str) {
    let Some(element) = document().get_element_by_id(id) else {
        return;
    };
    let added = text.encode_utf16().count() as u32;
    let at = |start: Result<Option<u32>, _>, end: Result<Option<u32>, _>, value: String| {
        let len = value.encode_utf16().count() as u32;
        let start: Result<Option<u32>, leptos::wasm_bindgen::JsValue> = start;
        let start = start.ok().flatten().unwrap_or(len);
        (start, end.ok().flatten().unwrap_or(start))
    };
    if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        let (start, end) = at(area.selection_start(), area.selection_end(), area.value());
        let _ = area.set_range_text_with_start_and_end(text, start, end);
        let _ = area.set_selection_range(start + added, start + added);
        let _ = area.focus();
    } else if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
        let (start, end) = at(
            input.selection_start(),
            input.selection_end(),
            input.value(),
        );
        let _ = input.set_range_text_with_start_and_end(text, start, end);
        let _ = input.set_selection_range(start + added, start + added);
        let _ = input.focus();
    }
}

/// The insertable list of variables.
#[component]
pub fn VariablePicker(variables: Vec<TemplateVariable>, last: RwSignal<String>) -> impl IntoView {
    let items = variables.into_iter().map(|v| {
        let text = format!("{{{{ {} }}}}", v.path);
        let inserted = text.clone();
        view! {
            <li>
                <button type="button" class="variable" data-testid="template-variable"
                    on:mousedown=|ev| ev.prevent_default()
                    on:click=move |_| insert(&last.get_untracked(), &inserted)>
                    <code>{text}</code>
                </button>
                <span class="muted">{v.label}</span>
            </li>
        }
    });
    view! {
        <details class="variables" data-testid="variable-picker">
            <summary>"Insert a variable"</summary>
            <p class="hint">"A click inserts the variable at the cursor in the subject or body you last edited; you can also copy it."</p>
            <ul class="variable-list">{items.collect_view()}</ul>
        </details>
    }
}
