//! The segment builder: the visual editor with undo, a live preview (debounced; only the newest
//! answer is shown) of the count, share and a masked sample, and saving with name and description.
use super::chips::ChipsInput;
use super::editor::{
    Editing, RulePath, kinds_of, new_condition, new_filter, new_group, test_for, test_json,
    typed_value, with_value,
};
use crate::{
    api::segments::{get_builder_catalog, get_segment, preview_segment, save_segment},
    components::LoadError,
    model::segment::{BuilderCatalog, CatalogField},
    segment::{CountOp, GroupKind, Rule, ValueTest, describe::condition, types::ValueKind},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde_json::json;

/// A new segment.
#[component]
pub fn NewSegmentPage() -> impl IntoView {
    view! { <Title text="New segment" /><Builder id=None name=String::new() description=String::new() version=None rule=Rule::everyone() /> }
}

/// The segment in the URL, edited.
#[component]
pub fn EditSegmentPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_segment,
    );
    view! {
        <Title text="Edit segment" />
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    detail.await.map(|d| view! {
                        <Builder id=Some(d.summary.id) name=d.summary.name description=d.summary.description
                            version=Some(i64::from(d.summary.version)) rule=d.rule.unwrap_or_else(Rule::everyone) />
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Builder(
    id: Option<String>,
    name: String,
    description: String,
    version: Option<i64>,
    rule: Rule,
) -> impl IntoView {
    let catalog = Resource::new(|| (), |_| get_builder_catalog());
    let editing = Editing {
        rule: RwSignal::new(rule),
        undo: RwSignal::new(Vec::new()),
    };
    view! {
        <header class="page-header"><h1>{if id.is_some() { "Edit segment" } else { "New segment" }}</h1></header>
        // Hidden by the stylesheet once the page has hydrated.
        <p class="alert js-required" role="note">"The segment editor needs JavaScript (WebAssembly). Segments can be viewed without it."</p>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the field catalog…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || {
                    let (id, name, description) = (id.clone(), name.clone(), description.clone());
                    Suspend::new(async move {
                        catalog.await.map(|catalog| view! {
                            <div class="builder">
                                <section class="card" aria-labelledby="rule-editor-heading">
                                    <h2 id="rule-editor-heading">"Who belongs"</h2>
                                    <div class="toolbar">
                                        <button type="button" class="button" disabled=move || editing.undo.read().is_empty()
                                            on:click=move |_| { if let Some(previous) = editing.undo.try_update(|u| u.pop()).flatten() { editing.rule.set(previous); } }>"Undo"</button>
                                    </div>
                                    {let catalog = catalog.clone(); move || node(editing, &catalog, editing.rule.get(), Vec::new())}
                                </section>
                                <Preview editing id=id.clone() />
                                <SaveForm editing id name description version />
                            </div>
                        })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

/// One node of the tree: a group with its children and buttons, or a condition row.
fn node(editing: Editing, catalog: &BuilderCatalog, rule: Rule, path: RulePath) -> AnyView {
    let controls = (!path.is_empty()).then(|| {
        let (up, down, remove) = (path.clone(), path.clone(), path.clone());
        view! {
            <span class="node-controls">
                <button type="button" class="icon" aria-label="Move up" on:click=move |_| editing.shift(&up, -1)>"↑"</button>
                <button type="button" class="icon" aria-label="Move down" on:click=move |_| editing.shift(&down, 1)>"↓"</button>
                <button type="button" class="icon" aria-label="Delete" on:click=move |_| editing.remove(&remove)>"✕"</button>
            </span>
        }
    });
    match rule {
        Rule::Group { kind, rules } => {
            let here = path.clone();
            let kinds = [
                (GroupKind::All, "all"),
                (GroupKind::Any, "any"),
                (GroupKind::None, "none"),
            ];
            let children = rules
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut child = path.clone();
                    child.push(i);
                    view! { <li>{node(editing, catalog, r, child)}</li> }
                })
                .collect_view();
            let add = path.clone();
            let add_group = path.clone();
            let first = first_choice(catalog);
            let catalog = catalog.clone();
            view! {
                <fieldset class="rule-group">
                    <legend>
                        <label>"Match "
                            <select aria-label="Group kind" on:change=move |ev| {
                                let kind = match event_target_value(&ev).as_str() { "any" => GroupKind::Any, "none" => GroupKind::None, _ => GroupKind::All };
                                editing.change(&here, |r| if let Rule::Group { kind: k, .. } = r { *k = kind });
                            }>
                                {kinds.into_iter().map(|(k, label)| view! { <option value=label prop:selected=k == kind>{label}</option> }).collect_view()}
                            </select>
                        " of these"</label>
                        {controls}
                    </legend>
                    <ul class="rules">{children}</ul>
                    <button type="button" class="button small" on:click=move |_| {
                        let condition = new_condition(&first, &catalog);
                        editing.change(&add, |r| if let Rule::Group { rules, .. } = r { rules.push(condition) });
                    }>"Add condition"</button>
                    <button type="button" class="button small" on:click=move |_| {
                        editing.change(&add_group, |r| if let Rule::Group { rules, .. } = r { rules.push(new_group()) });
                    }>"Add group"</button>
                </fieldset>
            }
            .into_any()
        }
        other => {
            let picker = field_picker(editing, catalog, &other, &path);
            let body = condition_body(editing, catalog, other, &path);
            view! { <div class="rule-condition">{picker}{body}{controls}</div> }.into_any()
        }
    }
}

fn first_choice(catalog: &BuilderCatalog) -> String {
    catalog
        .traits
        .first()
        .map(|t| format!("trait:{}", t.path))
        .or_else(|| catalog.events.first().map(|e| format!("event:{}", e.name)))
        .unwrap_or_else(|| "identity:email".into())
}

fn choice_of(rule: &Rule) -> String {
    match rule {
        Rule::Trait { path, .. } => format!("trait:{path}"),
        Rule::Computed { name, .. } => format!("computed:{name}"),
        Rule::Event(c) => format!("event:{}", c.event),
        Rule::Consent { purpose } => format!("consent:{purpose}"),
        Rule::Identity { kind } => format!("identity:{kind}"),
        Rule::Segment { segment, .. } => format!("segment:{segment}"),
        Rule::Bucket { .. } => "bucket".into(),
        Rule::Group { .. } => String::new(),
    }
}

/// The field picker: every catalogued field, grouped, with type and coverage, and a search box
/// that narrows the list to the fields whose label holds what is typed.
fn field_picker(
    editing: Editing,
    catalog: &BuilderCatalog,
    rule: &Rule,
    path: &[usize],
) -> AnyView {
    let current = choice_of(rule);
    let search = RwSignal::new(String::new());
    let option = move |value: String, label: String| {
        let lower = label.to_lowercase();
        let hidden = move || !lower.contains(search.get().trim().to_lowercase().as_str());
        let selected = value == current;
        view! { <option value=value prop:selected=selected hidden=hidden>{label}</option> }
    };
    let total = catalog.total_profiles.max(1);
    let fields = |prefix: &str, fields: &[CatalogField]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|f| {
                let share = f.coverage * 100 / total;
                let label = format!("{} ({}, {share}%)", f.path, f.types.join("/"));
                (format!("{prefix}:{}", f.path), label)
            })
            .collect()
    };
    let named = |prefix: &str, items: Vec<(String, String)>| -> Vec<(String, String)> {
        items
            .into_iter()
            .map(|(value, label)| (format!("{prefix}:{value}"), label))
            .collect()
    };
    let events = catalog.events.iter();
    let groups = [
        ("Traits", fields("trait", &catalog.traits)),
        ("Computed traits", fields("computed", &catalog.computed)),
        (
            "Events",
            named(
                "event",
                events
                    .map(|e| (e.name.clone(), format!("{} ({} events)", e.name, e.count)))
                    .collect(),
            ),
        ),
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
            vec![("bucket".to_owned(), "random bucket".to_owned())],
        ),
    ];
    let groups = groups
        .into_iter()
        .map(|(label, items)| {
            let options = items
                .into_iter()
                .map(|(value, text)| option.clone()(value, text))
                .collect_view();
            view! { <optgroup label=label>{options}</optgroup> }
        })
        .collect_view();
    let (here, catalog) = (path.to_vec(), catalog.clone());
    view! {
        <input type="search" class="field-search" aria-label="Search"
            placeholder="Search fields" prop:value=move || search.get()
            on:input=move |ev| search.set(event_target_value(&ev)) />
        <select class="field-picker" aria-label="Field" on:change=move |ev| {
            let fresh = new_condition(&event_target_value(&ev), &catalog);
            editing.change(&here, |r| *r = fresh);
        }>{groups}</select>
    }
    .into_any()
}

fn condition_body(
    editing: Editing,
    catalog: &BuilderCatalog,
    rule: Rule,
    path: &[usize],
) -> AnyView {
    let here = path.to_vec();
    match rule {
        Rule::Trait { path: field, test } => {
            let types = catalog.traits.iter().find(|f| f.path == field).map(|f| f.types.clone()).unwrap_or_default();
            test_editor(test, kinds_of(&types), move |t| editing.change(&here, |r| if let Rule::Trait { test, .. } = r { *test = t }))
        }
        Rule::Computed { name, test } => {
            let types = catalog.computed.iter().find(|f| f.path == name).map(|f| f.types.clone()).unwrap_or_default();
            test_editor(test, kinds_of(&types), move |t| editing.change(&here, |r| if let Rule::Computed { test, .. } = r { *test = t }))
        }
        Rule::Event(condition) => event_editor(editing, catalog, condition, here),
        Rule::Segment { member, .. } => view! {
            <select aria-label="In or not in" on:change=move |ev| { let m = event_target_value(&ev) == "in"; editing.change(&here, |r| if let Rule::Segment { member, .. } = r { *member = m }); }>
                <option value="in" prop:selected=member>"is in"</option><option value="out" prop:selected=!member>"is not in"</option>
            </select>
        }.into_any(),
        Rule::Bucket { from, to } => {
            let there = here.clone();
            view! {
                <label>"from % "<input type="number" min="0" max="99" prop:value=from on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(0); editing.change(&here, |r| if let Rule::Bucket { from, .. } = r { *from = v }); } /></label>
                <label>" to % "<input type="number" min="1" max="100" prop:value=to on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(100); editing.change(&there, |r| if let Rule::Bucket { to, .. } = r { *to = v }); } /></label>
            }.into_any()
        }
        other => view! { <span class="hint">{condition(&other)}</span> }.into_any(),
    }
}

fn event_editor(
    editing: Editing,
    catalog: &BuilderCatalog,
    c: crate::segment::EventCondition,
    here: RulePath,
) -> AnyView {
    let counts = [
        (CountOp::AtLeast, "at_least", "at least"),
        (CountOp::AtMost, "at_most", "at most"),
        (CountOp::Exactly, "exactly", "exactly"),
    ];
    let (p1, p2, p3, p4) = (here.clone(), here.clone(), here.clone(), here.clone());
    let properties = catalog
        .events
        .iter()
        .find(|e| e.name == c.event)
        .map(|e| e.properties.clone())
        .unwrap_or_default();
    let filters = c.filters.iter().cloned().enumerate().map(|(i, f)| {
        let types = properties.iter().find(|p| p.path == f.path).map(|p| p.types.clone()).unwrap_or_default();
        let (at, gone) = (here.clone(), here.clone());
        view! {
            <li>{property_picker(editing, &properties, &f.path, here.clone(), i)}" "
                {test_editor(f.test, kinds_of(&types), move |t| editing.change(&at, |r| if let Rule::Event(c) = r && let Some(f) = c.filters.get_mut(i) { f.test = t }))}
                <button type="button" class="icon" aria-label="Remove filter" on:click=move |_| editing.change(&gone, |r| if let Rule::Event(c) = r { c.filters.remove(i); })>"✕"</button>
            </li>
        }
    }).collect_view();
    let (event, catalog) = (c.event.clone(), catalog.clone());
    view! {
        <select aria-label="How often" on:change=move |ev| { let v = event_target_value(&ev); let op = counts.iter().find(|c| c.1 == v).map_or(CountOp::AtLeast, |c| c.0); editing.change(&p1, |r| if let Rule::Event(c) = r { c.count = op }); }>
            {counts.iter().map(|(op, value, label)| view! { <option value=*value prop:selected=*op == c.count>{*label}</option> }).collect_view()}
        </select>
        <input type="number" min="0" aria-label="Times" prop:value=c.times on:change=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(1); editing.change(&p2, |r| if let Rule::Event(c) = r { c.times = v }); } />" times "
        <label>"in the last "<input type="number" min="1" aria-label="Days (empty for ever)" prop:value=c.within_days.map(|d| d.to_string()).unwrap_or_default()
            on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); editing.change(&p3, |r| if let Rule::Event(c) = r { c.within_days = v }); } />" days"</label>
        <ul class="filters">{filters}</ul>
        <button type="button" class="button small" on:click=move |_| { if let Some(f) = new_filter(&event, &catalog) { editing.change(&p4, |r| if let Rule::Event(c) = r { c.filters.push(f) }); } }>"Add property filter"</button>
    }.into_any()
}

/// Which property of the event filter `index` tests; picking another starts its test afresh.
fn property_picker(
    editing: Editing,
    properties: &[CatalogField],
    current: &str,
    at: RulePath,
    index: usize,
) -> AnyView {
    let options = properties
        .iter()
        .map(|p| view! { <option value=p.path.clone() prop:selected=p.path == current>{format!("{} ({})", p.path, p.types.join("/"))}</option> })
        .collect_view();
    let properties = properties.to_vec();
    view! {
        <select aria-label="Property" on:change=move |ev| {
            let path = event_target_value(&ev);
            let Some(field) = properties.iter().find(|p| p.path == path) else { return };
            let kind = kinds_of(&field.types)[0];
            let test = test_for(kind.operators()[0].0, kind);
            editing.change(&at, |r| if let Rule::Event(c) = r && let Some(f) = c.filters.get_mut(index) {
                f.path = path;
                f.test = test;
            });
        }>{options}</select>
    }
    .into_any()
}

/// Operator menu (only those valid for the field's types) and typed value inputs.
fn test_editor(
    test: ValueTest,
    kinds: Vec<ValueKind>,
    set: impl Fn(ValueTest) + Clone + Send + Sync + 'static,
) -> AnyView {
    let body = test_json(&test);
    let op = body["op"].as_str().unwrap_or_default().to_owned();
    let kind = kinds
        .iter()
        .copied()
        .find(|k| k.operators().iter().any(|(o, _)| *o == op))
        .unwrap_or(kinds[0]);
    let options = kinds.iter().flat_map(|k| k.operators().iter().map(move |(o, label)| (*k, *o, *label))).map(|(k, o, label)| {
        let value = format!("{}|{o}", k.label());
        view! { <option value=value prop:selected=o == op && k == kind>{format!("{label} ({})", k.label())}</option> }
    }).collect_view();
    let set_op = set.clone();
    let pick = move |ev: leptos::ev::Event| {
        let choice = event_target_value(&ev);
        let (label, op) = choice.split_once('|').unwrap_or(("text", ""));
        let kind = ValueKind::ALL
            .into_iter()
            .find(|k| k.label() == label)
            .unwrap_or(ValueKind::Text);
        set_op(test_for(op, kind));
    };
    let inputs = value_inputs(&test, kind, set);
    view! { <select aria-label="Operator" on:change=pick>{options}</select>{inputs} }.into_any()
}

fn value_inputs(
    test: &ValueTest,
    kind: ValueKind,
    set: impl Fn(ValueTest) + Clone + Send + Sync + 'static,
) -> AnyView {
    let body = test_json(test);
    let fields: Vec<(String, serde_json::Value)> = body
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| *k != "op")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    fields.into_iter().map(|(field, value)| {
        let (test, set, name) = (test.clone(), set.clone(), field.clone());
        if let (true, Some(items)) = (name == "values", value.as_array()) {
            let set = Callback::new(move |texts: Vec<String>| {
                let typed: Vec<_> = texts.iter().map(|t| typed_value(t, kind)).collect();
                set(with_value(&test, "values", json!(typed)));
            });
            return view! { <ChipsInput name=name values=items.clone() set /> }.into_any();
        }
        let text = match &value {
            serde_json::Value::String(s) if matches!(field.as_str(), "at" | "from" | "to") => {
                s.chars().take(16).collect()
            }
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect::<Vec<_>>().join(", "),
            other => other.to_string(),
        };
        let input_type = match field.as_str() {
            "at" | "from" | "to" => "datetime-local",
            "min" | "max" | "amount" | "days" if !value.is_array() => "number",
            "value" if kind == ValueKind::Number => "number",
            _ => "text",
        };
        let hint = match field.as_str() {
            "days" if value.is_array() => "1 = Monday … 7 = Sunday, comma-separated",
            "at" | "from" | "to" => "UTC",
            "unit" => "days or hours",
            _ => "",
        };
        view! {
            <label class="value-input">{name.clone()}
                <input type=input_type prop:value=text placeholder=hint on:change=move |ev| {
                    let raw = event_target_value(&ev);
                    let parsed = match name.as_str() {
                        "days" if value.is_array() => json!(raw.split(',').filter_map(|v| v.trim().parse::<u8>().ok()).collect::<Vec<_>>()),
                        "value" => typed_value(&raw, kind),
                        // The picker gives `YYYY-MM-DDTHH:MM`; dates in rules are UTC instants.
                        "at" | "from" | "to" => json!(format!("{raw}:00Z")),
                        "text" | "unit" => json!(raw),
                        _ => raw.trim().parse::<f64>().map(|n| json!(n)).unwrap_or(json!(0)),
                    };
                    set(with_value(&test, &name, parsed));
                } />
            </label>
        }.into_any()
    }).collect_view().into_any()
}

#[component]
fn Preview(editing: Editing, id: Option<String>) -> impl IntoView {
    let debounced = RwSignal::new(editing.rule.get_untracked());
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let rule = editing.rule.get();
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        set_timeout(
            move || {
                // The page may be gone by now (saved and navigated away).
                if latest.try_get_value() == Some(ticket) {
                    debounced.try_set(rule);
                }
            },
            std::time::Duration::from_millis(400),
        );
    });
    let preview = Resource::new(
        move || serde_json::to_string(&debounced.get()).unwrap_or_default(),
        move |rule| preview_segment(rule, id.clone()),
    );
    view! {
        <section class="card preview" aria-labelledby="preview-heading" aria-live="polite">
            <h2 id="preview-heading">"Preview"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Counting…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Err(e) => view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(p) if p.problem.is_some() => view! {
                            <p class="alert" role="status">"Not counted yet: "{p.problem}</p>
                        }.into_any(),
                        Ok(p) if p.band.is_some() => view! {
                            <p class="kpi"><strong data-testid="preview-count">{p.band.map(|b| b.label())}</strong>{format!(" match, of {} profiles", p.total)}</p>
                            <p class="muted small" data-testid="preview-band">"Small groups are not counted exactly for your role, so no one is singled out."</p>
                        }.into_any(),
                        Ok(p) => {
                            let share = format!("{:.1}% of {} profiles", p.percent(), p.total);
                            let sample = p.sample.into_iter().map(|m| view! {
                                <li><a href=format!("/customers/{}", m.id)>{if m.name.is_empty() { "Anonymous".to_owned() } else { m.name }}</a>" "<span class="hint">{m.email.unwrap_or_default()}</span></li>
                            }).collect_view();
                            view! { <p class="kpi"><strong data-testid="preview-count">{p.count}</strong>" match · "{share}</p><ul class="sample">{sample}</ul> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SaveForm(
    editing: Editing,
    id: Option<String>,
    name: String,
    description: String,
    version: Option<i64>,
) -> impl IntoView {
    let save = Action::new(move |(name, description): &(String, String)| {
        let (id, name, description) = (id.clone(), name.clone(), description.clone());
        let rule = serde_json::to_string(&editing.rule.get_untracked()).unwrap_or_default();
        async move { save_segment(id, version, name, description, rule).await }
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            navigate(&format!("/segments/{saved}"), Default::default());
        }
    });
    let (name, set_name) = signal(name);
    let (description, set_description) = signal(description);
    view! {
        <section class="card form-card" aria-labelledby="save-heading">
            <h2 id="save-heading">"Save"</h2>
            <div class="field"><label for="segment-name">"Name"</label><input id="segment-name" prop:value=name on:input=move |ev| set_name.set(event_target_value(&ev)) /></div>
            <div class="field"><label for="segment-description">"Description"</label><input id="segment-description" prop:value=description on:input=move |ev| set_description.set(event_target_value(&ev)) /></div>
            <button type="button" class="button primary" disabled=move || save.pending().get() on:click=move |_| { save.dispatch((name.get_untracked(), description.get_untracked())); }>"Save segment"</button>
            {move || save.value().get().and_then(Result::err).map(|e| view! { <p class="alert alert-error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}
