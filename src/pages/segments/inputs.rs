//! A condition's own inputs: operator menus (only those valid for the field's types), typed value
//! inputs with plain labels, a unit menu, warnings for empty values, and event counts, windows and
//! property filters. Typing updates the draft (the preview follows); leaving an input commits.
use super::{
    chips::ChipsInput,
    editor::Editing,
    tree::{action_button, friendly},
};
use crate::{
    model::segment::{BuilderCatalog, CatalogField},
    segment::{
        CountOp, Rule, TimeUnit, ValueTest,
        describe::condition,
        draft::{
            first_test, input_value, kind_of_test, kinds_of, new_filter, test_for, test_json,
            with_value,
        },
        form::{count_value, input_text, name, op_value, path_of},
        types::ValueKind,
    },
};
use leptos::prelude::*;

/// Receives a changed test, and whether to commit it (`false`: still typing).
type SetTest = Callback<(ValueTest, bool)>;

/// The inputs of condition `rule` at form key `key`.
pub fn condition_body(
    editing: Editing,
    catalog: &BuilderCatalog,
    rule: Rule,
    key: &str,
) -> AnyView {
    let here = path_of(key).unwrap_or_default();
    let types = |fields: &[CatalogField], path: &str| {
        fields
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.types.clone())
            .unwrap_or_default()
    };
    match rule {
        Rule::Trait { path, test } => {
            let set = Callback::new(move |(t, commit): (ValueTest, bool)| editing.apply(commit, &here, |r| if let Rule::Trait { test, .. } = r { *test = t }));
            test_editor(test, &types(&catalog.traits, &path), key, set)
        }
        Rule::Computed { name, test } => {
            let set = Callback::new(move |(t, commit): (ValueTest, bool)| editing.apply(commit, &here, |r| if let Rule::Computed { test, .. } = r { *test = t }));
            test_editor(test, &types(&catalog.computed, &name), key, set)
        }
        Rule::Event(condition) => event_editor(editing, catalog, condition, key),
        Rule::Segment { member, .. } => view! {
            <select aria-label="In or not in" name=name(key, "member") on:change=move |ev| { let m = event_target_value(&ev) == "in"; editing.change(&here, |r| if let Rule::Segment { member, .. } = r { *member = m }); }>
                <option value="in" selected=member prop:selected=member>"is in"</option><option value="out" selected=!member prop:selected=!member>"is not in"</option>
            </select>
        }.into_any(),
        Rule::Bucket { from, to } => {
            let there = here.clone();
            view! {
                <label class="value-input">"From %"<input type="number" min="0" max="99" name=name(key, "from") value=from prop:value=from on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(0); editing.change(&here, |r| if let Rule::Bucket { from, .. } = r { *from = v }); } /></label>
                <label class="value-input">"To %"<input type="number" min="1" max="100" name=name(key, "to") value=to prop:value=to on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(100); editing.change(&there, |r| if let Rule::Bucket { to, .. } = r { *to = v }); } /></label>
            }.into_any()
        }
        other => view! { <span class="hint">{condition(&other)}</span> }.into_any(),
    }
}

/// "Performed <event> at least N times in the last D days, where …".
pub fn event_editor(
    editing: Editing,
    catalog: &BuilderCatalog,
    c: crate::segment::EventCondition,
    key: &str,
) -> AnyView {
    let here = path_of(key).unwrap_or_default();
    let (p1, p2, p3, p4) = (here.clone(), here.clone(), here.clone(), here.clone());
    let properties = catalog.properties_of(&c.event);
    let filters = c.filters.iter().cloned().enumerate().map(|(i, f)| {
        let at_key = format!("{key}.f{i}");
        let types = properties.iter().find(|p| p.path == f.path).map(|p| p.types.clone()).unwrap_or_default();
        let (at, gone) = (here.clone(), here.clone());
        let set = Callback::new(move |(t, commit): (ValueTest, bool)| editing.apply(commit, &at, |r| if let Rule::Event(c) = r && let Some(f) = c.filters.get_mut(i) { f.test = t }));
        view! {
            <li>{property_picker(editing, &properties, &f.path, here.clone(), i, &at_key)}" "
                {test_editor(f.test, &types, &at_key, set)}
                {action_button("✕", format!("unfilter:{at_key}"), "icon", Some("Remove filter".into()), move || editing.change(&gone, |r| if let Rule::Event(c) = r { c.filters.remove(i); }))}
            </li>
        }
    }).collect_view();
    let counts = [CountOp::AtLeast, CountOp::AtMost, CountOp::Exactly];
    let within = c.within_days.map(|d| d.to_string()).unwrap_or_default();
    let (event, catalog) = (c.event.clone(), catalog.clone());
    view! {
        <select aria-label="How often" name=name(key, "count") on:change=move |ev| { let v = event_target_value(&ev); let op = counts.into_iter().find(|c| count_value(*c) == v).unwrap_or(CountOp::AtLeast); editing.change(&p1, |r| if let Rule::Event(c) = r { c.count = op }); }>
            {counts.into_iter().map(|op| view! { <option value=count_value(op) selected=op == c.count prop:selected=op == c.count>{count_value(op).replace('_', " ")}</option> }).collect_view()}
        </select>
        <label class="value-input">"Times"<input type="number" min="0" name=name(key, "times") value=c.times prop:value=c.times on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(1); editing.change(&p2, |r| if let Rule::Event(c) = r { c.times = v }); } /></label>
        <label class="value-input">"In the last (days, empty for ever)"<input type="number" min="1" name=name(key, "within") value=within.clone() prop:value=within
            on:change=move |ev| { let v = event_target_value(&ev).trim().parse().ok(); editing.change(&p3, |r| if let Rule::Event(c) = r { c.within_days = v }); } /></label>
        <ul class="filters">{filters}</ul>
        {action_button("Add property filter", format!("filter:{key}"), "button small", None, move || { if let Some(f) = new_filter(&event, &catalog) { editing.change(&p4, |r| if let Rule::Event(c) = r { c.filters.push(f) }); } })}
    }.into_any()
}

/// Which property of the event filter `index` tests; picking another starts its test afresh.
fn property_picker(
    editing: Editing,
    properties: &[CatalogField],
    current: &str,
    at: Vec<usize>,
    index: usize,
    key: &str,
) -> AnyView {
    let options = properties
        .iter()
        .map(|p| view! { <option value=p.path.clone() selected=p.path == current prop:selected=p.path == current title=p.path.clone()>{format!("{} ({})", friendly(&p.path), p.types.join("/"))}</option> })
        .collect_view();
    let properties = properties.to_vec();
    view! {
        <select aria-label="Property" name=name(key, "path") on:change=move |ev| {
            let path = event_target_value(&ev);
            let Some(field) = properties.iter().find(|p| p.path == path) else { return };
            let test = first_test(&field.types);
            editing.change(&at, |r| if let Rule::Event(c) = r && let Some(f) = c.filters.get_mut(index) {
                f.path = path;
                f.test = test;
            });
        }>{options}</select>
    }
    .into_any()
}

/// Operator menu (only those valid for the field's `types`) and the typed value inputs.
pub fn test_editor(test: ValueTest, types: &[String], key: &str, set: SetTest) -> AnyView {
    let kinds = kinds_of(types);
    let kind = kind_of_test(&test, &kinds);
    let current = op_value(&test, types);
    let options = kinds.iter().flat_map(|k| k.operators().iter().map(move |(o, label)| (*k, *o, *label))).map(|(k, o, label)| {
        let value = format!("{}|{o}", k.label());
        view! { <option selected=value == current prop:selected=value == current value=value>{format!("{label} ({})", k.label())}</option> }
    }).collect_view();
    let pick = move |ev: leptos::ev::Event| {
        let choice = event_target_value(&ev);
        let (label, op) = choice.split_once('|').unwrap_or(("text", ""));
        let kind = ValueKind::ALL
            .into_iter()
            .find(|k| k.label() == label)
            .unwrap_or(ValueKind::Text);
        set.run((test_for(op, kind), true));
    };
    let inputs = value_inputs(&test, kind, key, set);
    view! { <select aria-label="Operator" name=name(key, "op") on:change=pick>{options}</select>{inputs} }.into_any()
}

/// The label a value input shows for test part `part`.
fn part_label(part: &str, list: bool) -> &'static str {
    match part {
        "amount" => "Amount",
        "days" if list => "Weekdays",
        "days" => "Days",
        "at" => "Date",
        "from" => "From",
        "to" => "To",
        "min" => "Min",
        "max" => "Max",
        "text" => "Text",
        _ => "Value",
    }
}

fn value_inputs(test: &ValueTest, kind: ValueKind, key: &str, set: SetTest) -> AnyView {
    let body = test_json(test);
    let parts: Vec<(String, serde_json::Value)> = body
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| *k != "op")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    parts.into_iter().map(|(part, value)| {
        let test = test.clone();
        if let (true, Some(items)) = (part == "values", value.as_array()) {
            let empty = items.is_empty().then_some(view! { <span class="field-warning" role="note">"Add at least one value: an empty list matches no one."</span> });
            let set = Callback::new(move |texts: Vec<String>| {
                let typed: Vec<_> = texts.iter().map(|t| crate::segment::draft::typed_value(t, kind)).collect();
                set.run((with_value(&test, "values", serde_json::json!(typed)), true));
            });
            return view! { <ChipsInput key=key.to_owned() values=items.clone() set />{empty} }.into_any();
        }
        if part == "unit" {
            return unit_menu(&test, &value, key, set);
        }
        let text = input_text(&part, &value);
        let input_type = match part.as_str() {
            "at" | "from" | "to" => "datetime-local",
            "min" | "max" | "amount" | "days" if !value.is_array() => "number",
            "value" if kind == ValueKind::Number => "number",
            _ => "text",
        };
        let hint = match part.as_str() {
            "days" if value.is_array() => "1 = Monday … 7 = Sunday, comma-separated",
            "at" | "from" | "to" => "UTC",
            _ => "",
        };
        let warning = text.trim().is_empty().then_some(view! { <span class="field-warning" role="note">{format!("{} is empty.", part_label(&part, value.is_array()))}</span> });
        let label = part_label(&part, value.is_array());
        let field_name = name(key, &part);
        let read = move |ev: &leptos::ev::Event| with_value(&test, &part, input_value(&part, &event_target_value(ev), kind, &value));
        let typing = read.clone();
        view! {
            <label class="value-input">{label}
                <input type=input_type name=field_name value=text.clone() prop:value=text placeholder=hint
                    on:input=move |ev| set.run((typing(&ev), false))
                    on:change=move |ev| set.run((read(&ev), true)) />
            </label>
            {warning}
        }.into_any()
    }).collect_view().into_any()
}

/// The unit of "within the last …", stored as chosen (`weeks` stays weeks).
fn unit_menu(test: &ValueTest, value: &serde_json::Value, key: &str, set: SetTest) -> AnyView {
    let current = value.as_str().unwrap_or("days").to_owned();
    let test = test.clone();
    let options = TimeUnit::ALL.into_iter().map(|u| view! { <option value=u.as_str() selected=u.as_str() == current prop:selected=u.as_str() == current>{u.as_str()}</option> }).collect_view();
    view! {
        <label class="value-input">"Unit"
            <select name=name(key, "unit") on:change=move |ev| set.run((with_value(&test, "unit", serde_json::json!(event_target_value(&ev))), true))>{options}</select>
        </label>
    }.into_any()
}
