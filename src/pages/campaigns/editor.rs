//! The campaign editor: one plain form (it works without JavaScript) in sections — basics,
//! audience, the A/B messages, schedule, conversion goal and frequency cap.
use crate::components::form_fields::{Errors, FormSelect, FormText};
use crate::{
    api::{
        campaigns::{SaveCampaign, get_campaign_form},
        segments::list_segments,
    },
    components::LoadError,
    model::{
        campaign::Channel,
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
                        loaded.await.map(|(form, segments)| view! { <Editor id form segments /> })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Editor(id: Option<String>, form: CampaignForm, segments: Vec<SegmentSummary>) -> impl IntoView {
    let save = ServerAction::<SaveCampaign>::new();
    let errors: Errors = Signal::derive(move || save.value().get().and_then(Result::err));
    let segments: Vec<SegmentSummary> = segments
        .into_iter()
        .filter(|s| s.status == SegmentStatus::Active)
        .collect();
    let general = move || {
        errors.get().map(|e| match e {
            crate::error::AppError::Invalid { field, message }
            | crate::error::AppError::Conflict { field, message } => format!("{field}: {message}"),
            other => other.to_string(),
        })
    };
    view! {
        <ActionForm action=save attr:class="form campaign-editor" attr:novalidate=true>
            <input type="hidden" name="id" value=id.unwrap_or_default() />
            <Basics form=form.clone() errors />
            <Audience form=form.clone() segments=segments.clone() errors />
            <Messages form=form.clone() errors />
            <ScheduleFields form=form.clone() segments errors />
            <Goal form errors />
            {move || general().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="campaign-error">{e}</p> })}
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
            <FormText name="name" label="Name" value=form.name error_keys=&["name"] errors />
            <FormText name="goal" label="Goal" value=form.goal error_keys=&["goal"] errors hint="What the campaign is for, in words." />
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

#[component]
fn Messages(form: CampaignForm, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="card">
            <legend>"Message"</legend>
            <p class="hint">"Templates (minijinja): "<code>"{{ traits.firstName | default('there') }}"</code>", "<code>"{{ computed.lifetime_value | money('EUR') }}"</code>", "<code>"{{ traits.signup | date('%d %B') }}"</code>", "<code>"{{ event.properties.total }}"</code>" for triggered sends. Email gets an unsubscribe link by itself."</p>
            <h3>"Variant A"</h3>
            <FormText name="a_subject" label="Subject" value=form.a_subject error_keys=&["variants[0].subject", "variants[0]"] errors />
            <FormText name="a_body" label="Body" rows=6 value=form.a_body error_keys=&["variants[0].body"] errors />
            <h3>"Variant B (optional)"</h3>
            <FormText name="b_subject" label="Subject" value=form.b_subject error_keys=&["variants[1].subject", "variants[1]"] errors />
            <FormText name="b_body" label="Body" rows=6 value=form.b_body error_keys=&["variants[1].body"] errors />
            <FormText name="split_a" label="Share getting A (%)" input_type="number" value=form.split_a error_keys=&["split_a", "variants"] errors hint="B gets the rest. Ignored without a variant B." />
        </fieldset>
    }
}

#[component]
fn ScheduleFields(
    form: CampaignForm,
    segments: Vec<SegmentSummary>,
    errors: Errors,
) -> impl IntoView {
    let kinds = [
        ("now", "Send now, when launched"),
        ("at", "At a time"),
        ("recurring", "On a recurring schedule"),
        ("triggered", "When someone enters a segment"),
    ];
    let radios = kinds.into_iter().map(|(value, label)| {
        let id = format!("campaign-schedule-{value}");
        let label_for = id.clone();
        let checked = form.schedule == value || (form.schedule.is_empty() && value == "now");
        view! { <label class="check" for=label_for><input type="radio" id=id name="form[schedule]" value=value checked=checked />{label}</label> }
    });
    let mut triggers = vec![(String::new(), "Choose a segment".to_owned())];
    triggers.extend(segments.into_iter().map(|s| (s.id, s.name)));
    view! {
        <fieldset class="card">
            <legend>"Schedule"</legend>
            <fieldset class="checks"><legend>"When"</legend>{radios.collect_view()}</fieldset>
            <div class="field-row">
                <FormText name="send_at" label="At" input_type="datetime-local" value=form.send_at error_keys=&["send_at", "schedule.at"] errors />
                <FormText name="send_at_zone" label="Time zone" value=form.send_at_zone error_keys=&["send_at_zone"] errors />
            </div>
            <div class="field-row">
                <FormText name="cron" label="Repeat (cron)" value=form.cron error_keys=&["schedule.cron"] errors hint="minute hour day month weekday, e.g. 0 9 * * MON" />
                <FormText name="timezone" label="Time zone" value=form.timezone error_keys=&["schedule.timezone"] errors />
            </div>
            <FormSelect name="trigger_segment" label="Trigger segment" value=form.trigger_segment options=triggers error_keys=&["trigger_segment", "schedule.segment_id"] errors />
        </fieldset>
    }
}

#[component]
fn Goal(form: CampaignForm, errors: Errors) -> impl IntoView {
    view! {
        <fieldset class="card">
            <legend>"Conversion goal and frequency cap"</legend>
            <div class="field-row">
                <FormText name="goal_event" label="Goal event" value=form.goal_event error_keys=&["conversion.event"] errors hint="e.g. Order Completed; empty for none" />
                <FormText name="goal_days" label="Within (days)" input_type="number" value=form.goal_days error_keys=&["goal_days", "conversion.window_days"] errors />
            </div>
            <div class="field-row">
                <FormText name="goal_property" label="Where property" value=form.goal_property error_keys=&["conversion.filters"] errors />
                <FormText name="goal_value" label="equals" value=form.goal_value errors />
            </div>
            <div class="field-row">
                <FormText name="cap_max" label="At most (messages)" input_type="number" value=form.cap_max error_keys=&["cap_max", "frequency_cap"] errors hint="Empty: the channel's cap from Settings → Channels." />
                <FormText name="cap_days" label="per (days)" input_type="number" value=form.cap_days error_keys=&["cap_days"] errors />
            </div>
        </fieldset>
    }
}
