//! The campaign editor: one plain form (it works without JavaScript) in sections — basics,
//! audience, the A/B messages, schedule, conversion goal and frequency cap.
use super::sections::{Goal, Messages, ScheduleFields};
use crate::{
    api::{
        campaigns::{SaveCampaign, get_campaign_form, get_editor_options},
        segments::list_segments,
    },
    components::{
        LoadError,
        form_fields::{Errors, FormAlert, FormSelect, FormText, form_state},
    },
    model::{
        campaign::{Channel, EditorOptions},
        campaign_form::CampaignForm,
        consent::{PURPOSES, purpose_label},
        segment::{SegmentStatus, SegmentSummary},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A new campaign.
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    view! { <EditorLoader id=None /> }
}

/// Editing the draft in the URL.
#[component]
pub fn EditCampaignPage() -> impl IntoView {
    let id = use_params_map().read_untracked().get("id");
    view! { <EditorLoader id /> }
}

#[component]
fn EditorLoader(id: Option<String>) -> impl IntoView {
    let loaded = {
        let id = id.clone();
        Resource::new(
            || (),
            move |_| {
                let id = id.clone();
                async move {
                    Ok::<_, crate::error::AppError>((
                        get_campaign_form(id).await?,
                        list_segments().await?,
                        get_editor_options().await?,
                    ))
                }
            },
        )
    };
    let title = if id.is_some() {
        "Edit campaign"
    } else {
        "New campaign"
    };
    view! {
        <Title text=format!("{title} · Campaigns") />
        <header class="page-header"><h1>{title}</h1></header>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the editor…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        loaded.await.map(|(form, segments, options)| view! { <Editor id form segments options /> })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Editor(
    id: Option<String>,
    form: CampaignForm,
    segments: Vec<SegmentSummary>,
    options: EditorOptions,
) -> impl IntoView {
    let save = ServerAction::<SaveCampaign>::new();
    let state = form_state(save, "campaign");
    let errors = state.errors;
    let segments: Vec<SegmentSummary> = segments
        .into_iter()
        .filter(|s| s.status == SegmentStatus::Active)
        .collect();
    view! {
        <ActionForm action=save attr:class="form campaign-editor" attr:novalidate=true>
            <input type="hidden" name="id" value=id.unwrap_or_default() />
            <Basics form=form.clone() errors />
            <Audience form=form.clone() segments=segments.clone() errors />
            <Messages form=form.clone() errors variables=options.variables />
            <ScheduleFields form=form.clone() segments errors />
            <Goal form errors />
            <FormAlert state saved="Campaign saved." />
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>"Save draft"</button>
                <a class="button" href="/campaigns">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

#[component]
fn Basics(form: CampaignForm, errors: Errors) -> impl IntoView {
    let channels = Channel::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
        .collect();
    let mut purposes = vec![(String::new(), "The channel's own (email → email marketing, in-app → personalization, webhook → SMS marketing)".to_owned())];
    purposes.extend(
        PURPOSES
            .iter()
            .map(|p| ((*p).to_owned(), purpose_label(p).to_owned())),
    );
    view! {
        <fieldset class="card">
            <legend>"Basics"</legend>
            <FormText name="name" label="Name" value=form.name error_keys=&["name"] errors required=true maxlength=100 />
            <FormText name="goal" label="Goal" value=form.goal error_keys=&["goal"] errors hint="What the campaign is for, in words." maxlength=500 />
            <FormSelect name="channel" label="Channel" value=form.channel options=channels error_keys=&["channel"] errors />
            <FormSelect name="consent_purpose" label="Required consent" value=form.consent_purpose options=purposes error_keys=&["consent_purpose"] errors />
        </fieldset>
    }
}

#[component]
fn SegmentChecks(
    field: &'static str,
    legend: &'static str,
    chosen: Vec<String>,
    segments: Vec<SegmentSummary>,
) -> impl IntoView {
    let boxes = segments.into_iter().enumerate().map(|(i, s)| {
        let checked = chosen.contains(&s.id);
        let id = format!("campaign-{field}-{i}");
        let label_for = id.clone();
        view! {
            <label class="check" for=label_for>
                <input type="checkbox" id=id name=format!("form[{field}][{i}]") value=s.id.clone() checked=checked />
                {format!("{} ({} members)", s.name, s.size)}
            </label>
        }
    });
    view! { <fieldset class="checks"><legend>{legend}</legend>{boxes.collect_view()}</fieldset> }
}

#[component]
fn Audience(form: CampaignForm, segments: Vec<SegmentSummary>, errors: Errors) -> impl IntoView {
    let none = segments.is_empty().then(|| view! { <p class="empty">"No active segments yet: "<a href="/segments/new">"build one"</a>" first."</p> });
    let message = move |key: &'static str| {
        move || {
            errors
                .get()
                .and_then(|e| e.message_for(key))
                .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    view! {
        <fieldset class="card">
            <legend>"Audience"</legend>
            {none}
            <SegmentChecks field="include" legend="Send to members of" chosen=form.include segments=segments.clone() />
            {message("include")}
            <SegmentChecks field="exclude" legend="Except members of" chosen=form.exclude segments />
            {message("exclude")}
            <FormText name="holdout" label="Holdout (%)" input_type="number" value=form.holdout error_keys=&["holdout", "holdout_percent"] errors hint="A control group, stable per person, never sent; conversions are compared against it." />
        </fieldset>
    }
}
