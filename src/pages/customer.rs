//! One customer: identities, traits with provenance, activity, merges (with unmerge).
use crate::{
    api::{UnmergeProfiles, get_profile},
    components::LoadError,
    model::profile::{MergeView, ProfileView, TraitView},
    pages::settings::when,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The customer in the URL.
#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let unmerge = ServerAction::<UnmergeProfiles>::new();
    let profile = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                unmerge.version().get(),
            )
        },
        |(id, _)| get_profile(id),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the customer…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move { profile.await.map(|p| view! { <Profile profile=p unmerge /> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Profile(profile: ProfileView, unmerge: ServerAction<UnmergeProfiles>) -> impl IntoView {
    let title = if profile.name.is_empty() {
        "Anonymous visitor".to_owned()
    } else {
        profile.name.clone()
    };
    let contact = [profile.email.clone(), profile.phone.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let seen = format!(
        "First seen {} · last active {} · sources: {}",
        profile.first_seen.map_or("—".into(), when),
        profile.last_seen.map_or("never".into(), when),
        profile.sources.join(", ")
    );
    let merged = profile.merged_into.clone().map(|into| view! {
        <p class="alert" role="note">"This profile was merged. "<a href=format!("/customers/{into}")>"Open the profile it lives on in"</a></p>
    });
    view! {
        <Title text=title.clone() />
        <header class="page-header">
            <h1 data-testid="customer-name">{title}</h1>
            <p class="muted">{contact}</p>
            <p class="muted">{seen}</p>
        </header>
        {merged}
        <div class="grid-2">
            <Identities profile=profile.clone() />
            <Activity profile=profile.clone() />
        </div>
        <Traits traits=profile.traits computed=profile.computed />
        <Merges merges=profile.merges unmerge />
    }
}

#[component]
fn Identities(profile: ProfileView) -> impl IntoView {
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

#[component]
fn Activity(profile: ProfileView) -> impl IntoView {
    let page = profile.last_page.map(|p| view! {
        <p>"Last web visit: "<strong>{p.title.unwrap_or_else(|| p.url.clone())}</strong>" "<code>{p.url}</code>{format!(" at {}", when(p.at))}</p>
    });
    let counters = profile.counters.into_iter().map(|c| view! {
        <tr><td>{c.event}</td><td class="num">{c.total}</td><td class="num">{c.last_30_days}</td></tr>
    });
    let events = profile.recent_events.into_iter().map(|e| view! {
        <li>{when(e.at)}" · "{e.kind}" "<strong>{e.name.unwrap_or_default()}</strong>{format!(" ({})", e.source)}</li>
    });
    view! {
        <section class="card" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            {page}
            <table class="data-table" data-testid="counters">
                <thead><tr><th scope="col">"Event"</th><th scope="col" class="num">"All time"</th><th scope="col" class="num">"Last 30 days"</th></tr></thead>
                <tbody>{counters.collect_view()}</tbody>
            </table>
            <h3>"Recent events"</h3>
            <ul class="timeline" data-testid="events">{events.collect_view()}</ul>
        </section>
    }
}

#[component]
fn Traits(traits: Vec<TraitView>, computed: Vec<(String, String)>) -> impl IntoView {
    let rows = traits.into_iter().map(|t| {
        let history = (!t.history.is_empty()).then(|| {
            let past = t.history.into_iter().map(|h| view! { <li><code>{h.value}</code>{format!(" from {} at {}", h.source, when(h.at))}</li> });
            view! { <details><summary>"Earlier values"</summary><ul>{past.collect_view()}</ul></details> }
        });
        view! { <tr><th scope="row">{t.key}</th><td><code>{t.value}</code>{history}</td><td>{t.source}</td><td>{when(t.at)}</td></tr> }
    });
    let computed = computed.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td><code>{v}</code></td><td>"computed"</td><td></td></tr> });
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
fn Merges(merges: Vec<MergeView>, unmerge: ServerAction<UnmergeProfiles>) -> impl IntoView {
    let failure = move || {
        unmerge
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let rows = merges.into_iter().map(|m| {
        let undo_label = format!("Unmerge {}", m.absorbed_label);
        let undo = m.can_undo.then(|| view! {
            <ActionForm action=unmerge attr:class="inline-form">
                <input type="hidden" name="merge_id" value=m.id.clone() />
                <button type="submit" class="button small danger" aria-label=undo_label>"Unmerge"</button>
            </ActionForm>
        });
        view! {
            <tr data-testid="merge-row">
                <td><a href=format!("/customers/{}", m.absorbed)>{m.absorbed_label}</a></td>
                <td>{when(m.at)}</td><td>{m.state}</td><td>{undo}</td>
            </tr>
        }
    });
    view! {
        <section class="card" aria-labelledby="merges-heading">
            <h2 id="merges-heading">"Merge history"</h2>
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            <table class="data-table" data-testid="merges">
                <thead><tr><th scope="col">"Merged profile"</th><th scope="col">"When"</th><th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>{rows.collect_view()}</tbody>
            </table>
        </section>
    }
}
