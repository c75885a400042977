//! Consent per purpose on the customer page, changed with a stated reason by support.
use crate::{
    api::SetConsent,
    components::{
        form_fields::{FormAlert, FormState, form_state},
        session::current_user,
    },
    model::{
        access::Permission,
        consent::{ConsentView, purpose_label},
        profile::ProfileView,
    },
    pages::settings::when,
};
use leptos::prelude::*;

/// Consent per purpose with its source and time; grant / withdraw for roles that may, with a
/// stated reason for roles that work on masked data (support).
#[component]
pub fn Consent(profile: ProfileView, action: ServerAction<SetConsent>) -> impl IntoView {
    let editable = profile.rights.edit_consent;
    let needs_reason = editable && !current_user().can(Permission::ReadPii);
    let id = profile.id.clone();
    let state = form_state(action, "consent");
    let rows = profile.consent.into_iter().map(move |c| {
        view! { <ConsentRow consent=c id=id.clone() editable needs_reason action state /> }
    });
    view! {
        <section class="card" aria-labelledby="consent-heading">
            <h2 id="consent-heading">"Consent"</h2>
            {needs_reason.then(|| view! { <p class="hint">"Say why you change consent: the reason is kept in the audit log."</p> })}
            <FormAlert state saved="Consent changed." />
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
    needs_reason: bool,
    action: ServerAction<SetConsent>,
    state: FormState,
) -> impl IntoView {
    let (badge, class) = match consent.granted {
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
        let reason = needs_reason.then(|| view! { <ConsentReason purpose=consent.purpose.clone() action state /> });
        view! {
            <ActionForm action attr:class="inline-form" attr:novalidate=true>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="purpose" value=consent.purpose.clone() />
                <input type="hidden" name="granted" value=grant.to_string() />
                {reason}
                <button type="submit" class="button small" aria-label=format!("{verb} {label}")>{verb}</button>
            </ActionForm>
        }
    });
    view! {
        <tr data-testid=row_id>
            <th scope="row">{label}</th>
            <td><span class=class>{badge}</span></td>
            <td>{from.unwrap_or_else(|| "—".to_owned())}</td>
            <td>{change}</td>
        </tr>
    }
}

/// The reason input of one purpose's change, with the reason error when this row was sent.
#[component]
fn ConsentReason(
    purpose: String,
    action: ServerAction<SetConsent>,
    state: FormState,
) -> impl IntoView {
    let input_id = format!("consent-reason-{purpose}");
    let error_id = format!("{input_id}-error");
    let this_row = move || {
        action
            .input()
            .with(|i| i.as_ref().map(|i| i.purpose.clone()))
            == Some(purpose.clone())
    };
    let error = Signal::derive(move || state.error("reason").get().filter(|_| this_row()));
    view! {
        <label for=input_id.clone()>"Reason"</label>
        <input id=input_id name="reason" required=true minlength="10" maxlength="500" autocomplete="off"
            placeholder="e.g. Ticket 4812: asked by phone"
            aria-invalid=move || error.get().map(|_| "true")
            aria-describedby=error_id.clone() />
        <p class="field-error" id=error_id>{move || error.get()}</p>
    }
}
