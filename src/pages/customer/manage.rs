//! Merge history with Unmerge, and the admin's data-subject tools: export and delete.
use crate::{
    api::{DeleteCustomer, UnmergeProfiles},
    model::profile::ProfileView,
    pages::settings::when,
};
use leptos::prelude::*;

/// Merges this profile took part in; Unmerge for roles that may.
#[component]
pub fn Merges(profile: ProfileView, action: ServerAction<UnmergeProfiles>) -> impl IntoView {
    if profile.merges.is_empty() {
        return ().into_any();
    }
    let may_undo = profile.rights.unmerge;
    let failure = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let rows = profile.merges.into_iter().map(|m| {
        let undo_label = format!("Unmerge {}", m.absorbed_label);
        let undo = (m.can_undo && may_undo).then(|| view! {
            <ActionForm action attr:class="inline-form">
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
    .into_any()
}

/// Export (download everything held) and delete (forget), for roles that may.
#[component]
pub fn Manage(profile: ProfileView, action: ServerAction<DeleteCustomer>) -> impl IntoView {
    let rights = profile.rights;
    if !rights.export && !rights.delete {
        return ().into_any();
    }
    let failure = move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.message_for("confirm").unwrap_or_else(|| e.to_string()))
    };
    let export = rights.export.then(|| view! {
        <p><a class="button" href=format!("/customers/{}/export", profile.id) download="" data-testid="export">"Download all data (JSON)"</a></p>
    });
    let delete = rights.delete.then(|| view! {
        <ActionForm action attr:class="form danger-zone">
            <input type="hidden" name="id" value=profile.id.clone() />
            <label for="confirm-delete">"Type DELETE to forget this person: profile, events and identifiers are removed, and later events about them are dropped."</label>
            <input id="confirm-delete" name="confirm" autocomplete="off" />
            <button type="submit" class="button danger">"Delete customer"</button>
        </ActionForm>
    });
    view! {
        <section class="card" aria-labelledby="manage-heading">
            <h2 id="manage-heading">"Data subject requests"</h2>
            {move || failure().map(|e| view! { <p class="alert alert-error" role="alert" data-testid="delete-error">{e}</p> })}
            {export}
            {delete}
        </section>
    }
    .into_any()
}
