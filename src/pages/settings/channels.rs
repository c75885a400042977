//! Settings → Channels: the SMTP server, the webhook endpoint, caps and throttles per channel,
//! quiet hours and tracking. Secrets are write-only: the page says whether one is set.
use super::SettingsHeader;
use crate::{
    api::campaigns::{SaveChannelSettings, get_channel_settings},
    components::{
        LoadError,
        session::{RoleNote, current_user},
    },
    model::{
        access::Permission,
        campaign::Channel,
        campaign_settings::{CampaignSettingsView, ChannelSettingsForm},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The channel settings, editable by admins.
#[component]
pub fn ChannelsPage() -> impl IntoView {
    let save = ServerAction::<SaveChannelSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_channel_settings());
    view! {
        <Title text="Channels · Settings" />
        <SettingsHeader />
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move { settings.await.map(|view| view! { <ChannelsForm view save /> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

fn text(
    name: &'static str,
    label: &'static str,
    value: String,
    kind: &'static str,
    disabled: bool,
) -> impl IntoView {
    let id = format!("channels-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=format!("form[{name}]") type=kind value=value disabled=disabled autocomplete="off" />
        </div>
    }
}

fn check(name: &'static str, label: &'static str, on: bool, disabled: bool) -> impl IntoView {
    let id = format!("channels-{name}");
    let label_for = id.clone();
    view! {
        <label class="check" for=label_for>
            <input type="checkbox" id=id name=format!("form[{name}]") value="on" checked=on disabled=disabled />{label}
        </label>
    }
}

#[component]
fn ChannelsForm(
    view: CampaignSettingsView,
    save: ServerAction<SaveChannelSettings>,
) -> impl IntoView {
    let ro = !current_user().can(Permission::ManageData);
    let f = ChannelSettingsForm::from_settings(&view.settings);
    let secret_hint = |set: bool| {
        if set {
            "A secret is stored; leave empty to keep it."
        } else {
            "Not set."
        }
    };
    let security = ["none", "start_tls", "tls"].map(|s| {
        let selected = f.smtp_security == s;
        view! { <option value=s selected=selected>{s}</option> }
    });
    let limits = Channel::ALL.iter().enumerate().map(|(i, c)| {
        let id = |what: &str| format!("channels-{what}-{i}");
        let (max, days, rate) = (f.cap_max[i].clone(), f.cap_days[i].clone(), f.per_second[i].clone());
        view! {
            <tr>
                <th scope="row">{c.label()}</th>
                <td><label class="visually-hidden" for=id("cap-max")>{format!("{} cap, messages", c.label())}</label>
                    <input id=id("cap-max") type="number" name=format!("form[cap_max][{i}]") value=max disabled=ro /></td>
                <td><label class="visually-hidden" for=id("cap-days")>{format!("{} cap, days", c.label())}</label>
                    <input id=id("cap-days") type="number" name=format!("form[cap_days][{i}]") value=days disabled=ro /></td>
                <td><label class="visually-hidden" for=id("rate")>{format!("{} messages per second", c.label())}</label>
                    <input id=id("rate") type="number" name=format!("form[per_second][{i}]") value=rate disabled=ro /></td>
            </tr>
        }
    }).collect_view();
    let error = move || {
        save.value().get().and_then(Result::err).map(|e| match e {
            crate::error::AppError::Invalid { field, message } => format!("{field}: {message}"),
            other => other.to_string(),
        })
    };
    let saved = move || save.value().get().is_some_and(|r| r.is_ok());
    view! {
        {ro.then(|| view! { <RoleNote text="Only admins can change channel settings." /> })}
        <ActionForm action=save attr:class="form channels-form" attr:novalidate=true>
            <fieldset class="card"><legend>"Email (SMTP)"</legend>
                {text("smtp_host", "Host", f.smtp_host.clone(), "text", ro)}
                {text("smtp_port", "Port", f.smtp_port.clone(), "number", ro)}
                <div class="field"><label for="channels-smtp_security">"Security"</label>
                    <select id="channels-smtp_security" name="form[smtp_security]" disabled=ro>{security}</select></div>
                {text("smtp_username", "User name", f.smtp_username.clone(), "text", ro)}
                {text("smtp_password", "Password", String::new(), "password", ro)}
                <p class="hint">{secret_hint(view.smtp_password_set)}</p>
                {check("smtp_password_clear", "Remove the stored password", false, ro)}
                {text("smtp_from", "From", f.smtp_from.clone(), "text", ro)}
            </fieldset>
            <fieldset class="card"><legend>"Webhook"</legend>
                {text("webhook_url", "Endpoint", f.webhook_url.clone(), "url", ro)}
                {text("webhook_timeout_ms", "Timeout (ms)", f.webhook_timeout_ms.clone(), "number", ro)}
                {text("webhook_secret", "Signing secret", String::new(), "password", ro)}
                <p class="hint">{secret_hint(view.webhook_secret_set)}" Requests carry "<code>"X-Enrich-Signature: t=…,v1=HMAC-SHA256(secret, t.body)"</code>"."</p>
                {check("webhook_secret_clear", "Remove the stored secret", false, ro)}
            </fieldset>
            <fieldset class="card"><legend>"Frequency caps and throttles"</legend>
                <table class="data-table"><thead><tr><th scope="col">"Channel"</th><th scope="col">"At most (messages)"</th><th scope="col">"per (days)"</th><th scope="col">"Messages per second"</th></tr></thead>
                <tbody>{limits}</tbody></table>
                <p class="hint">"Across all campaigns, per person. Leave both cap fields empty for no cap."</p>
            </fieldset>
            <fieldset class="card"><legend>"Quiet hours and tracking"</legend>
                {check("quiet_enabled", "No messages during quiet hours in the person's time zone (deferred, not dropped)", f.quiet_enabled == "on", ro)}
                {text("quiet_start", "From hour", f.quiet_start.clone(), "number", ro)}
                {text("quiet_end", "To hour", f.quiet_end.clone(), "number", ro)}
                {text("quiet_zone", "Zone when unknown", f.quiet_zone.clone(), "text", ro)}
                {check("track_opens", "Track email opens (pixel)", f.track_opens == "on", ro)}
                {check("track_clicks", "Track clicks (redirect links)", f.track_clicks == "on", ro)}
                {text("max_attempts", "Attempts before failing", f.max_attempts.clone(), "number", ro)}
            </fieldset>
            {move || error().map(|e| view! { <p class="alert alert-error" role="alert">{e}</p> })}
            {move || saved().then(|| view! { <p class="alert" role="status">"Saved."</p> })}
            {(!ro).then(|| view! { <div class="form-actions"><button type="submit" class="button primary">"Save channels"</button></div> })}
        </ActionForm>
    }
}
