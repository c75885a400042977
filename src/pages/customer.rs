//! Customer 360: who this person is at a glance, then identities, consent, traits with
//! provenance, the event timeline, merges, and the admin's export and delete.
mod campaigns;
mod consent;
mod manage;
mod merge_with;
mod recommendations;
mod reveal;
mod sections;
mod segments;
mod timeline;

use crate::{
    api::{DeleteCustomer, RevealField, SetConsent, UnmergeProfiles, get_profile},
    components::{LoadError, session::current_user},
    error::AppError,
    model::{access::MARKETING_DATA, profile::ProfileView},
    pages::settings::when,
};
use campaigns::CampaignHistory;
use consent::Consent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use manage::{Manage, Merges};
use merge_with::MergeWith;
use recommendations::Recommendations;
use reveal::{RevealStatus, Revealable};
use sections::{Activity, Identities, Traits};
use segments::Segments;
use timeline::Timeline;

/// The actions the page's forms post to; the profile reloads after each.
#[derive(Clone, Copy)]
pub(crate) struct Actions {
    unmerge: ServerAction<UnmergeProfiles>,
    reveal: ServerAction<RevealField>,
    consent: ServerAction<SetConsent>,
    delete: ServerAction<DeleteCustomer>,
    merge: ServerAction<crate::api::matching::MergeCustomers>,
}

/// The customer in the URL.
#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let actions = Actions {
        unmerge: ServerAction::new(),
        reveal: ServerAction::new(),
        consent: ServerAction::new(),
        delete: ServerAction::new(),
        merge: ServerAction::new(),
    };
    let profile = Resource::new(
        move || {
            let versions = (
                actions.unmerge.version().get(),
                actions.reveal.version().get(),
            );
            (
                params.read().get("id").unwrap_or_default(),
                versions,
                (
                    actions.consent.version().get(),
                    actions.merge.version().get(),
                ),
            )
        },
        |(id, _, _)| get_profile(id),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the customer…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    let loaded = profile.await;
                    if matches!(loaded, Err(AppError::NotFound { .. })) {
                        crate::components::status::set_status(404);
                    }
                    loaded.map(|p| view! { <Profile profile=p actions /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Profile(profile: ProfileView, actions: Actions) -> impl IntoView {
    let title = if profile.name.is_empty() {
        "Anonymous visitor".to_owned()
    } else {
        profile.name.clone()
    };
    let merged = profile.merged_into.clone().map(|into| view! {
        <p class="alert" role="note">"This profile was merged. "<a href=format!("/customers/{into}")>"Open the profile it lives on in"</a></p>
    });
    // Segment and campaign data reaches only the roles the live feed sends it to.
    let marketing = current_user().can(MARKETING_DATA);
    let masked_note = profile.masked.then(|| view! {
        <p class="muted small" data-testid="masked-note">"Personal data is masked for your role."</p>
    });
    view! {
        <Title text=title />
        <Summary profile=profile.clone() actions />
        {merged}
        {masked_note}
        <div class="grid-2">
            <Identities profile=profile.clone() />
            <Consent profile=profile.clone() action=actions.consent />
        </div>
        {marketing.then(|| view! { <Segments profile=profile.clone() /> })}
        <div class="grid-2">
            <Recommendations id=profile.id.clone() />
            {marketing.then(|| view! { <CampaignHistory id=profile.id.clone() /> })}
        </div>
        <Traits profile=profile.clone() actions />
        <div class="grid-2">
            <Activity profile=profile.clone() />
            <Timeline profile=profile.clone() />
        </div>
        <Merges profile=profile.clone() action=actions.unmerge />
        {profile.rights.merge.then(|| view! { <MergeWith profile=profile.clone() action=actions.merge /> })}
        <Manage profile action=actions.delete />
    }
}

/// The header card: name, contact, activity and sources, readable in five seconds.
#[component]
fn Summary(profile: ProfileView, actions: Actions) -> impl IntoView {
    let shown = |field: &str, masked: Option<String>| -> Option<(String, bool)> {
        let revealed = profile
            .revealed
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| (v.clone(), true));
        revealed.or(masked.map(|m| (m, false)))
    };
    let name = shown("name", Some(profile.name.clone()).filter(|n| !n.is_empty()));
    let email = shown("email", profile.email.clone());
    let phone = shown("phone", profile.phone.clone());
    let title = name
        .clone()
        .map_or("Anonymous visitor".to_owned(), |(n, _)| n);
    let activity = format!(
        "First seen {} · last active {}",
        profile.first_seen.map_or("—".into(), when),
        profile.last_seen.map_or("never".into(), when),
    );
    let total: i64 = profile.counters.iter().map(|c| c.total).sum();
    let field = |label: &'static str, key: &'static str, value: Option<(String, bool)>| {
        let can =
            profile.revealable.iter().any(|f| f == key) && !value.as_ref().is_some_and(|(_, r)| *r);
        value.map(|value| view! {
            <Revealable label field=key value=value.0 revealed=value.1 can_reveal=can id=profile.id.clone() action=actions.reveal />
        })
    };
    view! {
        <header class="page-header profile-summary card">
            <div>
                <h1 data-testid="customer-name">{title}</h1>
                <dl class="facts">
                    {field("Name", "name", name)}
                    {field("Email", "email", email)}
                    {field("Phone", "phone", phone)}
                </dl>
            </div>
            <div class="summary-side">
                <p class="muted">{activity}</p>
                <p><strong>{total}</strong>" events · sources: "{profile.sources.join(", ")}</p>
                <RevealStatus action=actions.reveal />
            </div>
        </header>
    }
}
