//! Identities, consent and traits (with provenance and history on demand).
use super::{Actions, reveal::RevealButton};
use crate::{
    api::SetConsent,
    model::{
        consent::{ConsentView, purpose_label},
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

/// Consent per purpose with its source and time; grant / withdraw for roles that may.
#[component]
pub fn Consent(profile: ProfileView, action: ServerAction<SetConsent>) -> impl IntoView {
    let editable = profile.rights.edit_consent;
    let id = profile.id.clone();
    let rows = profile
        .consent
        .into_iter()
        .map(move |c| view! { <ConsentRow consent=c id=id.clone() editable action /> });
    let failure = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <section class="card" aria-labelledby="consent-heading">
            <h2 id="consent-heading">"Consent"</h2>
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <table class="data-table" data-testid="consent">
                <thead><tr><th scope="col">"Purpose"</th><th scope="col">"State"</th><th scope="col">"From"</th><th scope="col"><span class="visually-hidden">"Change"</span></th></tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </section>
    }
}

#[component]
fn ConsentRow(
    consent: ConsentView,
    id: String,
    editable: bool,
    action: ServerAction<SetConsent>,
) -> impl IntoView {
    let (state, class) = match consent.granted {
        Some(true) => ("granted", "badge ok"),
        Some(false) => ("withdrawn", "badge danger"),
        None => ("not stated", "badge muted"),
    };
    let from = consent
        .source
        .map(|s| format!("{s}, {}", consent.at.map(when).unwrap_or_default()));
    let label = purpose_label(&consent.purpose);
    let row_id = format!("consent-{}", consent.purpose);
    let change = editable.then(|| {
        let grant = consent.granted != Some(true);
        let verb = if grant { "Grant" } else { "Withdraw" };
        view! {
            <ActionForm action attr:class="inline-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="purpose" value=consent.purpose.clone() />
                <input type="hidden" name="granted" value=grant.to_string() />
                <button type="submit" class="button small" aria-label=format!("{verb} {label}")>{verb}</button>
            </ActionForm>
        }
    });
    view! {
        <tr data-testid=row_id>
            <th scope="row">{label}</th>
            <td><span class=class>{state}</span></td>
            <td>{from.unwrap_or_else(|| "—".to_owned())}</td>
            <td>{change}</td>
        </tr>
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
            <tr><th scope="row">{k}</th><td><code>{v}</code></td><td>"computed"</td><td></td></tr>
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
        let past = t.history.into_iter().map(|h| view! { <li><code>{h.value}</code>{format!(" from {} at {}", h.source, when(h.at))}</li> });
        view! { <details><summary>"Earlier values"</summary><ul>{past.collect_view()}</ul></details> }
    });
    let revealed = shown.is_some();
    let key = t.key.clone();
    view! {
        <tr data-testid=format!("trait-{key}")>
            <th scope="row">{t.key}" "{badge}</th>
            <td>
                <code>{shown.unwrap_or(t.value)}</code>
                {revealed.then(|| view! { <span class="badge">"revealed"</span> })}
                {can_reveal.then(|| view! { <RevealButton id field=format!("traits.{key}") label="trait" action=actions.reveal /> })}
                {history}
            </td>
            <td>{t.source}</td>
            <td>{when(t.at)}</td>
        </tr>
    }
}
