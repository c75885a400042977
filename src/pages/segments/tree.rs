//! The rule tree as form controls: groups with their buttons, conditions with the field picker.
//! Every control carries its form name (see `segment::form`), and every button is a submit
//! button naming what it does, so the tree also works as a plain form without JavaScript.
use super::editor::Editing;
use crate::{
    model::segment::{BuilderCatalog, CatalogField},
    segment::{
        GroupKind, Rule,
        draft::{choice_of, new_condition, new_group},
        form::{self, child, first_choice, name, path_of},
    },
};
use leptos::prelude::*;

/// A submit button `do=<action>` that, with JavaScript, runs `run` instead of submitting.
pub fn action_button(
    label: &'static str,
    action: String,
    class: &'static str,
    aria: Option<String>,
    run: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="submit" class=class name="do" value=action aria-label=aria
            on:click=move |ev| { ev.prevent_default(); run(); }>{label}</button>
    }
}

/// One node of the tree at form key `key`: a group with its children, or a condition row.
pub fn node(editing: Editing, catalog: &BuilderCatalog, rule: Rule, key: String) -> AnyView {
    let path = path_of(&key).unwrap_or_default();
    let controls = (!path.is_empty()).then(|| node_controls(editing, key.clone(), path.clone()));
    match rule {
        Rule::Group { kind, rules } => group(editing, catalog, kind, rules, key, controls),
        other => {
            let picker = field_picker(editing, catalog, &other, &key);
            let body = super::inputs::condition_body(editing, catalog, other, &key);
            view! { <div class="rule-condition">{picker}{body}{controls}</div> }.into_any()
        }
    }
}

fn node_controls(editing: Editing, key: String, path: Vec<usize>) -> impl IntoView {
    let (up, down, gone) = (path.clone(), path.clone(), path);
    view! {
        <span class="node-controls">
            {action_button("↑", format!("up:{key}"), "icon", Some("Move up".into()), move || editing.change(&[], |r| form::shift(r, &up, -1)))}
            {action_button("↓", format!("down:{key}"), "icon", Some("Move down".into()), move || editing.change(&[], |r| form::shift(r, &down, 1)))}
            {action_button("✕", format!("del:{key}"), "icon", Some("Delete".into()), move || remove(editing, &gone))}
        </span>
    }
}

fn remove(editing: Editing, path: &[usize]) {
    if let Some((last, parent)) = path.split_last() {
        let last = *last;
        editing.change(parent, move |r| {
            if let Rule::Group { rules, .. } = r {
                rules.remove(last);
            }
        });
    }
}

fn group(
    editing: Editing,
    catalog: &BuilderCatalog,
    kind: GroupKind,
    rules: Vec<Rule>,
    key: String,
    controls: Option<impl IntoView + 'static>,
) -> AnyView {
    let path = path_of(&key).unwrap_or_default();
    let children = rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| view! { <li>{node(editing, catalog, r, child(&key, i))}</li> })
        .collect_view();
    let (here, add, add_group) = (path.clone(), path.clone(), path);
    let (first, catalog) = (first_choice(catalog), catalog.clone());
    let kinds = [GroupKind::All, GroupKind::Any, GroupKind::None];
    view! {
        <fieldset class="rule-group">
            <legend>
                <label>"Match "
                    <select aria-label="Group kind" name=name(&key, "group") on:change=move |ev| {
                        let kind = match event_target_value(&ev).as_str() { "any" => GroupKind::Any, "none" => GroupKind::None, _ => GroupKind::All };
                        editing.change(&here, |r| if let Rule::Group { kind: k, .. } = r { *k = kind });
                    }>
                        {kinds.into_iter().map(|k| view! { <option value=form::group_value(k) selected=k == kind prop:selected=k == kind>{form::group_value(k)}</option> }).collect_view()}
                    </select>
                " of these"</label>
                {controls}
            </legend>
            <ul class="rules">{children}</ul>
            {action_button("Add condition", format!("add:{key}"), "button small", None, move || {
                let condition = new_condition(&first, &catalog);
                editing.change(&add, |r| if let Rule::Group { rules, .. } = r { rules.push(condition) });
            })}
            {action_button("Add group", format!("group:{key}"), "button small", None, move || {
                editing.change(&add_group, |r| if let Rule::Group { rules, .. } = r { rules.push(new_group()) });
            })}
        </fieldset>
    }
    .into_any()
}

/// A field's friendly label: `traits.first_name` → "First name", `traits.address.city` →
/// "Address › city" (the full path shows on hover).
pub fn friendly(path: &str) -> String {
    let rest = path
        .strip_prefix("traits.")
        .or_else(|| path.strip_prefix("properties."))
        .unwrap_or(path);
    let mut words = String::new();
    for (i, c) in rest.chars().enumerate() {
        match c {
            '_' => words.push(' '),
            '.' => words.push_str(" › "),
            c if c.is_uppercase() && i > 0 => {
                words.push(' ');
                words.extend(c.to_lowercase());
            }
            c => words.push(c),
        }
    }
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A picker option: (value, label, path shown on hover).
type Choice = (String, String, String);

/// The options for each catalogued field of `fields` under `prefix`.
fn field_options(prefix: &str, fields: &[CatalogField], total: u64) -> Vec<Choice> {
    fields
        .iter()
        .map(|f| {
            let share = f.coverage * 100 / total;
            let label = format!("{} ({}, {share}%)", friendly(&f.path), f.types.join("/"));
            (format!("{prefix}:{}", f.path), label, f.path.clone())
        })
        .collect()
}

fn picker_groups(catalog: &BuilderCatalog) -> Vec<(&'static str, Vec<Choice>)> {
    let total = catalog.total_profiles.max(1);
    let named = |prefix: &str, items: Vec<(String, String)>| {
        items
            .into_iter()
            .map(|(value, label)| (format!("{prefix}:{value}"), label, value))
            .collect()
    };
    let events = catalog
        .events
        .iter()
        .map(|e| (e.name.clone(), format!("{} ({} events)", e.name, e.count)));
    vec![
        ("Traits", field_options("trait", &catalog.traits, total)),
        (
            "Computed traits",
            field_options("computed", &catalog.computed, total),
        ),
        ("Events", named("event", events.collect())),
        (
            "Consent",
            named(
                "consent",
                catalog
                    .purposes
                    .iter()
                    .map(|p| (p.clone(), format!("consented to {p}")))
                    .collect(),
            ),
        ),
        (
            "Identity",
            named(
                "identity",
                catalog
                    .identity_kinds
                    .iter()
                    .map(|k| (k.clone(), format!("has {k}")))
                    .collect(),
            ),
        ),
        ("Segments", named("segment", catalog.segments.clone())),
        (
            "Sampling",
            vec![(
                "bucket".to_owned(),
                "random bucket".to_owned(),
                "bucket".to_owned(),
            )],
        ),
    ]
}

/// The field picker: every catalogued field, grouped, with type and coverage, and a search box
/// that narrows the list to the fields whose label or path holds what is typed.
fn field_picker(editing: Editing, catalog: &BuilderCatalog, rule: &Rule, key: &str) -> AnyView {
    let current = choice_of(rule);
    let search = RwSignal::new(String::new());
    let groups = picker_groups(catalog)
        .into_iter()
        .map(|(label, items)| {
            let options = items
                .into_iter()
                .map(|(value, text, path)| {
                    let haystack = format!("{text} {path}").to_lowercase();
                    let hidden = move || !haystack.contains(search.get().trim().to_lowercase().as_str());
                    let selected = value == current;
                    view! { <option value=value selected=selected prop:selected=selected hidden=hidden title=path>{text}</option> }
                })
                .collect_view();
            view! { <optgroup label=label>{options}</optgroup> }
        })
        .collect_view();
    let (here, catalog) = (path_of(key).unwrap_or_default(), catalog.clone());
    view! {
        <input type="search" class="field-search js-only" aria-label="Search"
            placeholder="Search fields" prop:value=move || search.get()
            on:input=move |ev| search.set(event_target_value(&ev)) />
        <select class="field-picker" aria-label="Field" name=name(key, "field") title=current.split_once(':').map(|(_, p)| p.to_owned()) on:change=move |ev| {
            let fresh = new_condition(&event_target_value(&ev), &catalog);
            editing.change(&here, |r| *r = fresh);
        }>{groups}</select>
        <input type="hidden" name=name(key, "was") value=choice_of(rule) />
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::friendly;

    #[test]
    fn item_11_field_labels_are_friendly() {
        assert_eq!(friendly("traits.first_name"), "First name");
        assert_eq!(friendly("traits.address.city"), "Address › city");
        assert_eq!(friendly("properties.orderTotal"), "Order total");
    }
}
