//! The step before a launch: how many people it reaches, whether the channel is set up, and
//! one button to confirm (a plain form, so it works without JavaScript).
use crate::{
    api::campaigns::{LaunchCampaign, check_launch},
    components::LoadError,
    model::campaign::LaunchCheck,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Confirming the launch of the draft in the URL.
#[component]
pub fn LaunchCampaignPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let launch = ServerAction::<LaunchCampaign>::new();
    let check = {
        let id = id.clone();
        Resource::new(|| (), move |_| check_launch(id.clone()))
    };
    view! {
        <Title text="Launch · Campaigns" />
        <Transition fallback=|| view! { <p class="loading" role="status">"Counting the audience…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        check.await.map(|check| view! { <Confirm id check launch /> })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

/// What the launch does, in one sentence.
fn sentence(check: &LaunchCheck) -> String {
    let (n, channel) = (check.recipients, check.channel.label().to_lowercase());
    let people = if n == 1 { "person" } else { "people" };
    match check.schedule.as_str() {
        "at" => format!(
            "It sends {channel} at its scheduled time to {n} {people} (counted now; the audience is drawn again then)."
        ),
        "recurring" => format!(
            "Each run sends {channel} to the audience of the moment: {n} {people} if it ran now."
        ),
        "triggered" => format!(
            "Nobody gets anything now: each person who enters the trigger segment from now on gets the {channel} ({n} {people} in the audience today)."
        ),
        _ => format!("It sends {channel} to {n} {people} now."),
    }
}

#[component]
fn Confirm(id: String, check: LaunchCheck, launch: ServerAction<LaunchCampaign>) -> impl IntoView {
    let error = move || {
        launch
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.user_message())
    };
    let ready = check.missing.is_empty() && check.draft;
    let missing = (!check.missing.is_empty()).then(|| view! {
        <div class="alert alert-error" role="alert" data-testid="launch-missing">
            <p>{format!("{} is not set up: missing {}.", check.channel.label(), check.missing.join(", "))}</p>
            <p>"An admin can fix this in "<a href="/settings/channels">"Settings → Channels"</a>"; nothing is sent until then."</p>
        </div>
    });
    let not_draft = (!check.draft).then(|| {
        view! {
            <p class="alert" role="note">"This campaign was already launched."</p>
        }
    });
    let back = format!("/campaigns/{id}");
    view! {
        <header class="page-header">
            <h1>{format!("Launch “{}”?", check.name)}</h1>
        </header>
        <section class="card launch-confirm" aria-labelledby="launch-heading">
            <h2 id="launch-heading">"Who gets it"</h2>
            <p class="launch-count"><strong data-testid="launch-recipients">{check.recipients}</strong>" recipients"</p>
            <p data-testid="launch-summary">{sentence(&check)}</p>
            <ul class="launch-facts">
                <li>{format!("{} held out as the control group (never sent)", check.held_out)}</li>
                <li>{format!("{} left out by the frequency cap", check.capped)}</li>
            </ul>
            {missing}
            {not_draft}
            {move || error().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="launch-error">{e}</p> })}
            <ActionForm action=launch attr:class="form-actions">
                <input type="hidden" name="id" value=id />
                <button type="submit" class="button primary" disabled=!ready>
                    {format!("Launch to {} recipients", check.recipients)}
                </button>
                <a class="button" href=back>"Back to the campaign"</a>
            </ActionForm>
        </section>
    }
}
