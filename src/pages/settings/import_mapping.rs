//! Step 2 of an import: the kept file's columns, each with a few sample values and a target
//! (guessed from the header and the values, or as saved for the source), in a plain form.
use super::import::{Query, QueryAlert, QueryFieldError, query_error};
use crate::{
    api::imports::get_staged_import,
    components::LoadError,
    model::import::{ColumnDraft, MappingDraft, TARGETS, VALUE_TYPES},
};
use leptos::prelude::*;

/// Date orders offered: `(value, label)`.
const DATE_ORDERS: [(&str, &str); 2] = [
    ("dmy", "Day first: 31/07/2020"),
    ("mdy", "Month first: 07/31/2020"),
];

/// The mapping form for staged upload `upload`.
#[component]
pub fn MappingStep(upload: String, query: Query) -> impl IntoView {
    let draft = Resource::new(move || upload.clone(), get_staged_import);
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Reading the file's columns…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <LoadError errors />
                <p><a href="/settings/import">"Choose the file again"</a></p>
            }>
                {move || Suspend::new(async move {
                    draft.await.map(|draft| view! { <MappingForm draft query /> })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// A value chosen before an error (from the query), else the draft's.
fn chosen(query: Query, name: &str, draft: &str) -> String {
    query
        .read_untracked()
        .get(name)
        .unwrap_or_else(|| draft.to_owned())
}

#[component]
fn MappingForm(draft: MappingDraft, query: Query) -> impl IntoView {
    let source = chosen(query, "source", &draft.source);
    let again = format!("/settings/import?source={}", urlencoding(&draft.source));
    let names: Vec<String> = draft.columns.iter().map(|c| c.name.clone()).collect();
    let columns = draft
        .columns
        .into_iter()
        .enumerate()
        .map(|(i, column)| view! { <ColumnChoice i column query /> })
        .collect_view();
    view! {
        <QueryAlert query />
        <form class="form" method="post" action="/imports" enctype="multipart/form-data" data-testid="mapping-form">
            <input type="hidden" name="upload" value=draft.upload.clone() />
            <p data-testid="kept-file">"File: "<strong>{draft.file_name}</strong>" "<a href=again>"Choose another file"</a></p>
            <QueryFieldError query field="file" id="file-error" />
            <div class="field">
                <label for="source">"Source name"<span class="required" aria-hidden="true">" *"</span></label>
                <input id="source" name="source" required maxlength="64" value=source
                    aria-invalid=move || query_error(query, "source").map(|_| "true")
                    aria-describedby="source-error" />
                <QueryFieldError query field="source" id="source-error" />
            </div>
            <fieldset class="import-columns">
                <legend>"Columns"</legend>
                <p class="hint">"Map at least one column to an identifier (email, phone, user id or an id in another system). Bad values are left out of their row and listed after the import."</p>
                <QueryFieldError query field="target_0" id="columns-error" />
                {columns}
            </fieldset>
            <FileOptions draft_order=draft.date_order draft_region=draft.phone_region timestamp=draft.timestamp names query />
            <div class="form-actions">
                <button type="submit" class="button primary">"Import"</button>
            </div>
        </form>
    }
}

/// One column: its samples, then target, name and type.
#[component]
fn ColumnChoice(i: usize, column: ColumnDraft, query: Query) -> impl IntoView {
    let (target_id, key_id, type_id) = (
        format!("target_{i}"),
        format!("key_{i}"),
        format!("type_{i}"),
    );
    let target = chosen(query, &target_id, &column.target);
    let key = chosen(query, &key_id, &column.key);
    let kind = chosen(query, &type_id, &column.value_type);
    let samples = column
        .samples
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    let key_error = format!("key_{i}-error");
    let key_field = key_id.clone();
    view! {
        <div class="import-column" data-testid=format!("column-{i}")>
            <p class="import-column-name"><strong>{column.name}</strong>" "<span class="hint">{samples}</span></p>
            <div class="import-column-fields">
                <div class="field">
                    <label for=target_id.clone()>"Maps to"</label>
                    <Select id=target_id options=&TARGETS selected=target />
                </div>
                <div class="field">
                    <label for=key_id.clone()>"Trait name or id type"</label>
                    <input id=key_id.clone() name=key_id maxlength="64" value=key
                        aria-invalid={
                            let key_field = key_field.clone();
                            move || query_error(query, &key_field).map(|_| "true")
                        }
                        aria-describedby=key_error.clone() />
                    <QueryFieldError query field=key_field id=key_error />
                </div>
                <div class="field">
                    <label for=type_id.clone()>"Type (traits)"</label>
                    <Select id=type_id options=&VALUE_TYPES selected=kind />
                </div>
            </div>
        </div>
    }
}

/// A `<select>` named and identified `id`.
#[component]
fn Select(
    id: String,
    options: &'static [(&'static str, &'static str)],
    selected: String,
) -> impl IntoView {
    let options = options
        .iter()
        .map(|(value, label)| {
            let on = *value == selected;
            view! { <option value=*value selected=on>{*label}</option> }
        })
        .collect_view();
    view! { <select id=id.clone() name=id>{options}</select> }
}

/// How the file writes dates and phones, and which column dates each record.
#[component]
fn FileOptions(
    draft_order: String,
    draft_region: String,
    timestamp: Option<String>,
    names: Vec<String>,
    query: Query,
) -> impl IntoView {
    let order = chosen(query, "date_order", &draft_order);
    let region = chosen(query, "phone_region", &draft_region);
    let stamp = chosen(query, "timestamp", timestamp.as_deref().unwrap_or_default());
    let columns = names
        .into_iter()
        .map(|n| {
            let on = n == stamp;
            view! { <option value=n.clone() selected=on>{n.clone()}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for="date_order">"Dates written with slashes"</label>
            <Select id="date_order".to_owned() options=&DATE_ORDERS selected=order />
        </div>
        <div class="field">
            <label for="phone_region">"Country of phone numbers without a country code"</label>
            <input id="phone_region" name="phone_region" maxlength="2" value=region placeholder="e.g. KR"
                aria-invalid=move || query_error(query, "phone_region").map(|_| "true")
                aria-describedby="phone_region-hint phone_region-error" />
            <p class="hint" id="phone_region-hint">"Two letters (KR, US, GB …). Empty: the server's default. Numbers written with + never need it."</p>
            <QueryFieldError query field="phone_region" id="phone_region-error" />
        </div>
        <div class="field">
            <label for="timestamp">"Column with each record's last update (optional)"</label>
            <select id="timestamp" name="timestamp">
                <option value="">"None: the time of the import"</option>
                {columns}
            </select>
        </div>
    }
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
