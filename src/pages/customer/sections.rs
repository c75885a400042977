//! Identities and traits (with provenance and history on demand).
use super::{Actions, reveal::RevealButton};
use crate::{
    model::{
        field::FieldClass,
        profile::{ProfileView, TraitView},
    },
    pages::settings::when,
};
use leptos::prelude::*;

/// Every identifier, its kind, the source that sent it first, and since when.
#[component]
pub fn Identities(profile: ProfileView) -> impl IntoView {
    let rows = profile.identities.into_iter().map(|i| view! {
        <tr><td>{i.kind}</td><td><code>{i.value}</code></td><td>{i.source}</td><td>{when(i.at)}</td></tr>
    });
    view! {
        <section class="card" aria-labelledby="identities-heading">
            <h2 id="identities-heading">"Identities"</h2>
            <table class="data-table" data-testid="identities">
                <thead><tr><th scope="col">"Kind"</th><th scope="col">"Value"</th><th scope="col">"Source"</th><th scope="col">"Since"</th></tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </section>
    }
}

/// Event counters (all time and 30 days) and the last web visit.
#[component]
pub fn Activity(profile: ProfileView) -> impl IntoView {
    let page = profile.last_page.map(|p| view! {
        <p>"Last web visit: "<strong>{p.title.unwrap_or_else(|| p.url.clone())}</strong>" "<code>{p.url}</code>{format!(" at {}", when(p.at))}</p>
    });
    let counters = profile.counters.into_iter().map(|c| view! {
        <tr><td>{c.event}</td><td class="num">{c.total}</td><td class="num">{c.last_30_days}</td></tr>
    });
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            {page}
            <table class="data-table" data-testid="counters">
                <thead><tr><th scope="col">"Event"</th><th scope="col" class="num">"All time"</th><th scope="col" class="num">"Last 30 days"</th></tr></thead>
                <tbody>{counters.collect_view()}</tbody>
            </table>
        </section>
    }
}

/// Traits with value, source and time; earlier values on demand; computed traits below.
#[component]
pub fn Traits(profile: ProfileView, actions: Actions) -> impl IntoView {
    let id = profile.id.clone();
    let revealable = profile.revealable.clone();
    let revealed = profile.revealed.clone();
    let rows = profile.traits.into_iter().map(move |t| {
        let field = format!("traits.{}", t.key);
        let shown = revealed
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone());
        let can = revealable.contains(&field) && shown.is_none();
        view! { <TraitRow t shown can_reveal=can id=id.clone() actions /> }
    });
    let computed = profile.computed.into_iter().map(|(k, v)| {
        view! {
            <tr><th scope="row">{k}</th><td><span class="trait-value">{display_value(&v)}</span></td><td>"computed"</td><td></td></tr>
        }
    });
    view! {
        <section class="card" aria-labelledby="traits-heading">
            <h2 id="traits-heading">"Traits"</h2>
            <table class="data-table" data-testid="traits">
                <thead><tr><th scope="col">"Trait"</th><th scope="col">"Value"</th><th scope="col">"Source"</th><th scope="col">"As of"</th></tr></thead>
                <tbody>{rows.collect_view()}{computed.collect_view()}</tbody>
            </table>
        </section>
    }
}

#[component]
fn TraitRow(
    t: TraitView,
    shown: Option<String>,
    can_reveal: bool,
    id: String,
    actions: Actions,
) -> impl IntoView {
    let badge = match t.class {
        FieldClass::Restricted => Some(("restricted", "Encrypted at rest; never shown")),
        FieldClass::Pii => Some(("personal", "Personal data: masked for roles without access")),
        FieldClass::Standard => None,
    }
    .map(|(text, title)| view! { <span class="badge muted" title=title>{text}</span> });
    let history = (!t.history.is_empty()).then(|| {
        let past = t.history.into_iter().map(|h| view! { <li><span class="trait-value">{display_value(&h.value)}</span>{format!(" from {} at {}", h.source, when(h.at))}</li> });
        view! { <details><summary>"Earlier values"</summary><ul>{past.collect_view()}</ul></details> }
    });
    let revealed = shown.is_some();
    let key = t.key.clone();
    view! {
        <tr data-testid=format!("trait-{key}")>
            <th scope="row">{t.key}" "{badge}</th>
            <td>
                <span class="trait-value">{display_value(&shown.unwrap_or(t.value))}</span>
                {revealed.then(|| view! { <span class="badge">"revealed"</span> })}
                {can_reveal.then(|| view! { <RevealButton id field=format!("traits.{key}") label="trait" action=actions.reveal /> })}
                {history}
            </td>
            <td>{t.source}</td>
            <td>{when(t.at)}</td>
        </tr>
    }
}

/// A trait's JSON text as a person reads it: text without quotes, a midnight-UTC timestamp
/// (how imports store dates) as its date, numbers and booleans as they are.
pub fn display_value(json: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::String(text)) => {
            let midnight = ["T00:00:00+00:00", "T00:00:00Z"];
            match midnight.iter().find_map(|m| text.strip_suffix(m)) {
                Some(day) if day.len() == 10 => day.to_owned(),
                _ => text,
            }
        }
        _ => json.to_owned(),
    }
}

#[test]
fn item_08_traits_show_values_not_json_literals() {
    assert_eq!(display_value("\"Ann Lee\""), "Ann Lee");
    assert_eq!(display_value("\"2020-07-31T00:00:00+00:00\""), "2020-07-31");
    assert_eq!(
        display_value("\"2020-07-31T09:30:00+00:00\""),
        "2020-07-31T09:30:00+00:00"
    );
    assert_eq!(display_value("41"), "41");
    assert_eq!(display_value("true"), "true");
}
