//! Multi-value input for "in list" style tests: each value a chip with its own remove button,
//! and a text box that adds what is typed on Enter (commas split several at once).
use leptos::prelude::*;
use serde_json::Value;

/// The text of one list value as a chip shows it.
pub fn chip_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

/// `typed` split on commas into the values to add (blank pieces dropped).
pub fn pieces(typed: &str) -> Vec<String> {
    typed
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Chips for `values` of list `name`; `set` receives the new list (as typed texts).
#[component]
pub fn ChipsInput(name: String, values: Vec<Value>, set: Callback<Vec<String>>) -> impl IntoView {
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
                    <button type="button" class="chip-remove" aria-label=format!("Remove {text}")
                        on:click=move |_| set.run(rest.clone())>"×"</button>
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
        <div class="value-input chips-input" role="group" aria-label=name.clone()>
            <span>{name.clone()}</span>
            <ul class="chips">{chips}</ul>
            <input type="text" node_ref=input aria-label=format!("Add to {name}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_splits_on_commas_and_drops_blanks() {
        assert_eq!(pieces(" gold, vip ,, "), ["gold", "vip"]);
        assert!(pieces("  ").is_empty());
    }

    #[test]
    fn chips_show_texts_bare_and_other_values_as_json() {
        assert_eq!(chip_text(&serde_json::json!("gold")), "gold");
        assert_eq!(chip_text(&serde_json::json!(30.5)), "30.5");
    }
}
