//! Masked values, and support's "Reveal" with a stated reason (audited on the server).
use crate::api::RevealField;
use leptos::prelude::*;

/// One labelled fact, masked or revealed, with a Reveal control when the viewer may use it.
#[component]
pub fn Revealable(
    label: &'static str,
    field: &'static str,
    value: String,
    revealed: bool,
    can_reveal: bool,
    id: String,
    action: ServerAction<RevealField>,
) -> impl IntoView {
    view! {
        <dt>{label}</dt>
        <dd data-testid=format!("fact-{field}")>
            <span class="value">{value}</span>
            {revealed.then(|| view! { <span class="badge" title="Shown after a stated reason; audited">"revealed"</span> })}
            {can_reveal.then(|| view! { <RevealButton id field=field.to_owned() label action /> })}
        </dd>
    }
}

/// A disclosure with the reason form for one field.
#[component]
pub fn RevealButton(
    id: String,
    field: String,
    label: &'static str,
    action: ServerAction<RevealField>,
) -> impl IntoView {
    let reason_id = format!("reason-{}", field.replace('.', "-"));
    view! {
        <details class="reveal">
            <summary class="button small" aria-label=format!("Reveal {label}")>"Reveal"</summary>
            <ActionForm action attr:class="reveal-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="field" value=field />
                <label for=reason_id.clone()>"Why do you need to see it?"</label>
                <textarea id=reason_id name="reason" required minlength="10" rows="2"
                    placeholder="e.g. Ticket 4812: customer asked to confirm their email"></textarea>
                <button type="submit" class="button small primary">"Reveal and log"</button>
            </ActionForm>
        </details>
    }
}

/// The last reveal's refusal (e.g. a reason too short), as an alert.
#[component]
pub fn RevealStatus(action: ServerAction<RevealField>) -> impl IntoView {
    let failure = move || {
        action.value().get().and_then(Result::err).map(|e| {
            e.message_for("reason")
                .map_or_else(|| e.to_string(), |m| format!("Reason: {m}"))
        })
    };
    move || {
        failure().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="reveal-error">{e}</p> })
    }
}
