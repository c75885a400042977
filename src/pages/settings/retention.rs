//! Settings → Retention: how long each kind of record is kept, whether it is archived before it
//! goes, and what the last sweep did. Admins change it; other settings readers see it.
use super::SettingsHeader;
use crate::{
    api::retention::{SaveRetention, SweepRetention, get_retention},
    components::{
        LoadError,
        session::{RoleNote, current_user},
    },
    error::AppError,
    model::{
        access::Permission,
        retention::{RetentionForm, RetentionKind, RetentionView, SweepSummary},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The retention rules.
#[component]
pub fn RetentionPage() -> impl IntoView {
    let save = ServerAction::<SaveRetention>::new();
    let sweep = ServerAction::<SweepRetention>::new();
    let view = Resource::new(
        move || (save.version().get(), sweep.version().get()),
        |_| get_retention(),
    );
    view! {
        <Title text="Retention · Settings" />
        <SettingsHeader />
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || Suspend::new(async move {
                    view.await.map(|view| view! { <RetentionForm view save sweep /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn message(error: AppError) -> Vec<String> {
    match error {
        AppError::InvalidFields { errors } => errors.into_iter().map(|e| e.message).collect(),
        AppError::Invalid { message, .. } => vec![message],
        other => vec![other.to_string()],
    }
}

#[component]
fn RetentionForm(
    view: RetentionView,
    save: ServerAction<SaveRetention>,
    sweep: ServerAction<SweepRetention>,
) -> impl IntoView {
    let ro = !current_user().can(Permission::ManageUsers);
    let no_archive = view.archive_dir.is_none();
    let form = RetentionForm::from_settings(&view.settings);
    let rows = RetentionKind::ALL
        .into_iter()
        .map(|kind| {
            let rule = view.settings.rule(kind);
            let key = kind.key();
            let (days_id, archive_id) = (format!("retention-{key}-days"), format!("retention-{key}-archive"));
            let days_label = format!("{}: days kept", kind.label());
            let archive_label = format!("Archive {} before deleting", kind.label().to_lowercase());
            let days = form.days_of(kind);
            view! {
                <tr>
                    <th scope="row">
                        {kind.label()}<span class="hint">" (age "{kind.age_of()}")"</span>
                        {kind.note().map(|note| view! { <p class="hint retention-note">{note}</p> })}
                    </th>
                    <td>
                        <label class="visually-hidden" for=days_id.clone()>{days_label}</label>
                        <input id=days_id type="number" min="0" max="3650" inputmode="numeric"
                            name=format!("form[{key}_days]") value=days disabled=ro />
                    </td>
                    <td>
                        <label class="visually-hidden" for=archive_id.clone()>{archive_label}</label>
                        <input id=archive_id type="checkbox" name=format!("form[{key}_archive]") value="on"
                            checked=rule.archive disabled=ro || (no_archive && !rule.archive) />
                    </td>
                </tr>
            }
        })
        .collect_view();
    let errors = move || save.value().get().and_then(Result::err).map(message);
    let saved = move || save.value().get().is_some_and(|r| r.is_ok());
    let swept = move || match sweep.value().get() {
        Some(Ok(Some(_))) => Some("Swept.".to_owned()),
        Some(Ok(None)) => {
            Some("Another instance is sweeping right now; try again in a minute.".to_owned())
        }
        Some(Err(err)) => Some(err.to_string()),
        None => None,
    };
    let archive_note = match &view.archive_dir {
        Some(dir) => format!(
            "Archives are written to {dir} on the server, one gzip file of JSON Lines per batch, before the batch is deleted. They are outside enrich: forgetting a person does not reach them."
        ),
        None => "Archiving is off: set ENRICH_RETENTION_ARCHIVE_DIR on the server to offer it."
            .to_owned(),
    };
    let hours = view.sweep_every_secs as f64 / 3600.0;
    view! {
        {ro.then(|| view! { <RoleNote text="Only admins can change retention." /> })}
        <ActionForm action=save attr:class="form retention-form" attr:novalidate=true>
            <fieldset class="card"><legend>"How long records are kept"</legend>
                <div class="table-scroll">
                    <table class="data-table">
                        <thead><tr><th scope="col">"Records"</th><th scope="col">"Days kept (0 = forever)"</th><th scope="col">"Archive first"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <p class="hint">{archive_note}</p>
                <p class="hint">{format!("Older records are deleted by a sweep every {hours:.1} h (and by TTL indexes on MongoDB as they age, for kinds not archived; events and campaign messages only by the sweep). The audit log is kept at least 90 days.")}</p>
            </fieldset>
            {move || errors().map(|list| view! {
                <div class="alert alert-error" role="alert"><ul>{list.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul></div>
            })}
            {move || saved().then(|| view! { <p class="alert" role="status">"Saved."</p> })}
            {(!ro).then(|| view! { <div class="form-actions"><button type="submit" class="button primary">"Save retention"</button></div> })}
        </ActionForm>
        <section class="card" aria-labelledby="retention-last-sweep">
            <h2 id="retention-last-sweep">"Last sweep"</h2>
            <LastSweep summary=view.last_sweep />
            {(!ro).then(|| view! {
                <ActionForm action=sweep attr:class="form-actions">
                    <button type="submit" class="button">"Sweep now"</button>
                </ActionForm>
            })}
            {move || swept().map(|m| view! { <p class="alert" role="status">{m}</p> })}
        </section>
    }
}

#[component]
fn LastSweep(summary: Option<SweepSummary>) -> impl IntoView {
    let Some(summary) = summary else {
        return view! { <p class="hint">"No sweep has run yet."</p> }.into_any();
    };
    let deleted: u64 = summary.deleted.iter().map(|(_, n)| n).sum();
    let label = |key: &str| {
        RetentionKind::ALL
            .into_iter()
            .find(|k| k.key() == key)
            .map_or(key.to_owned(), |k| k.label().to_owned())
    };
    let lines = summary
        .deleted
        .iter()
        .map(|(kind, n)| view! { <li>{format!("{}: {n} deleted", label(kind))}</li> })
        .collect_view();
    let at = crate::model::date_text::parse_time(&summary.at).map_or(summary.at.clone(), |t| {
        t.format("%-d %b %Y, %H:%M UTC").to_string()
    });
    view! {
        <p>{format!("{at} — {deleted} records deleted, {} archive files written.", summary.archived.len())}</p>
        <ul>{lines}</ul>
        {summary.error.map(|e| view! { <p class="alert alert-error" role="alert">{format!("Stopped early: {e}")}</p> })}
    }
    .into_any()
}
