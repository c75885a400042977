//! The campaign editor's later sections: the A/B messages (with the insertable template
//! variables), the schedule (time zones from a list) and the conversion goal and cap.
use super::variables::{VariablePicker, last_template_field, remember};
use crate::{
    components::form_fields::{Errors, FormSelect, FormText},
    model::{
        campaign::TemplateVariable, campaign_form::CampaignForm, segment::SegmentSummary,
        time_zone::zone_names,
    },
};
use leptos::prelude::*;

/// Every IANA zone as select options, `UTC` first.
fn zones() -> Vec<(String, String)> {
    zone_names()
        .map(|z| (z.to_owned(), z.replace('_', " ")))
        .collect()
}

/// The variants' subjects and bodies, with the variables to insert.
#[component]
pub fn Messages(
    form: CampaignForm,
    errors: Errors,
    variables: Vec<TemplateVariable>,
) -> impl IntoView {
    let last = last_template_field();
    view! {
        <fieldset class="card" on:focusin=move |ev| remember(&ev, last)>
            <legend>"Message"</legend>
            <p class="hint">"Templates (minijinja): "<code>"{{ profile.first_name | default('there') }}"</code>", "<code>"{{ computed.lifetime_value | money('EUR') }}"</code>", "<code>"{{ traits.signup | date('%d %B') }}"</code>", "<code>"{{ event.properties.total }}"</code>" for triggered sends. Traits are written as stored ("<code>"traits.plan"</code>"); restricted traits never reach a message. Email gets an unsubscribe link by itself."</p>
            <VariablePicker variables last />
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

/// When it sends.
#[component]
pub fn ScheduleFields(
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
                <FormSelect name="send_at_zone" label="Send-at time zone" value=form.send_at_zone options=zones() error_keys=&["send_at_zone"] errors />
            </div>
            <div class="field-row">
                <FormText name="cron" label="Repeat (cron)" value=form.cron error_keys=&["schedule.cron"] errors hint="minute hour day month weekday, e.g. 0 9 * * MON" />
                <FormSelect name="timezone" label="Repeat time zone" value=form.timezone options=zones() error_keys=&["timezone", "schedule.timezone"] errors />
            </div>
            <FormSelect name="trigger_segment" label="Trigger segment" value=form.trigger_segment options=triggers error_keys=&["trigger_segment", "schedule.segment_id"] errors />
        </fieldset>
    }
}

/// The conversion goal and the campaign's frequency cap.
#[component]
pub fn Goal(form: CampaignForm, errors: Errors) -> impl IntoView {
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
