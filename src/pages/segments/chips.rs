//! Multi-value input for "in list" style tests: each value a chip with its own remove button,
//! and a text box that adds what is typed on Enter (commas split several at once). Without
//! JavaScript the chips travel as hidden inputs, the box's text is added on submit, and a chip's
//! remove button submits the form naming the chip.
use crate::segment::{
    draft::{chip_text, pieces},
    form::name,
};
use leptos::prelude::*;
use serde_json::Value;

/// Chips for the list `values` of the test at form key `key`; `set` receives the new list (as
/// typed texts).
#[component]
pub fn ChipsInput(key: String, values: Vec<Value>, set: Callback<Vec<String>>) -> impl IntoView {
    let texts: Vec<String> = values.iter().map(chip_text).collect();
    let chips = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let rest: Vec<String> = texts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, t)| t.clone())
                .collect();
            view! {
                <li class="chip">
                    <span>{text.clone()}</span>
                    <input type="hidden" name=name(&key, &format!("values.{i}")) value=text.clone() />
                    <button type="submit" class="chip-remove" aria-label=format!("Remove {text}")
                        name="do" value=format!("unchip:{key}.values.{i}")
                        on:click=move |ev| { ev.prevent_default(); set.run(rest.clone()) }>"×"</button>
                </li>
            }
        })
        .collect_view();
    let input = NodeRef::<leptos::html::Input>::new();
    let add = move |typed: String| {
        let added = pieces(&typed);
        if added.is_empty() {
            return;
        }
        if let Some(input) = input.get_untracked() {
            input.set_value("");
        }
        set.run(texts.iter().cloned().chain(added).collect());
    };
    let on_enter = add.clone();
    view! {
        <div class="value-input chips-input" role="group" aria-label="Values">
            <span>"Values"</span>
            <ul class="chips">{chips}</ul>
            <input type="text" node_ref=input aria-label="Add to values" name=name(&key, "values.add")
                placeholder="type, then Enter"
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        on_enter(event_target_value(&ev));
                    }
                }
                on:change=move |ev| add(event_target_value(&ev)) />
        </div>
    }
}
